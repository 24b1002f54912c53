#!/usr/bin/env node
// Runs the compiled tests with Node's test runner. Node 20's `--test` takes no globs, so the
// files are listed here: unit tests sit next to the code (*.test.js), end-to-end tests in test/.
// `--unit`: without the end-to-end and fault tests. `--faults`: only the fault suite
// (test/faults/, real `aigw run` against misbehaving upstreams and processes), which the default
// run leaves out because CI runs it as a step of its own (`npm run test:faults`).
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const unitOnly = process.argv.includes('--unit');
const faultsOnly = process.argv.includes('--faults');
const under = (path, dir) => path.startsWith(join('dist', 'test', dir) + '/');

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const files = collect(dist, [])
  .map((path) => relative(root, path))
  .filter((path) => (faultsOnly ? under(path, 'faults') : !under(path, 'faults')))
  .filter((path) => !unitOnly || !under(path, 'e2e'))
  .sort();
if (files.length === 0) {
  console.error('no test files found under dist/ (did the build run?)');
  process.exit(1);
}

// No test may hang the run. The timeout applies to each test, hook and describe block. The slowest
// tests of the default run take 15–40 s on a calm 2-core machine, and about three times that when
// other builds share the cores, so 240 s fails only a test that is stuck. Fault tests deliberately wait out
// upstream and drain timeouts (70–120 s each), so they get 480 s. A test that fails on its timeout
// reports it as "test timed out after N ms", with the test's name.
const timeoutMs = faultsOnly ? 480_000 : 240_000;
// A server or child that a failed test forgot to close keeps its file's process alive after the
// last test, and no per-test timeout covers that. Node 20's --test-force-exit is not the answer: on
// Node 20.20 it sometimes ended a file before all of its tests had run, and reported no failure
// (translator-conformance: 260 of 263 tests). So the whole run has a deadline: about three times
// the longest run seen on a loaded machine. When the deadline passes, the runner kills its process
// group and fails.
const deadlineMs = (faultsOnly ? 60 : 30) * 60_000;
// CI parses the output: TAP always ends with the runner's summary (`# tests`, `# pass`,
// `# fail`, …). The spec reporter prints the failures after its summary, so it would not end
// with one. At a terminal spec is easier to read.
const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
const reporter = process.env.AIGW_TEST_REPORTER ?? (ci ? 'tap' : 'spec');

// One file at a time: end-to-end files each start Envoy and bind ports, and nobody has shown them
// stable side by side on 2 shared cores. A second `node --test` run for the unit files alone
// could use more workers, but Node would then print two summaries and CI reads only the last one.
const args = ['--test', '--test-concurrency=1', `--test-timeout=${timeoutMs}`, `--test-reporter=${reporter}`, ...files];
// Its own process group, so the deadline ends the test files' processes (and their gateways) too.
const child = spawn(process.execPath, args, { stdio: 'inherit', cwd: root, detached: true });
const deadline = setTimeout(() => {
  console.error(`\nrun-tests: the test run passed its ${deadlineMs / 60_000}-minute deadline; a test file did not exit (a server or process left open?). Killing it.`);
  process.kill(-child.pid, 'SIGKILL');
}, deadlineMs);
// Ctrl-C reaches only this process once the child has its own group: pass it on.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.kill(-child.pid, signal));
child.on('exit', (code) => {
  clearTimeout(deadline);
  process.exit(code ?? 1);
});
