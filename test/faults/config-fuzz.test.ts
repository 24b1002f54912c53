/**
 * A configuration fuzz corpus, generated here (nothing large is kept in git): truncated files,
 * type swaps at every field, unknown kinds and apiVersions, alias bombs, deep nesting, binary
 * junk, UTF-16, ${VAR} self-references, cycles and huge expansions, and a 100 MB file.
 *
 * In process, every entry goes through the pipelines of `aigw run` (compileSources) and
 * `aigw validate` (validateConfigs, the whole corpus at once): nothing but a ConfigError is ever
 * thrown, and every error has `file:line:col` unless it concerns the whole file. Through the real
 * CLI, a sample of each kind: `aigw validate` and `aigw run` exit 1 (the documented code for an
 * invalid configuration), print `file:line:col: error:` and no stack trace, and leave no Envoy or
 * ext_proc behind; a config that only Envoy rejects stops everything it started.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { isMap, isScalar, isSeq, parseAllDocuments, type Document } from 'yaml';
import { validateConfigs } from '../../bin/commands/validate-configs.js';
import { isRecord } from '../../common/json-guards.js';
import { analyzeSources, compileSources } from '../../compiler/compile-config.js';
import { ConfigError, formatDiagnostic, type Diagnostic } from '../../compiler/diagnostic.js';
import { MAX_CONFIG_BYTES } from '../../compiler/read-config-file.js';
import { freePort } from '../support/free-port.js';
import { gatewayConfigYaml } from '../support/gateway-config-yaml.js';
import { runCli, type CliResult } from '../support/run-cli.js';

const run = promisify(execFile);

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

interface Entry {
  name: string;
  /** What the file holds: text, or bytes as they are on disk. */
  content: string | Buffer;
  env?: Record<string, string>;
}

/** Errors about a whole file or a whole configuration have no position; every other one has. */
const WHOLE_FILE_ERRORS = [/^the file is /, /^no Gateway found/];

const VALID = gatewayConfigYaml({ port: 1975, upstreamPort: 9, models: ['gpt-4o-mini', 'llama3'] });
const BIG_VALUE = 'x'.repeat(1024 * 1024);

/** Deterministic pseudo-random numbers (mulberry32), so a failure is reproducible. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Slot {
  /** `spec.listeners[0].port` */
  path: string;
  set(value: unknown): void;
}

/** Every value position of a document (map values and sequence items), with its field path. */
function slots(document: Document.Parsed): Slot[] {
  const found: Slot[] = [];
  const walk = (node: unknown, path: string): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = `${path}${path === '' ? '' : '.'}${isScalar(pair.key) ? String(pair.key.value) : '?'}`;
        found.push({ path: key, set: (value) => (pair.value = document.createNode(value)) });
        walk(pair.value, key);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        found.push({ path: `${path}[${index}]`, set: (value) => (node.items[index] = document.createNode(value)) });
        walk(item, `${path}[${index}]`);
      });
    }
  };
  walk(document.contents, '');
  return found;
}

const SWAPS: [string, unknown][] = [
  ['string', 'a string'],
  ['int', 42],
  ['float', -1.5],
  ['bool', true],
  ['null', null],
  ['empty-list', []],
  ['empty-map', {}],
  ['list', ['x', 1]],
  ['map', { unexpected: { nested: 1 } }],
  ['huge', 1e300],
  ['star', '*'],
  ['empty', ''],
];

/** Each field of each document replaced by two other types (rotating, so every type meets every kind of field). */
function typeSwaps(text: string): Entry[] {
  const entries: Entry[] = [];
  const documentCount = parseAllDocuments(text).length;
  let n = 0;
  for (let d = 0; d < documentCount; d++) {
    const original = parseAllDocuments(text)[d];
    const count = original && !('empty' in original) ? slots(original).length : 0;
    const kind = original && !('empty' in original) ? String(original.get('kind')) : '';
    for (let s = 0; s < count; s++) {
      for (const [typeName, swap] of [SWAPS[n % SWAPS.length], SWAPS[(n + 5) % SWAPS.length]].filter((pair) => pair !== undefined)) {
        const documents = parseAllDocuments(text);
        const target = documents[d];
        if (!target || 'empty' in target) continue;
        const slot = slots(target)[s];
        slot?.set(swap);
        entries.push({ name: `swap-${kind}-${slot?.path ?? s}-${typeName}`, content: documents.map((document) => document.toString()).join('') });
      }
      n++;
    }
  }
  return entries;
}

