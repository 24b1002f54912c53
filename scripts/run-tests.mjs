#!/usr/bin/env node
// Runs the compiled tests with Node's test runner. Node 20's `--test` takes no globs, so the
// files are listed here: unit tests sit next to the code (*.test.js), end-to-end tests in test/.
// `--unit`: without the end-to-end and fault tests. `--faults`: only the fault suite
// (test/faults/, real `aigw run` against misbehaving upstreams and processes), which the default
// run leaves out because CI runs it as a step of its own (`npm run test:faults`).
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

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
// End-to-end tests each start Envoy; running files one at a time keeps ports and CPU calm on 2 cores.
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
