/**
 * #18: `aigw run FILE` applies edits to FILE while serving. Under steady load (keep-alive
 * requests, a new connection per request, streams that last seconds, and streams that last a
 * minute, across every edit), a series of edits — a model and its route added, the API key
 * Secret rotated, a backend added and the route changed to it, a rate limit added, raised and
 * removed, an edit that does not compile, a fixed edit, the model removed, a listener added and
 * removed, a SIGHUP — with zero failed requests and the same Envoy process throughout; each
 * edit's time from the file write to the new behaviour is measured, and `/metrics` reports the
 * version serving and the reloads.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { parseAllDocuments, stringify } from 'yaml';
import { Agent, request } from 'node:http';
import { after, before, test } from 'node:test';
import { freePort, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { gatewayPids } from '../support/process-tree.js';
import { extraBackendYaml } from '../support/extra-backend-yaml.js';
import { isRecord } from '../../common/json-guards.js';
import { globalRateLimitDocument } from '../support/rate-limit-yaml.js';

const STEADY_MODEL = 'gpt-4o-mini';
const NEW_MODEL = 'gpt-added-live';

let upstream: FakeOpenAI;
/** The backend added by an edit. */
let second: FakeOpenAI;
let aigw: AigwProcess;
let port: number;

interface Edit {
  models: string[];
  apiKey: string;
  /** A second listener on this port. */
  secondPort?: number;
  /** NEW_MODEL's rule goes to the second backend (added with it). */
  newModelOnSecond?: boolean;
  /** Requests with `x-tenant: limited` get this many per hour (a BackendTrafficPolicy rateLimit.global). */
  tenantLimit?: number;
  /** The access log goes to this file (an EnvoyProxy File sink) instead of stdout. */
  accessLogFile?: string;
}

function config(edit: Edit): string {
  const yaml = gatewayConfigYaml({
    port,
    upstreamPort: upstream.port,
    models: edit.models,
    apiKey: edit.apiKey,
    // The long streams last a minute, the default request timeout.
    requestTimeout: '180s',
    ...(edit.tenantLimit !== undefined
      ? { extraDocuments: [globalRateLimitDocument('tenant-limit', [{ headers: [{ name: 'x-tenant', type: 'Exact', value: 'limited' }], requests: edit.tenantLimit, unit: 'Hour' }])] }
      : {}),
  });
  let documents = yaml;
  if (edit.accessLogFile !== undefined) {
    assert.ok(documents.includes('path: /dev/stdout'));
    documents = documents.replace('path: /dev/stdout', `path: ${edit.accessLogFile}`);
  }
  if (edit.secondPort !== undefined) {
    const listener = `      port: ${port}\n`;
    assert.ok(documents.includes(listener));
    documents = documents.replace(listener, `${listener}    - name: second\n      protocol: HTTP\n      port: ${edit.secondPort}\n`);
  }
  if (!edit.newModelOnSecond) return documents;
  // The route's rule for NEW_MODEL points at the second backend instead.
  const changed = parseAllDocuments(documents).map((document) => {
    const value: unknown = document.toJS();
    if (!isRecord(value) || value.kind !== 'AIGatewayRoute' || !isRecord(value.spec) || !Array.isArray(value.spec.rules)) return value;
    const rules: unknown[] = value.spec.rules.map((rule: unknown) => (isRecord(rule) && JSON.stringify(rule.matches).includes(NEW_MODEL) ? { ...rule, backendRefs: [{ name: 'second' }] } : rule));
    return { ...value, spec: { ...value.spec, rules } };
  });
  return `${changed.map((document) => stringify(document)).join('---\n')}${extraBackendYaml('second', second.port)}`;
}

/** Long streams: an event every LONG_STREAM_INTERVAL_MS for LONG_STREAM_EVENTS events (a minute), across every edit. */
const LONG_STREAMS = 20;
const LONG_STREAM_EVENTS = 240;
const LONG_STREAM_INTERVAL_MS = 250;
const LONG_STREAM_HEADER = 'x-test-long-stream';

