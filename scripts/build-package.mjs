#!/usr/bin/env node
// The build that ships: dist/ from a clean slate with tsconfig.build.json, which compiles only
// what `bin/aigw.ts` and `extproc/main.ts` import (no tests, test helpers or source maps), then
// marks the CLI executable. Runs as `prepare`, so `npm pack`/`npm publish` (and `npm ci` in a
// clone) pack exactly this; `npm run build` (tests included) is what the test scripts use.
import { chmodSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Leftovers of a test build would otherwise be packed next to the runtime files.
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
// Admission prepared at build time (JSON CRDs, ajv validators as code): see gen-admission.mjs.
const prepared = spawnSync(process.execPath, [fileURLToPath(new URL('gen-admission.mjs', import.meta.url))], { cwd: root, stdio: 'inherit' });
if (prepared.status !== 0) process.exit(prepared.status ?? 1);
chmodSync(new URL('../dist/bin/aigw.js', import.meta.url), 0o755);
