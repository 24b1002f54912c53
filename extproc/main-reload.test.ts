import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { Client, credentials, Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import { configRevision } from '../contract/config-revision.js';
import type { FilterConfig } from '../contract/filter-config.js';
import { loadExtProcService } from '../test/support/load-ext-proc-service.js';
import { headersMessage, testFilterConfig, TEST_LISTENER } from '../test/support/test-runtime.js';
import type { ProcessingRequest } from './generated/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { ProcessingResponse__Output } from './generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { READY_LINE, RELOADED_LINE, RELOAD_FAILED_LINE } from './server/ready-line.js';

// The ext_proc process itself, reloading its filter config on SIGHUP; a real gRPC client asks it for /v1/models.
const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const found = loadExtProcService().Process;
if (!found) throw new Error('no Process method in the ExternalProcessor service');
const method = found;

let dir: string;
let child: ChildProcess;
let client: Client;
let stderr = '';

function writeConfig(config: FilterConfig | string): string {
  const text = typeof config === 'string' ? config : `${JSON.stringify(config, null, 2)}\n`;
  writeFileSync(join(dir, 'config.json'), text);
  return text;
}

function withModels(names: string[]): FilterConfig {
  return { ...testFilterConfig(), models: names.map((name) => ({ name, hostnames: [], listeners: [TEST_LISTENER], ownedBy: 'test', createdAt: 1 })) };
}

/** Waits for `text` in the ext_proc's stderr after `from` (10 s at most). */
async function waitForStderr(text: string, from: number): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const index = stderr.indexOf(text, from);
    if (index >= 0) return stderr.slice(index, stderr.indexOf('\n', index));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no ${JSON.stringify(text)} from the ext_proc in 10 s; it said:\n${stderr}`);
}

/** The generic decoder's output, typed by the generated shape (decoded with the options those types were generated with). */
function isProcessingResponse(value: unknown): value is ProcessingResponse__Output {
  return typeof value === 'object' && value !== null;
}

/** The model ids GET /v1/models lists on the test listener. */
function listedModels(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const metadata = new Metadata();
    metadata.set('x-aigw-listener', TEST_LISTENER);
    const call: ClientDuplexStream<ProcessingRequest, Buffer> = client.makeBidiStreamRequest(method.path, (message: ProcessingRequest) => method.requestSerialize(message), (bytes: Buffer) => bytes, metadata);
    const timer = setTimeout(() => reject(new Error('no answer in 5 s')), 5000);
    call.on('data', (bytes: Buffer) => {
      clearTimeout(timer);
      const answer: unknown = method.responseDeserialize(bytes);
      const body = isProcessingResponse(answer) ? (answer.immediate_response?.body?.toString() ?? '') : '';
      const parsed: unknown = JSON.parse(body);
      const data = typeof parsed === 'object' && parsed !== null && 'data' in parsed && Array.isArray(parsed.data) ? parsed.data : [];
      resolve(data.map((entry: unknown) => (typeof entry === 'object' && entry !== null && 'id' in entry ? String(entry.id) : '')));
      call.end();
    });
    call.on('error', () => undefined);
    call.write({ request_headers: headersMessage({ ':path': '/v1/models', ':method': 'GET' }, true) });
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aigw-extproc-reload-'));
  writeConfig(withModels(['first-model']));
  child = spawn(process.execPath, [MAIN, '--config', join(dir, 'config.json'), '--socket', join(dir, 'ext_proc.sock'), '--admin-port', '0', '--log-level', 'info'], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (stderr += chunk));
  await waitForStderr(READY_LINE, 0);
  client = new Client(`unix://${join(dir, 'ext_proc.sock')}`, credentials.createInsecure());
});

after(() => {
  client.close();
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('SIGHUP loads the rewritten filter config: new streams see it, and the ext_proc reports its revision', { timeout: 20_000 }, async () => {
  assert.deepEqual(await listedModels(), ['first-model']);
  const text = writeConfig(withModels(['first-model', 'second-model']));
  const from = stderr.length;
  child.kill('SIGHUP');
  assert.match(await waitForStderr(RELOADED_LINE, from), new RegExp(configRevision(text)));
  assert.deepEqual(await listedModels(), ['first-model', 'second-model']);
});

test('a config that cannot be loaded is refused with why, and the loaded one keeps serving', { timeout: 20_000 }, async () => {
  const before = await listedModels();
  for (const [bad, why] of [
    ['{"version": "aigw.filter-config/v0"}', /unsupported filter config version/],
    ['{ not json', /JSON/],
    // Rate limits load on reload, but need the socket Envoy's filter charges through (aigw always passes it).
    [JSON.stringify({ ...withModels(['x']), rateLimit: { domains: [{ domain: 'd', descriptors: [{ key: 'k', rateLimit: { requestsPerUnit: 1, unit: 'minute' }, source: 's' }] }], checks: { rules: [], backends: [] }, failureModeDeny: false } }), /--ratelimit-socket is required/],
  ] as const) {
    writeConfig(bad);
    const from = stderr.length;
    child.kill('SIGHUP');
    assert.match(await waitForStderr(RELOAD_FAILED_LINE, from), why);
    assert.deepEqual(await listedModels(), before);
  }
  // The file is left as the bad edit wrote it: the process reads it only on SIGHUP.
  assert.match(readFileSync(join(dir, 'config.json'), 'utf8'), /rateLimit/);
});
