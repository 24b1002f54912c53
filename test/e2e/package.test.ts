/**
 * The npm package as `npm publish` would ship it (scripts/check-package.mjs packs a staged copy,
 * running `prepare`): runtime files only, every runtime asset present, and a bounded size; then
 * the unpacked tarball runs from an unrelated directory, so every asset is found next to the
 * package and none through the working directory. Offline: the dependencies come from this
 * checkout's node_modules. The full `npm install -g` (registry, installed size) is
 * `node scripts/check-package.mjs --install`, run by hand.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isRecord } from '../../common/json-guards.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/**
 * About 1.15 × today's figures (475 files, 5.8 MB unpacked, 3.4 MB of it the admission prepared at
 * build time; 1,418 files before the runtime-only build), so a new module passes and a wholesale
 * mistake (tests, source maps, sources, a stray directory) does not.
 */
const MAX_FILES = 550;
const MAX_UNPACKED_BYTES = 6_700_000;

interface PackedFile {
  path: string;
  size: number;
  mode: number;
}

interface PackSummary {
  work: string;
  tarball: string;
  entryCount: number;
  unpackedSize: number;
  files: PackedFile[];
}

function parseSummary(stdout: string): PackSummary {
  const lastLine = stdout.trim().split('\n').at(-1) ?? '';
  const parsed: unknown = JSON.parse(lastLine);
  if (!isRecord(parsed) || typeof parsed.work !== 'string' || typeof parsed.tarball !== 'string' || typeof parsed.entryCount !== 'number' || typeof parsed.unpackedSize !== 'number' || !Array.isArray(parsed.files)) {
    throw new Error(`unexpected check-package summary: ${lastLine.slice(0, 500)}`);
  }
  const files = parsed.files.map((file: unknown): PackedFile => {
    if (!isRecord(file) || typeof file.path !== 'string' || typeof file.size !== 'number' || typeof file.mode !== 'number') throw new Error(`unexpected packed file entry ${JSON.stringify(file)}`);
    return { path: file.path, size: file.size, mode: file.mode };
  });
  return { work: parsed.work, tarball: parsed.tarball, entryCount: parsed.entryCount, unpackedSize: parsed.unpackedSize, files };
}

let summary: PackSummary;
let paths: Set<string>;

before(() => {
  // `prepare` compiles the runtime build in the staged copy: about a minute on a busy machine.
  const stdout = execFileSync(process.execPath, [join(ROOT, 'scripts', 'check-package.mjs'), '--json', '--keep'], { cwd: ROOT, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  summary = parseSummary(stdout);
  paths = new Set(summary.files.map((file) => file.path));
});

after(() => {
  if (summary) rmSync(summary.work, { recursive: true, force: true });
});

test('the tarball carries no tests, fixtures, test helpers, sources or source maps', () => {
  const unwanted = [...paths].filter(
    (path) =>
      /(^|\/)test\//.test(path) ||
      /\.test\.js$/.test(path) ||
      /fixture|(^|[/-])test[-.]|-test-|fake-/i.test(path) ||
      /\.map$/.test(path) ||
      (/\.ts$/.test(path) && !path.endsWith('.d.ts')) ||
      path.startsWith('compiler/') ||
      path.startsWith('scripts/'),
  );
  assert.deepEqual(unwanted, []);
});

test(`the tarball stays small: at most ${MAX_FILES} files and ${MAX_UNPACKED_BYTES / 1e6} MB unpacked`, () => {
  assert.ok(summary.entryCount <= MAX_FILES, `${summary.entryCount} files packed`);
  assert.ok(summary.unpackedSize <= MAX_UNPACKED_BYTES, `${summary.unpackedSize} bytes unpacked`);
});

test('every runtime asset is packed, the CLI executable with a node shebang', () => {
  const required = ['package.json', 'README.md', 'envoy-version.json', 'dist/bin/aigw.js', 'dist/extproc/main.js', 'examples/openai-compatible.yaml'];
  const crds = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? crds(join(dir, entry.name)) : entry.name.endsWith('.yaml') ? [join(dir, entry.name)] : []));
  const missing = [...required, ...crds('crds')].filter((path) => !paths.has(path));
  assert.deepEqual(missing, []);
  const cli = summary.files.find((file) => file.path === 'dist/bin/aigw.js');
  assert.ok(cli && (cli.mode & 0o111) !== 0, `dist/bin/aigw.js mode ${cli?.mode.toString(8) ?? '?'}`);
});

test('the unpacked package runs from another directory: version, validate, translate, the ext_proc server and the rate-limit service', () => {
  const unpacked = join(summary.work, 'unpacked');
  const elsewhere = mkdtempSync(join(tmpdir(), 'aigw-elsewhere-'));
  try {
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', summary.tarball, '-C', unpacked]);
    const pkg = join(unpacked, 'package');
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
    const cli = join(pkg, 'dist', 'bin', 'aigw.js');
    const example = join(pkg, 'examples', 'openai-compatible.yaml');
    const aigw = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
      const result = spawnSync(cli, args, { cwd: elsewhere, encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: elsewhere } });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    };

    const version: unknown = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    assert.ok(isRecord(version) && typeof version.version === 'string');
    const pinned: unknown = JSON.parse(readFileSync(join(ROOT, 'envoy-version.json'), 'utf8'));
    assert.ok(isRecord(pinned) && typeof pinned.version === 'string');
    // The Envoy version comes from the packed envoy-version.json, found relative to the package.
    assert.equal(aigw('version').stdout, `Envoy AI Gateway CLI: ${version.version}\nEnvoy: ${pinned.version}\n`);
    assert.deepEqual(JSON.parse(aigw('version', '-o', 'json').stdout), { aigw: version.version, envoy: pinned.version });
    const validate = aigw('validate', relative(elsewhere, example));
    assert.equal(validate.status, 0, validate.stdout + validate.stderr);
    const translate = aigw('translate', example);
    assert.equal(translate.status, 0, translate.stderr);
    assert.match(translate.stdout, /envoy\.filters\.http\.ext_proc/);

    // The ext_proc's gRPC server (its own codec, no protos) loads from the package.
    const loadServer = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(join(pkg, 'dist', 'extproc', 'server', 'ext-proc-server.js'))});`], {
      cwd: elsewhere,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(loadServer.status, 0, loadServer.stderr);
    // The rate-limit service (its own wire codec, no protos) and its Redis client load from the package.
    const loadRateLimitProtos = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(join(pkg, 'dist', 'ratelimit', 'start-rate-limit-service.js'))}); await import(${JSON.stringify(join(pkg, 'dist', 'ratelimit', 'redis-store.js'))});`], {
      cwd: elsewhere,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(loadRateLimitProtos.status, 0, loadRateLimitProtos.stderr);
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

test('one OpenTelemetry release line: no nested copies of the OTLP stack in the lockfile', () => {
  const lock: unknown = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  assert.ok(isRecord(lock) && isRecord(lock.packages));
  // The OTLP exporters pin their siblings exactly: one package off the line makes npm install a
  // second copy of the whole stack under it (about 11 MB each).
  const nested = Object.keys(lock.packages).filter((key) => /node_modules\/.+\/node_modules\/@opentelemetry\//.test(key));
  assert.deepEqual(nested, []);
});
