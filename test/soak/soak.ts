/**
 * `npm run soak`: does the gateway hold up over time? Sends a steady rate of mixed traffic
 * through `aigw run` (real Envoy + ext_proc) to the benchmark's fake upstream (its own process):
 * OpenAI chat completions, streamed chat completions, embeddings, and streamed chat translated to
 * AWS Bedrock ConverseStream (SigV4-signed, event stream decoded), with the JSON access log on.
 * Throughout, one streamed generation runs for the whole soak (an event a second, no route
 * timeout), as a reasoning model's long answer does. Every sample period it records the resident
 * memory of the ext_proc (Node), aigw itself (Node) and Envoy. Then two phases: 64 concurrent
 * small requests (the ext_proc's resident size must stay within SOAK_MAX_EXTPROC_MIB), and 16
 * concurrent 8 MiB request bodies followed by idle time (reports Envoy's and the ext_proc's peak and
 * settled sizes). Fails (exit 1) if any request fails, if the long stream does not end complete,
 * if the ext_proc was restarted, if a Node process's memory grew by more than the allowed share
 * after the warm-up (the mean of the last three samples against the mean of the first three
 * after warm-up), or if the ext_proc is over its limit at 64 concurrent requests.
 *
 * Not part of `npm test` or CI (it takes 11 minutes by default). Env: SOAK_SECONDS (default
 * 600), SOAK_WARMUP_SECONDS (default 60, at most a third of the run), SOAK_RPS (default 50),
 * SOAK_SAMPLE_SECONDS (default 10), SOAK_MAX_GROWTH (default 0.2), SOAK_MAX_EXTPROC_MIB (default
 * 150), SOAK_RESULTS (write the samples and summary as JSON to this file).
 */
import { writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { freePort, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { gatewayPids, rssBytes } from '../support/process-tree.js';
import { LONG_STREAM_HEADER, startUpstreamProcess, type UpstreamProcess } from '../bench/upstream-process.js';
import { runScript } from '../support/run-script.js';

const MODEL = 'gpt-4o-mini';
/** Routed without a route timeout: the whole soak's stream. */
const LONG_MODEL = 'long-reasoning-model';
const BEDROCK_MODEL = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_FAILURE_SAMPLES = 10;

interface Scenario {
  name: string;
  path: string;
  body: Buffer;
  validate: (status: number, body: string) => string | undefined;
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const okStatus = (status: number): string | undefined => (status === 200 ? undefined : `HTTP ${status}`);

const SCENARIOS: Scenario[] = [
  {
    name: 'chat',
    path: '/v1/chat/completions',
    body: json({ model: MODEL, messages: [{ role: 'user', content: 'Say hello.' }] }),
    validate: (status, body) => okStatus(status) ?? (body.includes('"choices"') ? undefined : 'no choices'),
  },
  {
    name: 'chat-stream',
    path: '/v1/chat/completions',
    body: json({ model: MODEL, messages: [{ role: 'user', content: 'Say hello.' }], stream: true, stream_options: { include_usage: true } }),
    validate: (status, body) => okStatus(status) ?? (body.endsWith('data: [DONE]\n\n') ? undefined : 'stream did not end with [DONE]'),
  },
  {
    name: 'embeddings',
    path: '/v1/embeddings',
    body: json({ model: MODEL, input: ['soak test input one', 'soak test input two'] }),
    validate: (status, body) => okStatus(status) ?? (body.includes('"embedding"') ? undefined : 'no embeddings'),
  },
  {
    name: 'chat-stream-bedrock',
    path: '/v1/chat/completions',
    body: json({ model: BEDROCK_MODEL, messages: [{ role: 'user', content: 'Say hello.' }], stream: true, stream_options: { include_usage: true } }),
    validate: (status, body) => okStatus(status) ?? (body.includes('"prompt_tokens":11') && body.endsWith('data: [DONE]\n') ? undefined : 'translated stream without usage or [DONE]'),
  },
];

interface Sample {
  atSeconds: number;
  requests: number;
  failures: number;
  extProcRss: number;
  aigwRss: number;
  envoyRss: number;
}

let upstream: UpstreamProcess | undefined;
let aigw: AigwProcess | undefined;

async function main(): Promise<number> {
  const seconds = number('SOAK_SECONDS', 600);
  const warmupSeconds = Math.min(number('SOAK_WARMUP_SECONDS', 60), seconds / 3);
  const rps = number('SOAK_RPS', 50);
  const sampleSeconds = number('SOAK_SAMPLE_SECONDS', 10);
  const maxGrowth = number('SOAK_MAX_GROWTH', 0.2);
  const maxExtProcMib = number('SOAK_MAX_EXTPROC_MIB', 150);

  upstream = await startUpstreamProcess();
  const port = await freePort();
  aigw = await startAigw({ configYaml: soakConfig(port, upstream.port), captureStdout: false });
  const pids = await gatewayPids(aigw.pid);
  log(`aigw pid ${aigw.pid}, ext_proc pid ${pids.extProc}, Envoy pid ${pids.envoy}; ${seconds}s at ${rps} req/s (${SCENARIOS.map((scenario) => scenario.name).join(', ')}), warm-up ${warmupSeconds}s, sample every ${sampleSeconds}s`);

  const longStream = runLongStream(port, seconds);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const failures: string[] = [];
  let failed = 0;
  let completed = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  const samples: Sample[] = [];
  const sample = async (): Promise<void> => {
    const [extProcRss, aigwRss, envoyRss] = await Promise.all([rssBytes(pids.extProc), rssBytes(aigw?.pid ?? 0), rssBytes(pids.envoy)]);
    const entry: Sample = { atSeconds: Math.round((performance.now() - started) / 1000), requests: completed, failures: failed, extProcRss: extProcRss ?? 0, aigwRss: aigwRss ?? 0, envoyRss: envoyRss ?? 0 };
    samples.push(entry);
    log(`t=${String(entry.atSeconds).padStart(4)}s requests=${entry.requests} failed=${entry.failures} in-flight=${inFlight} RSS ext_proc=${mib(entry.extProcRss)} aigw=${mib(entry.aigwRss)} envoy=${mib(entry.envoyRss)}`);
  };

  await sample();
  let nextSample = started + sampleSeconds * 1000;
  const interval = 1000 / rps;
  const end = started + seconds * 1000;
  for (let index = 0; ; index++) {
    const due = started + index * interval;
    if (due >= end) break;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (performance.now() >= nextSample) {
      nextSample += sampleSeconds * 1000;
      void sample();
    }
    const scenario = SCENARIOS[index % SCENARIOS.length];
    if (!scenario) continue;
    inFlight++;
    const sent = send(agent, port, scenario).then((problem) => {
      inFlight--;
      completed++;
      if (problem === undefined) return;
      failed++;
      if (failures.length < MAX_FAILURE_SAMPLES) failures.push(`${scenario.name}: ${problem}`);
    });
    pending.add(sent);
    void sent.finally(() => pending.delete(sent));
  }
  await Promise.all(pending);
  await sample();
  const elapsed = (performance.now() - started) / 1000;
  const long = await longStream;
  log(`long stream: ${long.problem ?? `complete, ${long.events} events over ${long.seconds.toFixed(0)}s`}`);

  // 64 concurrent small requests: the ext_proc's steady size under concurrency.
  const burstSeconds = 30;
  const burst = await phase(agent, port, SCENARIOS[0], 64, burstSeconds, pids, sampleSeconds / 5);
  const burstExtProc = mean(burst.samples.slice(Math.floor(burst.samples.length / 2)).map((entry) => entry.extProcRss));
  log(`64 concurrent: ${burst.completed} requests, ${burst.failed} failed; ext_proc RSS ${mib(burstExtProc)} (second half mean), peak ${mib(Math.max(...burst.samples.map((entry) => entry.extProcRss)))}`);
  // Large bodies, then idle: how much of the peak each process gives back.
  const large = await phase(agent, port, LARGE_BODY, 16, 15, pids, 1);
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  const [settledExtProc, settledEnvoy] = await Promise.all([rssBytes(pids.extProc), rssBytes(pids.envoy)]);
  const largePeak = { extProc: Math.max(...large.samples.map((entry) => entry.extProcRss)), envoy: Math.max(...large.samples.map((entry) => entry.envoyRss)) };
  log(`16 concurrent 8 MiB bodies: ${large.completed} requests, ${large.failed} failed; peak RSS ext_proc ${mib(largePeak.extProc)}, Envoy ${mib(largePeak.envoy)}; 15 s later ext_proc ${mib(settledExtProc ?? 0)}, Envoy ${mib(settledEnvoy ?? 0)}`);
  agent.destroy();

  const after = await gatewayPids(aigw.pid).catch(() => undefined);
  const exit = await aigw.stop();
  const aigwStderr = aigw.stderr;
  aigw = undefined;
  await upstream.stop();
  upstream = undefined;

  const measured = samples.filter((entry) => entry.atSeconds >= warmupSeconds);
  const window = Math.min(3, Math.floor(measured.length / 2)) || 1;
  const growth = (key: 'extProcRss' | 'aigwRss' | 'envoyRss'): { baseline: number; final: number; growth: number } => {
    const mean = (entries: Sample[]): number => entries.reduce((sum, entry) => sum + entry[key], 0) / Math.max(1, entries.length);
    const baseline = mean(measured.slice(0, window));
    const final = mean(measured.slice(-window));
    return { baseline, final, growth: baseline > 0 ? final / baseline - 1 : 0 };
  };
  const summary = { extProc: growth('extProcRss'), aigw: growth('aigwRss'), envoy: growth('envoyRss') };
  const problems: string[] = [];
  if (failed > 0) problems.push(`${failed} of ${completed} request(s) failed`);
  if (after && after.extProc !== pids.extProc) problems.push(`the ext_proc was restarted (pid ${pids.extProc} → ${after.extProc})`);
  if (measured.length < 2) problems.push('too few samples after the warm-up to judge memory (raise SOAK_SECONDS)');
  if (summary.extProc.growth > maxGrowth) problems.push(`ext_proc memory grew ${percent(summary.extProc.growth)} after warm-up (limit ${percent(maxGrowth)})`);
  if (summary.aigw.growth > maxGrowth) problems.push(`aigw memory grew ${percent(summary.aigw.growth)} after warm-up (limit ${percent(maxGrowth)})`);
  if (exit.code !== 0) problems.push(`aigw did not stop cleanly: ${JSON.stringify(exit)}`);
  if (long.problem) problems.push(`the ${seconds}s stream: ${long.problem}`);
  if (burst.failed + large.failed > 0) problems.push(`${burst.failed + large.failed} request(s) of the 64-concurrency and large-body phases failed`);
  if (burstExtProc > maxExtProcMib * 1024 * 1024) problems.push(`ext_proc RSS ${mib(burstExtProc)} at 64 concurrent requests (limit ${maxExtProcMib} MiB)`);

  process.stdout.write(
    [
      '',
      `soak: ${completed} requests in ${elapsed.toFixed(0)}s (${(completed / elapsed).toFixed(1)} req/s, target ${rps}), ${failed} failed; ${cpus().length} CPUs`,
      `RSS after warm-up (mean of the first ${window} samples → mean of the last ${window}): ext_proc ${mib(summary.extProc.baseline)} → ${mib(summary.extProc.final)} (${percent(summary.extProc.growth)}), aigw ${mib(summary.aigw.baseline)} → ${mib(summary.aigw.final)} (${percent(summary.aigw.growth)}), Envoy ${mib(summary.envoy.baseline)} → ${mib(summary.envoy.final)} (${percent(summary.envoy.growth)})`,
      `peak RSS: ext_proc ${mib(Math.max(...samples.map((entry) => entry.extProcRss)))}, aigw ${mib(Math.max(...samples.map((entry) => entry.aigwRss)))}, Envoy ${mib(Math.max(...samples.map((entry) => entry.envoyRss)))}`,
      `long stream (${seconds}s): ${long.problem ?? `complete (${long.events} events)`}`,
      `64 concurrent small requests: ext_proc ${mib(burstExtProc)} (limit ${maxExtProcMib} MiB)`,
      `16 concurrent 8 MiB bodies: peak ext_proc ${mib(largePeak.extProc)}, Envoy ${mib(largePeak.envoy)}; 15 s idle later ext_proc ${mib(settledExtProc ?? 0)}, Envoy ${mib(settledEnvoy ?? 0)}`,
      problems.length === 0 ? 'PASS' : `FAIL: ${problems.join('; ')}`,
      '',
    ].join('\n'),
  );
  for (const failure of failures) log(`  failed: ${failure}`);
  if (problems.length > 0) log(`aigw stderr (last 20 lines):\n${aigwStderr.trimEnd().split('\n').slice(-20).join('\n')}`);
  if (process.env.SOAK_RESULTS) {
    await writeFile(
      process.env.SOAK_RESULTS,
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: cpus().length, seconds, warmupSeconds, rps, completed, failed, failures, summary, longStream: long, burst: { extProcRss: burstExtProc, samples: burst.samples }, largeBodies: { peak: largePeak, settled: { extProc: settledExtProc, envoy: settledEnvoy } }, problems, samples }, null, 2)}\n`,
    );
    log(`results written to ${process.env.SOAK_RESULTS}`);
  }
  return problems.length === 0 ? 0 : 1;
}

/** Resolves with undefined on success, else what went wrong (never rejects). */
function send(agent: Agent, port: number, scenario: Scenario): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: scenario.path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': scenario.body.length } });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no response in ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (error) => resolve(error.message));
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => resolve(`response: ${error.message}`));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const problem = scenario.validate(response.statusCode ?? 0, body);
        resolve(problem === undefined ? undefined : `${problem}: ${body.slice(0, 200)}`);
      });
    });
    req.end(scenario.body);
  });
}

const LARGE_BODY: Scenario = {
  name: 'chat-8MiB-body',
  path: '/v1/chat/completions',
  body: json({ model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(8 * 1024 * 1024) }] }),
  validate: (status, body) => okStatus(status) ?? (body.includes('"choices"') ? undefined : 'no choices'),
};

interface PhaseResult {
  completed: number;
  failed: number;
  samples: Sample[];
}

/** `concurrency` workers sending `scenario` back to back for `seconds`, sampling RSS meanwhile. */
async function phase(agent: Agent, port: number, scenario: Scenario | undefined, concurrency: number, seconds: number, pids: { extProc: number; envoy: number }, sampleEverySeconds: number): Promise<PhaseResult> {
  const result: PhaseResult = { completed: 0, failed: 0, samples: [] };
  if (!scenario) return result;
  const started = performance.now();
  const end = started + seconds * 1000;
  const sampler = setInterval(() => {
    void Promise.all([rssBytes(pids.extProc), rssBytes(pids.envoy)]).then(([extProcRss, envoyRss]) => {
      result.samples.push({ atSeconds: Math.round((performance.now() - started) / 1000), requests: result.completed, failures: result.failed, extProcRss: extProcRss ?? 0, aigwRss: 0, envoyRss: envoyRss ?? 0 });
    });
  }, sampleEverySeconds * 1000);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const problem = await send(agent, port, scenario);
        result.completed++;
        if (problem !== undefined) result.failed++;
      }
    }),
  );
  clearInterval(sampler);
  return result;
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

interface LongStreamResult {
  events: number;
  seconds: number;
  problem?: string;
}

/** One streamed generation lasting `seconds` (the fake sends an event a second); must end with usage and [DONE]. */
function runLongStream(port: number, seconds: number): Promise<LongStreamResult> {
  const started = performance.now();
  const body = json({ model: LONG_MODEL, messages: [{ role: 'user', content: 'Think for a long time.' }], stream: true, stream_options: { include_usage: true } });
  return new Promise((resolve) => {
    const done = (events: number, problem?: string): void => resolve({ events, seconds: (performance.now() - started) / 1000, ...(problem ? { problem } : {}) });
    const req = request({ host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length, [LONG_STREAM_HEADER]: String(Math.max(1, Math.floor(seconds))) } });
    req.setTimeout((seconds + 60) * 1000, () => req.destroy(new Error(`no end after ${seconds + 60}s`)));
    req.on('error', (error) => done(0, error.message));
    req.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('error', (error) => done(0, `response: ${error.message}`));
      response.on('end', () => {
        const events = text.split('\n\n').filter((event) => event.startsWith('data: ')).length;
        if (response.statusCode !== 200) done(events, `HTTP ${response.statusCode ?? 0}: ${text.slice(0, 200)}`);
        else if (!text.endsWith('data: [DONE]\n\n') || !text.includes('"completion_tokens"')) done(events, `ended without usage or [DONE] after ${events} events: ${text.slice(-200)}`);
        else done(events);
      });
    });
    req.end(body);
  });
}

/** The gateway: OpenAI models on the fake, plus Bedrock (the same fake, as `localhost`, SigV4 with static keys). */
function soakConfig(port: number, upstreamPort: number): string {
  const name = 'bedrock';
  return gatewayConfigYaml({
    port,
    upstreamPort,
    models: [MODEL],
    extraDocuments: [
      {
        // The long generation: no route timeout (upstream's default of 60 s would cut it).
        apiVersion: 'aigateway.envoyproxy.io/v1beta1',
        kind: 'AIGatewayRoute',
        metadata: { name: 'long-route', namespace: 'default' },
        spec: {
          parentRefs: [{ name: 'aigw-run', kind: 'Gateway', group: 'gateway.networking.k8s.io' }],
          rules: [{ matches: [{ headers: [{ type: 'Exact', name: 'x-ai-eg-model', value: LONG_MODEL }] }], backendRefs: [{ name: 'openai' }], timeouts: { request: '0s' } }],
        },
      },
      {
        apiVersion: 'aigateway.envoyproxy.io/v1beta1',
        kind: 'AIGatewayRoute',
        metadata: { name: 'bedrock-route', namespace: 'default' },
        spec: {
          parentRefs: [{ name: 'aigw-run', kind: 'Gateway', group: 'gateway.networking.k8s.io' }],
          rules: [{ matches: [{ headers: [{ type: 'Exact', name: 'x-ai-eg-model', value: BEDROCK_MODEL }] }], backendRefs: [{ name }] }],
          llmRequestCosts: [{ metadataKey: 'llm_total_token', type: 'TotalToken' }],
        },
      },
      { apiVersion: 'aigateway.envoyproxy.io/v1beta1', kind: 'AIServiceBackend', metadata: { name, namespace: 'default' }, spec: { schema: { name: 'AWSBedrock' }, backendRef: { name, kind: 'Backend', group: 'gateway.envoyproxy.io' } } },
      { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'Backend', metadata: { name, namespace: 'default' }, spec: { endpoints: [{ fqdn: { hostname: 'localhost', port: upstreamPort } }] } },
      {
        apiVersion: 'aigateway.envoyproxy.io/v1beta1',
        kind: 'BackendSecurityPolicy',
        metadata: { name, namespace: 'default' },
        spec: { targetRefs: [{ group: 'aigateway.envoyproxy.io', kind: 'AIServiceBackend', name }], type: 'AWSCredentials', awsCredentials: { region: 'us-east-1', credentialsFile: { secretRef: { name } } } },
      },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, stringData: { credentials: '[default]\naws_access_key_id = AKIASOAKEXAMPLE\naws_secret_access_key = soak-secret-key\n' } },
    ],
  });
}

function number(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}: expected a positive number, got ${JSON.stringify(text)}`);
  return value;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function percent(fraction: number): string {
  return `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)}%`;
}

function log(line: string): void {
  process.stderr.write(`[soak] ${line}\n`);
}

async function cleanup(): Promise<void> {
  await aigw?.stop();
  await upstream?.stop();
}

runScript({ npmScript: 'soak', log, main, cleanup });