/** The upstream's answer to a request marked LONG_STREAM_HEADER: a chat stream of a minute. */
async function longStream(response: ServerResponse): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  for (let i = 0; i < LONG_STREAM_EVENTS; i++) {
    if (response.destroyed) return;
    response.write(`data: ${JSON.stringify({ id: 'long', object: 'chat.completion.chunk', created: 1, model: STEADY_MODEL, choices: [{ index: 0, delta: { content: `e${i} ` }, finish_reason: null }] })}\n\n`);
    await new Promise((resolve) => setTimeout(resolve, LONG_STREAM_INTERVAL_MS));
  }
  response.write(`data: ${JSON.stringify({ id: 'long', object: 'chat.completion.chunk', created: 1, model: STEADY_MODEL, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: LONG_STREAM_EVENTS, total_tokens: 3 + LONG_STREAM_EVENTS } })}\n\ndata: [DONE]\n\n`);
  response.end();
}

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function chat(model: string, agent: Agent | false, stream = false, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...(stream ? { stream: true } : {}) });
    const req = request({ host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls until `check` holds (each try a real request), returning how long it took; fails after 10 s. */
async function until(what: string, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < 10_000) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what}: not within 10 s\n${aigw.stderr.slice(-3000)}`);
}

/** Waits for `pattern` in aigw's stderr after char `since`; returns the matching text. */
async function stderrLine(pattern: RegExp, timeoutMs: number, since = 0): Promise<string> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const match = pattern.exec(aigw.stderr.slice(since));
    if (match) return match[0];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${String(pattern)} on aigw's stderr within ${timeoutMs} ms:\n${aigw.stderr.slice(since).slice(-3000)}`);
}

/** Valid edits written so far: each gets its reload line (the last step of a reload). */
let expectedReloads = 0;

/** Writes an edit that must apply. */
function applyEdit(text: string): void {
  expectedReloads++;
  writeFileSync(aigw.configPath, text);
}

/**
 * Waits until every valid edit has its reload line: the behaviour a step checks can show before
 * the line (new routes serve from the bridge on), and the next edit must not merge into it.
 */