function corpus(): Entry[] {
  const entries: Entry[] = [];
  // Truncated at many byte offsets (cutting through keys, values, multi-byte characters).
  const withUnicode = VALID.replace('name: aigw-run\n', 'name: aigw-run # é 😀 ✓\n');
  const bytes = Buffer.from(withUnicode);
  for (let cut = 1; cut < bytes.length; cut += 37) entries.push({ name: `truncated-${cut}`, content: bytes.subarray(0, cut) });
  entries.push(...typeSwaps(VALID));
  // Unknown kinds and apiVersions, missing and mistyped ones.
  for (const [name, from, to] of [
    ['kind-typo', 'kind: AIServiceBackend', 'kind: AIServiceBackendz'],
    ['kind-unknown', 'kind: Gateway\n', 'kind: Frobnicator\n'],
    ['apiversion-unknown-version', 'apiVersion: aigateway.envoyproxy.io/v1beta1', 'apiVersion: aigateway.envoyproxy.io/v9'],
    ['apiversion-unknown-group', 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n', 'apiVersion: example.com/v1\nkind: Gateway\n'],
    ['kind-number', 'kind: Backend\n', 'kind: 42\n'],
    ['kind-list', 'kind: Backend\n', 'kind: [Backend]\n'],
    ['kind-missing', 'kind: Backend\n', ''],
    ['apiversion-missing', 'apiVersion: v1\n', ''],
  ] as const) {
    entries.push({ name, content: VALID.replace(from, to) });
  }
  // Alias bombs ("billion laughs"), through sequences and through merge keys, and bad aliases.
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  entries.push({ name: 'alias-bomb', content: `${VALID}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n${laughs.map((line) => `  ${line}`).join('\n')}\n` });
  const merges = Array.from({ length: 30 }, (_, i) => `a${i + 1}: &a${i + 1} {<<: [*a${i}, *a${i}], k${i}: v}`).join('\n');
  entries.push({ name: 'merge-bomb', content: `${VALID}---\na0: &a0 {k: v}\n${merges}\n` });
  entries.push({ name: 'alias-undefined', content: VALID.replace('port: 9', 'port: *nowhere') });
  entries.push({ name: 'alias-self', content: VALID.replace('spec:\n  controllerName', 'spec: &s\n  self: *s\n  controllerName') });
  // Deep nesting, flow and block, shallow enough to parse and far too deep to.
  for (const depth of [70, 100_000]) entries.push({ name: `deep-flow-${depth}`, content: VALID.replace('port: 9', `port: ${'['.repeat(depth)}${']'.repeat(depth)}`) });
  entries.push({ name: 'deep-block', content: `${VALID}---\n${Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n')} end\n` });
  // Binary junk: random bytes, a NUL in a valid file, the config as UTF-16 and gzipped.
  const next = random(42);
  for (const size of [1, 7, 100, 4096, 65_536]) entries.push({ name: `random-${size}`, content: Buffer.from(Array.from({ length: size }, () => Math.floor(next() * 256))) });
  entries.push({ name: 'nul', content: VALID.replace('kind: Gateway', 'kind: Gate\u0000way') });
  entries.push({ name: 'utf16', content: Buffer.from(`\ufeff${VALID}`, 'utf16le') });
  entries.push({ name: 'gzip', content: gzipSync(VALID) });
  entries.push({ name: 'invalid-utf8', content: Buffer.concat([Buffer.from(VALID.slice(0, 200)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(VALID.slice(200))]) });
  // ${VAR}: unclosed, self-references and cycles (one pass: inserted as written), huge expansions.
  entries.push({ name: 'env-unclosed', content: VALID.replace('sk-aigw-test-key', '${API_KEY') });
  entries.push({ name: 'env-self', content: VALID.replace('sk-aigw-test-key', '${SELF}').replace('name: aigw-run\n', 'name: $A\n'), env: { SELF: '${SELF}', A: '$B', B: '${A}' } });
  entries.push({ name: 'env-huge', content: `${VALID}${Array.from({ length: 10 }, (_, i) => `# ${i}: $BIG\n`).join('')}`, env: { BIG: BIG_VALUE } });
  entries.push({ name: 'env-huge-inline', content: VALID.replace('sk-aigw-test-key', '${BIG}${BIG}${BIG}${BIG}${BIG}'), env: { BIG: BIG_VALUE } });
  // Just over the size limit, in process (the 100 MB file goes through the CLI below).
  entries.push({ name: 'over-limit', content: `${VALID}#${'#'.repeat(MAX_CONFIG_BYTES)}\n` });
  return entries;
}

/** The text `aigw` sees for a file: its bytes decoded as UTF-8 (as the CLI reads it today). */
function text(entry: Entry): string {
  return typeof entry.content === 'string' ? entry.content : entry.content.toString('utf8');
}

function assertPositioned(diagnostics: readonly Diagnostic[], entry: Entry, file: string): void {
  for (const diagnostic of diagnostics.filter((d) => d.severity === 'error')) {
    assert.equal(diagnostic.file, file, `${entry.name}: ${formatDiagnostic(diagnostic)}`);
    if (WHOLE_FILE_ERRORS.some((pattern) => pattern.test(diagnostic.message))) continue;
    assert.ok(diagnostic.line !== undefined && diagnostic.column !== undefined, `${entry.name}: no position in ${formatDiagnostic(diagnostic)}`);
  }
}

const entries = corpus();
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aigw-config-fuzz-'));
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test(`the run pipeline takes ${entries.length} broken configurations without a throw, each error at file:line:col`, () => {
  let refused = 0;
  for (const entry of entries) {
    const file = `${entry.name}.yaml`;
    const source = { file, text: text(entry) };
    const env = entry.env ?? {};
    assertPositioned(analyzeSources([source], env).diagnostics, entry, file);
    try {
      compileSources([source], { env, extProcSocketPath: '/run/aigw/extproc.sock', systemCaFile: '/etc/ssl/certs/ca-certificates.crt' });
    } catch (error) {
      assert.ok(error instanceof ConfigError, `${entry.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      assert.ok(error.diagnostics.some((d) => d.severity === 'error'));
      assertPositioned(error.diagnostics, entry, file);
      refused++;
    }
  }
  // Some truncations end on a document boundary and some swaps hit free-form fields: still valid.
  assert.ok(refused > entries.length * 0.8, `${refused} of ${entries.length} refused`);
});

test('the validate pipeline takes the whole corpus at once without a throw, each error at file:line:col', async () => {
  const corpusDir = join(dir, 'corpus');
  await mkdir(corpusDir);
  const plain = entries.filter((entry) => entry.env === undefined);
  for (const entry of plain) await writeFile(join(corpusDir, `${entry.name}.yaml`), entry.content);
  let output = '';
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  const code = await validateConfigs({ inputs: [corpusDir], output: 'json', strict: false, env: {}, readStdin: () => Promise.resolve(''), stdout });
  assert.equal(code, 1);
  const report: unknown = JSON.parse(output);
  assert.ok(typeof report === 'object' && report !== null && 'diagnostics' in report && Array.isArray(report.diagnostics));
  const files = new Set<string>();
  const diagnostics: unknown[] = report.diagnostics;
  for (const item of diagnostics) {
    assert.ok(isRecord(item));
    if (item.severity !== 'error') continue;
    const message = String(item.message);
    files.add(String(item.file));
    if (WHOLE_FILE_ERRORS.some((pattern) => pattern.test(message))) continue;
    assert.ok('line' in item && 'column' in item, `no position: ${JSON.stringify(item)}`);
  }
  // Every kind of broken file got at least one error of its own.
  for (const name of ['truncated-38', 'alias-bomb', 'merge-bomb', 'deep-flow-100000', 'deep-block', 'random-4096', 'nul', 'utf16', 'gzip', 'over-limit']) {
    assert.ok(files.has(join(corpusDir, `${name}.yaml`)), `${name}: no error reported`);
  }
});

/** No process (Envoy, ext_proc) mentions `path` in its command line. */
async function noProcessUsing(path: string): Promise<void> {
  try {
    const { stdout } = await run('pgrep', ['-af', path]);
    assert.fail(`processes left behind:\n${stdout}`);
  } catch (error) {
    // pgrep exits 1 when nothing matches.
    assert.ok(error instanceof Error && 'code' in error && error.code === 1, String(error));
  }
}

function assertNoStack(result: CliResult, label: string): void {
  const output = `${result.stdout}${result.stderr}`;
  assert.doesNotMatch(output, /^\s+at .+[:(]\d+:\d+\)?$/m, `${label}: a stack trace`);
  assert.doesNotMatch(output, /^(Type|Range|Reference|Syntax)?Error: /m, `${label}: an uncaught error`);
}

interface CliCase {
  name: string;
  content: string | Buffer;
  env?: Record<string, string>;
  /** Expected in the output, after `<file>`: `:line:col: error: …` by default. */
  expect: RegExp;
}

function cliCases(): CliCase[] {
  const pick = (name: string): Entry => {
    const entry = entries.find((candidate) => candidate.name === name || (name.endsWith('*') && candidate.name.startsWith(name.slice(0, -1))));
    assert.ok(entry, name);
    return entry;
  };
  const positioned = (message: RegExp): RegExp => new RegExp(`:\\d+:\\d+: error: .*${message.source}`);
  return [
    { ...pick('truncated-38'), expect: positioned(/./) },
    { ...pick('swap-Gateway-spec.listeners[0].port-*'), expect: positioned(/spec\.listeners\[0\]\.port/) },
    { ...pick('kind-unknown'), expect: positioned(/Frobnicator/) },
    { ...pick('alias-bomb'), expect: positioned(/too many YAML alias expansions/) },
    { ...pick('merge-bomb'), expect: positioned(/too many YAML alias expansions/) },
    { ...pick('deep-flow-100000'), expect: positioned(/nested too deeply to read/) },
    { ...pick('random-4096'), expect: positioned(/is not allowed in a YAML file \(is it a binary file\?\)|is not valid UTF-8 .*is it a binary file\?/) },
    { ...pick('utf16'), expect: positioned(/control character U\+0000|is not valid UTF-8/) },
    // Binary junk is caught at read time (not UTF-8) or by the YAML reader (control characters).
    { ...pick('gzip'), expect: positioned(/is not allowed in a YAML file|is not valid UTF-8/) },
    { ...pick('env-unclosed'), expect: positioned(/closing brace expected/) },
    // A variable's value must fit the command line (128 KiB), so more references to a smaller one.
    {
      name: 'env-huge',
      content: `${VALID}${Array.from({ length: 50 }, (_, i) => `# ${i}: $BIG\n`).join('')}`,
      env: { BIG: 'x'.repeat(100_000) },
      expect: positioned(/environment substitution makes the configuration longer than \d+ characters \(at \$BIG\)/),
    },
  ];
}

/** Runs `tasks` two at a time (the suite must stay calm on 2 cores). */
async function pool<T>(tasks: (() => Promise<T>)[], width = 2): Promise<T[]> {
  const results: T[] = [];
  let nextTask = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (nextTask < tasks.length) {
        const index = nextTask++;
        const task = tasks[index];
        if (task) results[index] = await task();
      }
    }),
  );
  return results;
}

/** `aigw <command> <file>` with private state and runtime dirs, which it returns too. */
async function cli(command: 'validate' | 'run', file: string, env: Record<string, string> = {}, extra: string[] = []): Promise<{ result: CliResult; stateHome: string; runtimeDir: string }> {
  const home = await mkdtemp(join(dir, `${command}-`));
  const stateHome = join(home, 'state');
  const runtimeDir = join(home, 'run');
  const result = await runCli([command, file, ...extra], { env: { ...env, AIGW_STATE_HOME: stateHome, AIGW_RUNTIME_DIR: runtimeDir }, timeoutMs: 30_000 });
  return { result, stateHome, runtimeDir };
}

test('aigw validate and aigw run: exit 1, file:line:col, no stack trace, no Envoy started', async () => {
  const cases = cliCases();
  const cliDir = join(dir, 'cli');
  await mkdir(cliDir);
  const tasks = cases.flatMap((entry) => {
    const file = join(cliDir, `${entry.name}.yaml`);
    const label = (command: string): string => `aigw ${command} ${entry.name}`;
    return (['validate', 'run'] as const).map((command) => async () => {
      if (!existsSync(file)) await writeFile(file, entry.content);
      const { result, stateHome } = await cli(command, file, entry.env, command === 'run' ? ['--admin-port', String(await freePort())] : []);
      assert.equal(result.code, 1, `${label(command)}: exit ${result.code}\n${result.stdout}${result.stderr}`);
      const output = command === 'validate' ? result.stdout : result.stderr;
      assert.match(output, new RegExp(`${escape(file)}${entry.expect.source}`), `${label(command)}:\n${output}`);
      assertNoStack(result, label(command));
      if (command === 'run') {
        assert.equal(existsSync(join(stateHome, 'runs')), false, `${label(command)}: nothing may start for a config that does not compile`);
        await noProcessUsing(stateHome);
      }
    });
  });
  await pool(tasks);
});

test('a 100 MB file is refused with its size, quickly', async () => {
  const file = join(dir, 'huge.yaml');
  const huge = Buffer.alloc(100 * 1024 * 1024, 0x23);
  huge.write(VALID, 0);
  await writeFile(file, huge);
  for (const command of ['validate', 'run'] as const) {
    const started = Date.now();
    const { result, stateHome } = await cli(command, file);
    assert.equal(result.code, 1, `${command}: ${result.stdout}${result.stderr}`);
    assert.match(command === 'validate' ? result.stdout : result.stderr, new RegExp(`${escape(file)}: error: the file is (?:more than 4 MiB|[0-9.]+ MiB); aigw reads configuration files of at most 4 MiB`));
    assertNoStack(result, command);
    assert.ok(Date.now() - started < 20_000, `${command} took ${Date.now() - started} ms`);
    if (command === 'run') await noProcessUsing(stateHome);
  }
  await rm(file);
});

test('a config only Envoy rejects: aigw run exits 1 with Envoy\'s reason and stops everything it started', async () => {
  const file = join(dir, 'envoy-rejects.yaml');
  const port = await freePort();
  const bootstrap = 'bootstrap:\n    type: Merge\n    value: |\n      static_resources:\n        clusters:\n          - name: bogus\n            type: NOT_A_TYPE\n  logging:\n';
  await writeFile(file, gatewayConfigYaml({ port, upstreamPort: 9 }).replace('logging:\n', bootstrap));
  const validated = await cli('validate', file);
  assert.equal(validated.result.code, 0, 'the resources themselves are valid');
  const { result, stateHome, runtimeDir } = await cli('run', file, {}, ['--admin-port', String(await freePort())]);
  assert.equal(result.code, 1, result.stderr);
  // Envoy reads the resources from xDS files, rejects that one, and would serve nothing: aigw stops with Envoy's reason.
  assert.match(result.stderr, /aigw: error: Envoy rejected the configuration/);
  assert.match(result.stderr, /unknown enum value: 'NOT_A_TYPE'/);
  assertNoStack(result, 'run');
  await noProcessUsing(stateHome);
  await noProcessUsing(runtimeDir);
});

test('${VAR} self-references and cycles are inserted as written: no loop, the config runs the pipeline', () => {
  const entry = entries.find((candidate) => candidate.name === 'env-self');
  assert.ok(entry);
  const analysis = analyzeSources([{ file: 'env-self.yaml', text: text(entry) }], entry.env ?? {});
  const secret = analysis.documents.find((document) => document.value.kind === 'Secret');
  assert.deepEqual(secret?.value.stringData, { apiKey: '${SELF}' });
  assert.deepEqual(analysis.documents.find((document) => document.value.kind === 'GatewayClass')?.value.metadata, { name: '$B' });
});
