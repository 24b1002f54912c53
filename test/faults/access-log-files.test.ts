/**
 * File access log sinks are as safe as stdout: EnvoyProxy File sinks whose formats print
 * `%REQ(AUTHORIZATION)%`, `%REQ(X-API-KEY)%` and headers the client fills with a configured key
 * (JSON and text) never get a secret into their files — Envoy writes them through
 * a pipe that aigw redacts with the same line redactor as stdout. Lines still arrive within
 * about a second (Envoy's flush interval), every request's line once, those of the last
 * requests too when aigw is stopped; a File sink that cannot be written fails the start.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { isRecord } from '../../common/json-guards.js';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFaultyUpstream, type FaultyUpstream } from '../support/faulty-upstream.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';
import { runCli } from '../support/run-cli.js';

const unique = (prefix: string): string => `${prefix}${randomBytes(12).toString('hex')}`;
const SECRETS = { openaiKey: unique('sk-proj-'), anthropicKey: unique('sk-ant-api03-'), clientBearer: unique('client-bearer-') } as const;
const JSON_FIELDS = {
  id: '%REQ(X-REQUEST-ID)%',
  auth: '%REQ(AUTHORIZATION)%',
  api_key: '%REQ(X-API-KEY)%',
  echo: '%REQ(X-ECHO)%',
  user_agent: '%REQ(USER-AGENT)%',
  path: '%REQ(:PATH)%',
  code: '%RESPONSE_CODE%',
};
const TEXT_FORMAT = 'id=%REQ(X-REQUEST-ID)% %REQ(:METHOD)% %REQ(:PATH)% auth=%REQ(AUTHORIZATION)% key=%REQ(X-API-KEY)% echo=%REQ(X-ECHO)% "%REQ(USER-AGENT)%"\n';

let dir: string;
let jsonLog: string;
let textLog: string;
let upstream: FaultyUpstream;
let aigw: AigwProcess;
let port: number;
let configYaml: string;

/** The test config with File sinks to `files` (JSON, then text) in the EnvoyProxy. */
function withFileSinks(yaml: string, files: { json: string; text: string }): string {
  return parseAllDocuments(yaml)
    .map((document) => {
      const value: unknown = document.toJS();
      if (isRecord(value) && value.kind === 'EnvoyProxy' && isRecord(value.spec)) {
        return stringify({ ...value, spec: { ...value.spec, telemetry: {
          accessLog: {
            settings: [
              { sinks: [{ type: 'File', file: { path: files.json } }], format: { type: 'JSON', json: JSON_FIELDS } },
              { sinks: [{ type: 'File', file: { path: files.text } }], format: { type: 'Text', text: TEXT_FORMAT } },
            ],
          },
        } } });
      }
      return stringify(value);
    })
    .join('---\n');
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aigw-file-logs-'));
  jsonLog = join(dir, 'access.json');
  textLog = join(dir, 'access.txt');
  upstream = await startFaultyUpstream();
  port = await freePort();
  configYaml = withFileSinks(
    providerGatewayYaml(port, [
      { name: 'openai', schema: { name: 'OpenAI' }, port: upstream.port, security: { type: 'APIKey', apiKey: { secretRef: { name: 'openai-key' } } }, secrets: { 'openai-key': { apiKey: SECRETS.openaiKey } } },
      { name: 'anthropic', schema: { name: 'Anthropic' }, port: upstream.port, security: { type: 'AnthropicAPIKey', anthropicAPIKey: { secretRef: { name: 'anthropic-key' } } }, secrets: { 'anthropic-key': { apiKey: SECRETS.anthropicKey } } },
    ]),
    { json: jsonLog, text: textLog },
  );
  aigw = await startAigw({ configYaml });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

let requestCount = 0;

/** One request that puts every secret in play: the configured key added by the gateway, the client's bearer, a key echoed in headers of the client's choosing. */
async function request(backend: 'openai' | 'anthropic'): Promise<string> {
  const id = `req-${++requestCount}`;
  const echoed = backend === 'openai' ? SECRETS.openaiKey : SECRETS.anthropicKey;
  const path = backend === 'openai' ? '/v1/chat/completions' : '/anthropic/v1/messages';
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': id, authorization: `Bearer ${SECRETS.clientBearer}`, 'x-echo': echoed, 'user-agent': `my-sdk/1.0 (key ${echoed})`, [BACKEND_SELECTOR_HEADER]: backend },
    body: JSON.stringify({ model: 'fault-model', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await response.text();
  return id;
}

function leaks(text: string): string[] {
  return Object.entries(SECRETS).flatMap(([name, secret]) => (text.includes(secret) ? [name] : []));
}

async function logLines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line !== '');
}

/** Resolves once every id has a line in both files; rejects after `timeoutMs`. */
async function waitForLines(ids: string[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const [json, text] = [await logLines(jsonLog), await logLines(textLog)];
    if (ids.every((id) => json.some((line) => line.includes(`"${id}"`)) && text.some((line) => line.startsWith(`id=${id} `)))) return Date.now() - started;
    if (Date.now() - started > timeoutMs) assert.fail(`no line for some of ${ids.join(', ')} after ${timeoutMs} ms:\n${json.join('\n')}\n${text.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('File sinks get every line promptly, with the credentials any field carried redacted', async (t) => {
  const ids = [await request('openai'), await request('anthropic'), await request('openai')];
  const waited = await waitForLines(ids, 5_000);
  t.diagnostic(`lines in both files ${waited} ms after the last response`);
  assert.ok(waited < 3_000, `Envoy flushes every second; the lines took ${waited} ms`);

  const json = (await logLines(jsonLog)).map((line): unknown => JSON.parse(line));
  const text = await logLines(textLog);
  assert.equal(json.length, 3, 'one line per request');
  assert.equal(text.length, 3);
  const openai = json.find((entry) => isRecord(entry) && entry.id === ids[0]);
  assert.ok(isRecord(openai));
  // The fields did carry secrets: what is left of them is the redaction marker.
  assert.equal(openai.auth, 'Bearer <redacted>');
  assert.equal(openai.echo, '<redacted>');
  assert.equal(openai.user_agent, 'my-sdk/1.0 (key <redacted>)');
  assert.equal(openai.path, '/v1/chat/completions');
  const anthropic = json.find((entry) => isRecord(entry) && entry.id === ids[1]);
  assert.ok(isRecord(anthropic));
  assert.equal(anthropic.echo, '<redacted>');
  assert.match(text.find((line) => line.startsWith(`id=${ids[0]} `)) ?? '', /^id=req-1 POST \/v1\/chat\/completions auth=Bearer <redacted> key=\S+ echo=<redacted> "my-sdk\/1\.0 \(key <redacted>\)"$/);

  assert.deepEqual(leaks(`${json.map((entry) => JSON.stringify(entry)).join('\n')}\n${text.join('\n')}`), []);
  assert.deepEqual(leaks(aigw.stdout + aigw.stderr), []);
});

test('the lines of the last requests reach the files when aigw stops', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await request(i % 2 === 0 ? 'openai' : 'anthropic'));
  assert.deepEqual(await aigw.stop('SIGTERM'), { code: 0, signal: null });
  await waitForLines(ids, 0);
  const json = await logLines(jsonLog);
  const text = await logLines(textLog);
  for (const id of ids) {
    assert.equal(json.filter((line) => line.includes(`"id":"${id}"`)).length, 1, `${id} once in the JSON file`);
    assert.equal(text.filter((line) => line.startsWith(`id=${id} `)).length, 1, `${id} once in the text file`);
  }
  assert.deepEqual(leaks([...json, ...text].join('\n')), []);
});

test('a File sink that cannot be written fails the start with the path and the reason', async () => {
  const missing = join(dir, 'no-such-dir', 'access.json');
  const file = join(dir, 'unwritable.yaml');
  await writeFile(file, withFileSinks(providerGatewayYaml(await freePort(), [{ name: 'openai', schema: { name: 'OpenAI' }, port: upstream.port }]), { json: missing, text: textLog }));
  const result = await runCli(['run', file, '--admin-port', String(await freePort())], { timeoutMs: 30_000 });
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stderr.trim(), `aigw: error: cannot open the access log file ${missing} (an EnvoyProxy File sink): ENOENT: no such file or directory, open '${missing}'`);
});
