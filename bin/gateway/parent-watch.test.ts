import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import { watchParent } from './parent-watch.js';

// The watch's timer is unref'd (it must not keep aigw alive): this keeps the test process up.
const keepAlive = setInterval(() => undefined, 1000);
after(() => clearInterval(keepAlive));

test('resolves with the original parent pid once the parent pid changes', async () => {
  let ppid = 4242;
  const watch = watchParent({ intervalMs: 5, parentPid: () => ppid });
  let fired = false;
  void watch.gone.then(() => (fired = true));
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(fired, false, 'same parent: nothing');
  ppid = 1;
  assert.equal(await watch.gone, 4242);
});

test('aigw as PID 1 (ppid 0) has no parent to watch', async () => {
  const watch = watchParent({ intervalMs: 1, parentPid: () => 0 });
  const outcome = await Promise.race([watch.gone.then(() => 'gone'), new Promise((resolve) => setTimeout(() => resolve('still'), 30))]);
  assert.equal(outcome, 'still');
});

test('stop() ends the watch', async () => {
  let ppid = 7;
  const watch = watchParent({ intervalMs: 5, parentPid: () => ppid });
  watch.stop();
  ppid = 1;
  const outcome = await Promise.race([watch.gone.then(() => 'gone'), new Promise((resolve) => setTimeout(() => resolve('still'), 40))]);
  assert.equal(outcome, 'still');
});

test('process.ppid follows a real re-parenting (the watch relies on it)', { skip: process.platform === 'win32' }, async () => {
  // sh starts node in the background and exits: node is re-parented and reports it.
  const script = `'${process.execPath}' -e 'const p = process.ppid; setTimeout(() => console.log(p, process.ppid), 1500)' & sleep 0.8`;
  const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const shPid = child.pid;
  await new Promise((resolve) => child.stdout.on('end', resolve));
  const [before, after] = out.trim().split(' ').map(Number);
  assert.equal(before, shPid);
  assert.notEqual(after, shPid);
});
