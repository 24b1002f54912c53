import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeExit, type ChildExit } from '../../envoy/spawn-tied-child.js';
import type { RunningExtProc } from './spawn-ext-proc.js';
import { createLogger } from '../../common/logger.js';
import { ExtProcSupervisor } from './ext-proc-supervisor.js';

interface FakeProc extends RunningExtProc {
  die(exit: ChildExit): void;
  signals: NodeJS.Signals[];
  reloads: string[];
}

let nextPid = 100;
function fakeProc(): FakeProc {
  let die: (exit: ChildExit) => void = () => undefined;
  const exited = new Promise<ChildExit>((resolve) => (die = resolve));
  const signals: NodeJS.Signals[] = [];
  const reloads: string[] = [];
  return {
    pid: nextPid++,
    exited,
    signals,
    reloads,
    reload: (revision) => {
      reloads.push(revision);
      return revision === 'refused' ? Promise.reject(new Error('rate limits changed')) : Promise.resolve();
    },
    die: (exit) => die(exit),
    stop: (signal = 'SIGTERM') => {
      signals.push(signal);
      die(describeExit(undefined, signal));
    },
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a crashed ext_proc is started again, and again, and stop() ends the current one', async () => {
  const lines: string[] = [];
  const first = fakeProc();
  const spawned: FakeProc[] = [];
  const supervisor = new ExtProcSupervisor(first, () => {
    const next = fakeProc();
    spawned.push(next);
    return Promise.resolve(next);
  }, createLogger('debug', (line) => void lines.push(line)));
  first.die(describeExit(undefined, 'SIGKILL'));
  await tick();
  assert.equal(spawned.length, 1);
  assert.equal(supervisor.pid, spawned[0]?.pid);
  assert.match(lines[0] ?? '', new RegExp(`pid ${first.pid}\\) was killed by SIGKILL; restarting it`));
  assert.match(lines[1] ?? '', /is back \(pid \d+\)/);
  spawned[0]?.die(describeExit(3, undefined));
  await tick();
  assert.equal(spawned.length, 2);
  assert.match(lines[2] ?? '', /exited with code 3; restarting it/);
  assert.equal(supervisor.restartCount, 2);
  await supervisor.stop();
  assert.deepEqual(spawned[1]?.signals, ['SIGTERM']);
  assert.equal(spawned.length, 2, 'no restart after stop()');
});

test('gives up after maxCrashes within the window, not when the crashes are spread out', async () => {
  let now = 0;
  const first = fakeProc();
  let current = first;
  const supervisor = new ExtProcSupervisor(
    first,
    () => Promise.resolve((current = fakeProc())),
    createLogger('debug', () => undefined),
    { maxCrashes: 3, windowMs: 1000 },
    () => now,
  );
  let reason: string | undefined;
  void supervisor.failed.then((text) => (reason = text));
  for (const at of [0, 600, 1200, 1800]) {
    now = at;
    current.die(describeExit(1, undefined));
    await tick();
  }
  assert.equal(reason, undefined, 'at most two crashes in any second');
  now = 1900;
  current.die(describeExit(1, undefined));
  await tick();
  assert.match(reason ?? '', /exited with code 1, its 3 crashes within 1s are too many to keep restarting it/);
});

test('gives up, with the reason, when the new process does not start', async () => {
  const first = fakeProc();
  const supervisor = new ExtProcSupervisor(first, () => Promise.reject(new Error('admin port 1064 is already in use')), createLogger('debug', () => undefined));
  first.die(describeExit(undefined, 'SIGSEGV'));
  assert.match(await supervisor.failed, /was killed by SIGSEGV and could not be restarted: admin port 1064 is already in use/);
  await supervisor.stop(); // nothing left to stop: resolves
});

test('stop() during a restart stops the process being started', async () => {
  const first = fakeProc();
  let started: (proc: FakeProc) => void = () => undefined;
  const next = fakeProc();
  const supervisor = new ExtProcSupervisor(first, () => new Promise((resolve) => (started = resolve)), createLogger('debug', () => undefined));
  first.die(describeExit(undefined, 'SIGKILL'));
  await tick();
  const stopped = supervisor.stop();
  started(next);
  await stopped;
  assert.deepEqual(next.signals, ['SIGTERM']);
});

test('reload asks the running ext_proc and passes its refusal on', async () => {
  const first = fakeProc();
  const supervisor = new ExtProcSupervisor(first, () => Promise.resolve(fakeProc()), createLogger('error', () => undefined));
  await supervisor.reload('abc123');
  assert.deepEqual(first.reloads, ['abc123']);
  await assert.rejects(supervisor.reload('refused'), /rate limits changed/);
  await supervisor.stop();
});