async function reloaded(): Promise<void> {
  await until('the reload lines', () => Promise.resolve((aigw.stderr.match(/configuration reloaded \(/g) ?? []).length >= expectedReloads));
}

before(async () => {
  // Streams take ~2 s (20 events, 100 ms apart): some are always under way across an edit.
  upstream = await startFakeOpenAI({
    record: true,
    streamIntervalMs: 100,
    contentChunks: Array.from({ length: 20 }, (_, i) => `w${i} `),
    handler: async (received, response) => {
      if (received.header(LONG_STREAM_HEADER) === undefined) return false;
      await longStream(response);
      return true;
    },
  });
  second = await startFakeOpenAI({ record: true });
  aigw = await startAigw({
    configYaml: (chosen) => {
      port = chosen;
      return config({ models: [STEADY_MODEL], apiKey: 'sk-first-key' });
    },
    captureStdout: false,
  });
});

after(async () => {
  await aigw.stop();
  await upstream.close();
  await second.close();
});

test('edits apply while serving: zero failed requests, the same Envoy, each edit live within seconds', { timeout: 180_000 }, async () => {
  const envoyPid = (await gatewayPids(aigw.pid)).envoy;
  const failures: string[] = [];
  let completed = 0;
  let running = true;
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 4 });
  const worker = async (agent: Agent | false, stream: boolean): Promise<void> => {
    while (running) {
      try {
        const answer = await chat(STEADY_MODEL, agent, stream);
        const ok = answer.status === 200 && (stream ? answer.body.includes('data: [DONE]') : answer.body.includes('"choices"'));
        if (ok) completed++;
        else failures.push(`${answer.status}: ${answer.body.slice(0, 200)}`);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  const load = [worker(keepAlive, false), worker(keepAlive, false), worker(false, false), worker(keepAlive, true), worker(false, true)];
  // Streams of a minute, started before the first edit and ending after the last one: each must
  // arrive whole, on the configuration it started with.
  let longCompleted = 0;
  const long = Array.from({ length: LONG_STREAMS }, async (_, i) => {
    await new Promise((resolve) => setTimeout(resolve, i * 50));
    try {
      const answer = await chat(STEADY_MODEL, false, true, { [LONG_STREAM_HEADER]: '1' }, 120_000);
      const events = answer.body.split('\n').filter((line) => line.startsWith('data: {')).length;
      if (answer.status === 200 && answer.body.includes(`e${LONG_STREAM_EVENTS - 1} `) && answer.body.includes('data: [DONE]') && events === LONG_STREAM_EVENTS + 1) longCompleted++;
      else failures.push(`long stream: ${answer.status}, ${events} events: ${answer.body.slice(-200)}`);
    } catch (error) {
      failures.push(`long stream: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  const longStarted = Date.now();
  const timings: Record<string, number> = {};
  try {
    await new Promise((resolve) => setTimeout(resolve, 1500));

    // 1. A model and its route added.
    assert.equal((await chat(NEW_MODEL, false)).status, 404);
    applyEdit(config({ models: [STEADY_MODEL, NEW_MODEL], apiKey: 'sk-first-key' }));
    timings['model added'] = await until('the added model', async () => (await chat(NEW_MODEL, false)).status === 200);
    await stderrLine(/configuration reloaded \(.*\) in \d+ ms: version \w+; routes \+1 −0 ~0/, 10_000);
    await reloaded();

    // 2. The API key Secret rotated: the provider gets the new key.
    applyEdit(config({ models: [STEADY_MODEL, NEW_MODEL], apiKey: 'sk-second-key' }));
    const seen = upstream.requests.length;
    timings['Secret rotated'] = await until('the rotated key', async () => {
      await chat(NEW_MODEL, false);
      return upstream.requests.slice(seen).some((received) => received.header('authorization') === 'Bearer sk-second-key');
    });
    await reloaded();

    // 2b. A backend added, and NEW_MODEL's route changed to it.
    applyEdit(config({ models: [STEADY_MODEL, NEW_MODEL], apiKey: 'sk-second-key', newModelOnSecond: true }));
    timings['backend added, route changed'] = await until('the route to the added backend', async () => {
      const before = second.requests.length;
      return (await chat(NEW_MODEL, false)).status === 200 && second.requests.length > before;
    });
    await stderrLine(/configuration reloaded \(.*\) in \d+ ms: version \w+; routes \+0 −0 ~1, backends \+1 −1 ~0/, 10_000);
    await reloaded();

    // 2c. A rate limit added (3 an hour for one tenant), raised, then removed; the load, another
    // tenant, is never limited.
    const tenant = { 'x-tenant': 'limited' };
    applyEdit(config({ models: [STEADY_MODEL, NEW_MODEL], apiKey: 'sk-second-key', newModelOnSecond: true, tenantLimit: 3 }));
    timings['rate limit added'] = await until('the added rate limit', async () => (await chat(STEADY_MODEL, false, false, tenant)).status === 429);
    const limited = await chat(STEADY_MODEL, false, false, tenant);
    assert.equal(limited.status, 429);
    assert.match(limited.body, /"error"/, 'the 429 is in the client API’s shape');
    await reloaded();
    // Raised to 1000: the counter kept its hits (no fresh budget), and the limit still holds.
    applyEdit(config({ models: [STEADY_MODEL, NEW_MODEL], apiKey: 'sk-second-key', newModelOnSecond: true, tenantLimit: 1000 }));
    timings['rate limit raised'] = await until('the raised rate limit', async () => (await chat(STEADY_MODEL, false, false, tenant)).status === 200);
    assert.match(String((await chat(STEADY_MODEL, false, false, tenant)).headers['x-ratelimit-limit']), /^1000\b/);
    await reloaded();
    applyEdit(config({ models: [STEADY_MODEL, NEW_MODEL], apiKey: 'sk-second-key', newModelOnSecond: true }));
    timings['rate limit removed'] = await until('the removed rate limit', async () => {
      const answer = await chat(STEADY_MODEL, false, false, tenant);
      return answer.status === 200 && answer.headers['x-ratelimit-limit'] === undefined;
    });
    await reloaded();

    // 3. An edit that does not compile: every problem with file:line:col, the running configuration kept.
    const before = aigw.stderr.length;
    writeFileSync(aigw.configPath, `${config({ models: [STEADY_MODEL, NEW_MODEL], apiKey: 'sk-second-key', newModelOnSecond: true })}---\napiVersion: aigateway.envoyproxy.io/v1beta1\nkind: AIGatewayRoute\nmetadata:\n  name: broken\n  namespace: default\nspec:\n  nonsense: 1\n`);
    const refusal = await stderrLine(/configuration not reloaded/, 10_000, before);
    assert.match(aigw.stderr.slice(before), /:\d+:\d+: .*nonsense/, refusal);
    assert.match(aigw.stderr.slice(before), /keeps serving/);
    assert.equal((await chat(NEW_MODEL, false)).status, 200);

    // 4. Fixed, and the model removed: its requests get the gateway's 404 again.
    applyEdit(config({ models: [STEADY_MODEL], apiKey: 'sk-second-key' }));
    timings['model removed'] = await until('the removed model', async () => (await chat(NEW_MODEL, false)).status === 404);
    await reloaded();

    // 5. A listener added on a port of its own, then removed.
    const secondPort = await freePort();
    applyEdit(config({ models: [STEADY_MODEL], apiKey: 'sk-second-key', secondPort }));
    const modelsOn = async (onPort: number): Promise<number> =>
      new Promise((resolve) => {
        const req = request({ host: '127.0.0.1', port: onPort, path: '/v1/models', agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', () => resolve(0));
        req.setTimeout(5000, () => req.destroy());
        req.end();
      });
    timings['listener added'] = await until('the added listener', async () => (await modelsOn(secondPort)) === 200);
    await reloaded();
    applyEdit(config({ models: [STEADY_MODEL], apiKey: 'sk-second-key' }));
    timings['listener removed'] = await until('the removed listener', async () => (await modelsOn(secondPort)) === 0);
    await reloaded();

    // 5b. The access log moved to a file (an EnvoyProxy File sink): aigw opens its pipe, Envoy writes it.
    const logDir = mkdtempSync(join(tmpdir(), 'aigw-reload-log-'));
    const logFile = join(logDir, 'access.json');
    try {
      applyEdit(config({ models: [STEADY_MODEL], apiKey: 'sk-second-key', accessLogFile: logFile }));
      timings['access log file added'] = await until('the access log file', () => Promise.resolve(existsSync(logFile) && readFileSync(logFile, 'utf8').includes(STEADY_MODEL)));
      await reloaded();
      applyEdit(config({ models: [STEADY_MODEL], apiKey: 'sk-second-key' }));
      await reloaded();
    } finally {
      rmSync(logDir, { recursive: true, force: true });
    }

    // 6. SIGHUP with nothing changed: said, nothing applied.
    const beforeHangup = aigw.stderr.length;
    process.kill(aigw.pid, 'SIGHUP');
    await stderrLine(/configuration unchanged \(SIGHUP\)/, 10_000, beforeHangup);

    // 7. /metrics: the version serving (the last reload line's) and the reloads, applied and not.
    const versions = [...aigw.stderr.matchAll(/configuration reloaded \(.*\) in \d+ ms: version (\w+)/g)].map((match) => match[1]);
    const metrics = await (await fetch(`http://127.0.0.1:${aigw.adminPort}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    assert.match(metrics, new RegExp(`^aigw_config_info\\{version="${versions.at(-1) ?? 'none'}"\\} 1$`, 'm'));
    assert.equal(versions.length, expectedReloads);
    assert.match(metrics, new RegExp(`^aigw_config_reloads_total\\{result="success"\\} ${versions.length}$`, 'm'));
    assert.match(metrics, /^aigw_config_reloads_total\{result="failure"\} 1$/m);

    // The long streams outlast the edits: the load goes on until they end.
    assert.ok(Date.now() - longStarted < LONG_STREAM_EVENTS * LONG_STREAM_INTERVAL_MS, 'the edits took longer than the long streams: they no longer span them');
    await Promise.all(long);
  } finally {
    running = false;
    await Promise.all([...load, ...long]);
    keepAlive.destroy();
  }
  assert.deepEqual(failures, [], `${failures.length} of ${completed + longCompleted + failures.length} requests failed`);
  assert.equal(longCompleted, LONG_STREAMS);
  assert.ok(completed > 50, `only ${completed} requests completed`);
  assert.equal((await gatewayPids(aigw.pid)).envoy, envoyPid, 'the same Envoy process throughout');
  process.stderr.write(`hot reload: ${completed} requests and ${longCompleted} streams of ${(LONG_STREAM_EVENTS * LONG_STREAM_INTERVAL_MS) / 1000} s, 0 failed; from file write to serving: ${JSON.stringify(timings)}\n`);
});
