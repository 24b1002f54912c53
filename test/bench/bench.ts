/**
 * `npm run bench`: what does the gateway cost? Measures requests/s and p50/p99 latency of
 * the fake OpenAI upstream directly and through `aigw run` (real Envoy + ext_proc), for chat
 * completions non-streamed and streamed (time to the last SSE byte), at each concurrency, in one
 * run. Direct and gateway cells alternate so slow drift of the machine hits both alike.
 * Prints a markdown table, writes bench-results.json in cwd, exits non-zero if any request
 * failed.
 *
 * Env: BENCH_SECONDS (per cell, default 5), BENCH_WARMUP_SECONDS (default 1),
 * BENCH_CONCURRENCY (default "1,16,64"), BENCH_ACCESS_LOG=0 to run without the access log,
 * BENCH_TRACING=1 to also measure a second gateway with tracing on (OTLP http/protobuf to a sink
 * in this process that discards what it receives), giving tracing-on rows from the same run;
 * BENCH_RATELIMIT=0 to leave out the rate-limited gateway (its rows and the added-latency
 * rounds at concurrency 1, BENCH_RATELIMIT_ROUNDS per scenario, default 7);
 * BENCH_LOADGEN=wrk|node (default: wrk when it is on PATH, it takes far less CPU from the
 * processes measured; each wrk cell is preceded by a validated probe), BENCH_SCENARIOS (names,
 * comma-separated, default all).
 */
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { freePort, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { probe, runLoad, type LoadResult } from './load-generator.js';
import { resultsTable, type BenchRow } from './results-table.js';
import { startUpstreamProcess, type UpstreamProcess } from './upstream-process.js';
import { globalRateLimitDocument, TEST_GATEWAY, tokenCost } from '../support/rate-limit-yaml.js';
import { runScript } from '../support/run-script.js';
import { startPlainEnvoy, type PlainEnvoy } from './plain-envoy.js';
import { childPids, processTree, rssMiB } from './process-memory.js';
import { totalCpuMs } from './process-cpu.js';
import { runWrk, wrkAvailable } from './wrk-load.js';

const MODEL = 'gpt-4o-mini';
const MAX_FAILED_LOG_LINES = 5;

interface Scenario {
  name: string;
  body: Buffer;
  validate: (status: number, body: Buffer) => string | undefined;
  /** Direct URL path at the fake upstream (default: OpenAI chat completions). */
  directPath?: string;
  /** Body sent directly to the fake (default: `body`). */
  directBody?: Buffer;
}

const BEDROCK_MODEL = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';

const SCENARIOS: Scenario[] = [
  {
    name: 'chat',
    body: Buffer.from(JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Say hello.' }] })),
    validate: (status, body) => (status !== 200 ? 'unexpected status' : body.includes('"choices"') ? undefined : 'no choices in the body'),
  },
  {
    name: 'chat-stream',
    body: Buffer.from(JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Say hello.' }], stream: true, stream_options: { include_usage: true } })),
    validate: (status, body) => (status !== 200 ? 'unexpected status' : body.toString('utf8').endsWith('data: [DONE]\n\n') ? undefined : 'stream did not end with [DONE]'),
  },
  {
    // OpenAI client → AWS Bedrock ConverseStream: body rebuilt, SigV4-signed, event stream decoded
    // and re-emitted as OpenAI SSE. "direct" is the fake's binary event stream, as a Bedrock SDK reads it.
    name: 'chat-stream-bedrock',
    body: Buffer.from(JSON.stringify({ model: BEDROCK_MODEL, messages: [{ role: 'user', content: 'Say hello.' }], stream: true, stream_options: { include_usage: true } })),
    directPath: `/model/${BEDROCK_MODEL}/converse-stream`,
    directBody: Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'Say hello.' }] }], inferenceConfig: {} })),
    validate: (status, body) => {
      if (status !== 200) return 'unexpected status';
      const text = body.toString('utf8');
      if (text.startsWith('data:')) return text.includes('"prompt_tokens":11') && text.endsWith('data: [DONE]\n') ? undefined : 'translated stream without usage or [DONE]';
      return body.length > 100 ? undefined : 'short event stream';
    },
  },
];

let upstream: UpstreamProcess | undefined;
let aigw: AigwProcess | undefined;
let tracedAigw: AigwProcess | undefined;
let limitedAigw: AigwProcess | undefined;
let otlpSink: Server | undefined;
let plainEnvoy: PlainEnvoy | undefined;

/** Accepts OTLP/HTTP exports and drops them: the bench measures the gateway, not a collector. */
async function startOtlpSink(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function main(): Promise<number> {
  const seconds = positiveNumber('BENCH_SECONDS', 5);
  const warmupSeconds = positiveNumber('BENCH_WARMUP_SECONDS', 1, true);
  const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map((text) => {
    const value = Number(text.trim());
    if (!Number.isInteger(value) || value < 1) throw new Error(`BENCH_CONCURRENCY: expected positive integers, got ${JSON.stringify(text)}`);
    return value;
  });
  const accessLog = process.env.BENCH_ACCESS_LOG !== '0';
  const loadGenerator = process.env.BENCH_LOADGEN ?? (wrkAvailable() ? 'wrk' : 'node');
  if (loadGenerator !== 'wrk' && loadGenerator !== 'node') throw new Error(`BENCH_LOADGEN: expected wrk or node, got ${JSON.stringify(loadGenerator)}`);
  const load = loadGenerator === 'wrk' ? runWrk : runLoad;
  const scenarioNames = process.env.BENCH_SCENARIOS?.split(',').map((name) => name.trim());
  const scenarios = scenarioNames ? SCENARIOS.filter((scenario) => scenarioNames.includes(scenario.name)) : SCENARIOS;
  if (scenarios.length === 0) throw new Error(`BENCH_SCENARIOS: none of ${SCENARIOS.map((scenario) => scenario.name).join(', ')}`);

  upstream = await startUpstreamProcess();
  const gatewayPort = await freePort();
  log(`fake upstream on 127.0.0.1:${upstream.port}; starting aigw on port ${gatewayPort}`);
  // Access logs are written by Envoy as in real use but not kept in memory here: only the
  // entries of failed requests, which say why they failed (response flags and details).
  const failedLogLines: string[] = [];
  aigw = await startAigw({
    configYaml: withBedrock(gatewayConfigYaml({ port: gatewayPort, upstreamPort: upstream.port, models: [MODEL], accessLog }), upstream.port),
    captureStdout: false,
    onStdoutLine: (line) => {
      if (failedLogLines.length < MAX_FAILED_LOG_LINES && !line.includes('"response_code":200')) failedLogLines.push(line);
    },
  });
  log(aigw.stderr.trim());

  plainEnvoy = await startPlainEnvoy(upstream.port);
  const targets: Record<string, string> = {
    direct: `http://127.0.0.1:${upstream.port}/v1/chat/completions`,
    plain: `http://127.0.0.1:${plainEnvoy.port}/v1/chat/completions`,
    gateway: `http://127.0.0.1:${gatewayPort}/v1/chat/completions`,
  };
  // Direct and plain Envoy get what the gateway sends upstream (for Bedrock, its own API).
  const passThrough: Record<string, number> = { direct: upstream.port, plain: plainEnvoy.port };
  const targetFor = (scenario: Scenario, target: string): { url: string; body: Buffer } => {
    const port = passThrough[target];
    if (port !== undefined && scenario.directPath) return { url: `http://127.0.0.1:${port}${scenario.directPath}`, body: scenario.directBody ?? scenario.body };
    const url = targets[target];
    if (url === undefined) throw new Error(`no target ${target}`);
    return { url, body: scenario.body };
  };
  const tracing = process.env.BENCH_TRACING === '1';
  if (tracing) {
    const sink = await startOtlpSink();
    otlpSink = sink.server;
    const tracedPort = await freePort();
    tracedAigw = await startAigw({
      configYaml: withBedrock(gatewayConfigYaml({ port: tracedPort, upstreamPort: upstream.port, models: [MODEL], accessLog }), upstream.port),
      captureStdout: false,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
    });
    targets['gateway+tracing'] = `http://127.0.0.1:${tracedPort}/v1/chat/completions`;
  }
  // The cost of rate limiting (#16): the same gateway plus a token budget per model (a limit no
  // run reaches), so each request is checked before it goes upstream (by the ext_proc, in its
  // body round trip) and charged at its end (by Envoy's rate-limit filter, after the response).
  const rateLimited = process.env.BENCH_RATELIMIT !== '0';
  if (rateLimited) {
    // A total-token budget per model on the test Gateway, checked per request, charged at the end.
    const tokenBudgetPolicy = globalRateLimitDocument('token-budget', [{ headers: [{ name: 'x-ai-eg-model', type: 'Distinct' }], requests: 1_000_000_000, unit: 'Hour', cost: tokenCost('llm_total_token') }], TEST_GATEWAY);
    const limitedPort = await freePort();
    limitedAigw = await startAigw({
      configYaml: withBedrock(gatewayConfigYaml({ port: limitedPort, upstreamPort: upstream.port, models: [MODEL], accessLog, extraDocuments: [tokenBudgetPolicy] }), upstream.port),
      captureStdout: false,
    });
    targets['gateway+ratelimit'] = `http://127.0.0.1:${limitedPort}/v1/chat/completions`;
  }
  // One request each first: a broken gateway fails here in a second, not after every cell.
  for (const scenario of scenarios) {
    for (const target of Object.keys(targets)) {
      const failure = await probe({ ...targetFor(scenario, target), validate: scenario.validate });
      if (failure !== undefined) throw new Error(`${scenario.name} via ${target} failed before measuring: ${failure}\n${aigw.stderr}`);
    }
  }

  const rows: BenchRow[] = [];
  let rateLimitCostErrors = 0;
  // The processes whose CPU a cell is charged with: the gateway's own (aigw, Envoy, ext_proc), plain Envoy.
  const gatewayPids: Record<string, () => number[]> = {
    plain: () => (plainEnvoy?.pid !== undefined ? [plainEnvoy.pid] : []),
    gateway: () => (aigw ? [aigw.pid, ...childPids(aigw.pid)] : []),
    'gateway+tracing': () => (tracedAigw ? [tracedAigw.pid, ...childPids(tracedAigw.pid)] : []),
    'gateway+ratelimit': () => (limitedAigw ? [limitedAigw.pid, ...childPids(limitedAigw.pid)] : []),
  };
  for (const scenario of scenarios) {
    for (const concurrency of concurrencies) {
      const measure = async (target: string): Promise<LoadResult> => {
        log(`${scenario.name} c=${concurrency} ${target}: ${warmupSeconds}s warm-up + ${seconds}s (${loadGenerator})`);
        // wrk reads no bodies: one validated request first, so a cell of wrong answers cannot pass.
        if (loadGenerator === 'wrk') {
          const failure = await probe({ ...targetFor(scenario, target), validate: scenario.validate });
          if (failure !== undefined) throw new Error(`${scenario.name} via ${target}: ${failure}`);
        }
        const pids = gatewayPids[target]?.() ?? [];
        let cpuAtStart = 0;
        const result = await load({
          ...targetFor(scenario, target),
          concurrency,
          durationMs: seconds * 1000,
          warmupMs: warmupSeconds * 1000,
          validate: scenario.validate,
          onMeasuredPhase: () => {
            cpuAtStart = totalCpuMs(pids);
          },
        });
        if (pids.length > 0 && result.requests > 0) result.cpuMsPerRequest = (totalCpuMs(pids) - cpuAtStart) / result.requests;
        for (const sample of result.errorSamples) log(`  error: ${sample}`);
        return result;
      };
      const direct = await measure('direct');
      const plain = await measure('plain');
      const gateway = await measure('gateway');
      rows.push({ scenario: scenario.name, concurrency, direct, plain, gateway });
      if (tracing) rows.push({ scenario: `${scenario.name} (tracing on)`, concurrency, direct, plain, gateway: await measure('gateway+tracing') });
      if (rateLimited) rows.push({ scenario: `${scenario.name} (rate limited)`, concurrency, direct, plain, gateway: await measure('gateway+ratelimit') });
    }
  }

  // What rate limiting adds at concurrency 1, measured as its goal states it: one cell of each
  // gateway is at the mercy of the machine's drift (±0.5 ms here), so short cells of the plain
  // and the rate-limited gateway alternate (order swapped each round) and the median of the
  // per-round differences is reported.
  const rateLimitCost: { scenario: string; rounds: number[]; medianAddedP50Ms: number }[] = [];
  if (rateLimited) {
    const rounds = Number(process.env.BENCH_RATELIMIT_ROUNDS ?? 7);
    for (const scenario of scenarios.filter((candidate) => candidate.name !== 'chat-stream-bedrock')) {
      const added: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const p50 = async (target: string): Promise<number> => {
          const result = await load({ ...targetFor(scenario, target), concurrency: 1, durationMs: 2000, warmupMs: 300, validate: scenario.validate });
          for (const sample of result.errorSamples) log(`  error: ${sample}`);
          rateLimitCostErrors += result.errors;
          return result.p50Ms;
        };
        const order = round % 2 === 0 ? ['gateway', 'gateway+ratelimit'] : ['gateway+ratelimit', 'gateway'];
        const measured: Record<string, number> = {};
        for (const target of order) measured[target] = await p50(target);
        added.push((measured['gateway+ratelimit'] ?? 0) - (measured.gateway ?? 0));
      }
      const sorted = [...added].sort((a, b) => a - b);
      const medianAddedP50Ms = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
      log(`rate limiting adds ${medianAddedP50Ms.toFixed(3)} ms p50 to ${scenario.name} at c=1 (median of ${rounds} alternating rounds: ${added.map((value) => value.toFixed(2)).join(' ')})`);
      rateLimitCost.push({ scenario: scenario.name, rounds: added, medianAddedP50Ms });
    }
  }

  // Resident memory of every process at the end of the run (after its heaviest cells).
  const memory: { process: string; rssMiB: number | undefined }[] = [
    ...processTree('gateway', aigw.pid),
    ...(tracedAigw ? processTree('gateway+tracing', tracedAigw.pid) : []),
    ...(limitedAigw ? processTree('gateway+ratelimit', limitedAigw.pid) : []),
    { process: 'plain Envoy', rssMiB: rssMiB(plainEnvoy.pid) },
    { process: 'fake upstream', rssMiB: rssMiB(upstream.pid) },
  ];

  const aigwStderr = aigw.stderr;
  const exit = await aigw.stop();
  aigw = undefined;
  const tracedExit = await tracedAigw?.stop();
  tracedAigw = undefined;
  const limitedExit = await limitedAigw?.stop();
  limitedAigw = undefined;
  otlpSink?.close();
  otlpSink = undefined;
  await plainEnvoy.stop();
  plainEnvoy = undefined;
  await upstream.stop();
  upstream = undefined;
  const failedRequests = rows.reduce((sum, row) => sum + row.direct.errors + row.gateway.errors, 0) + rateLimitCostErrors;
  const cleanStop = exit.code === 0 && (tracedExit === undefined || tracedExit.code === 0) && (limitedExit === undefined || limitedExit.code === 0);

  process.stdout.write(`\n${resultsTable(rows)}\n`);
  process.stdout.write(`RSS at the end: ${memory.map((entry) => `${entry.process} ${entry.rssMiB === undefined ? 'n/a' : `${entry.rssMiB.toFixed(0)} MiB`}`).join(', ')}.\n`);
  for (const cost of rateLimitCost) process.stdout.write(`Rate limiting adds ${cost.medianAddedP50Ms.toFixed(2)} ms p50 to ${cost.scenario} at concurrency 1 (median of ${cost.rounds.length} alternating rounds).\n`);
  process.stdout.write(`${seconds}s per cell after ${warmupSeconds}s warm-up; load from ${loadGenerator}; ${cpus().length} CPUs; access log ${accessLog ? 'on' : 'off'}; tracing rows ${tracing ? 'share the direct cell of the row above' : 'off (BENCH_TRACING=1)'}; rate-limited rows ${rateLimited ? 'share it too (BENCH_RATELIMIT=0: off)' : 'off'}; streaming latency is time to the last byte.\n`);
  const output = resolve('bench-results.json');
  await writeFile(
    output,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        seconds,
        warmupSeconds,
        accessLog,
        loadGenerator,
        failedRequests,
        aigwExit: exit,
        rows: rows.map((row) => ({
          ...row,
          throughputRatio: row.gateway.rps / row.direct.rps,
          plainEnvoyRatio: row.gateway.rps / row.plain.rps,
          addedP50Ms: row.gateway.p50Ms - row.direct.p50Ms,
          addedP50OverPlainMs: row.gateway.p50Ms - row.plain.p50Ms,
        })),
        rateLimitCost,
        memory,
      },
      null,
      2,
    )}\n`,
  );
  log(`results written to ${output}`);
  if (failedRequests > 0) {
    log(`FAILED: ${failedRequests} request(s) failed`);
    for (const line of failedLogLines) log(`  access log: ${line}`);
    log(`aigw stderr (last 20 lines):\n${aigwStderr.trimEnd().split('\n').slice(-20).join('\n')}`);
  }
  if (!cleanStop) log(`FAILED: aigw did not stop cleanly (${JSON.stringify(exit)})`);
  return failedRequests > 0 || !cleanStop ? 1 : 0;
}

/**
 * Adds the Bedrock backend (the same fake upstream, reached as `localhost` so the signature
 * covers the Host Envoy sends) for BEDROCK_MODEL, signed with static credentials.
 */
function withBedrock(yaml: string, port: number): string {
  const rule = `    - matches:
        - headers:
            - type: Exact
              name: x-ai-eg-model
              value: ${BEDROCK_MODEL}
      backendRefs:
        - name: bedrock
`;
  const withRule = yaml.replace(/( {2}rules:\n)/, `$1${rule}`);
  if (withRule === yaml) throw new Error('bench: could not add the Bedrock rule to the gateway config');
  return `${withRule}---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: bedrock
  namespace: default
spec:
  schema:
    name: AWSBedrock
  backendRef:
    name: bedrock
    kind: Backend
    group: gateway.envoyproxy.io
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: bedrock
  namespace: default
spec:
  endpoints:
    - fqdn:
        hostname: localhost
        port: ${port}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata:
  name: bedrock
  namespace: default
spec:
  targetRefs:
    - group: aigateway.envoyproxy.io
      kind: AIServiceBackend
      name: bedrock
  type: AWSCredentials
  awsCredentials:
    region: us-east-1
    credentialsFile:
      secretRef:
        name: bedrock
---
apiVersion: v1
kind: Secret
metadata:
  name: bedrock
  namespace: default
stringData:
  credentials: |
    [default]
    aws_access_key_id = AKIABENCHEXAMPLE
    aws_secret_access_key = bench-secret
`;
}

async function cleanup(): Promise<void> {
  await aigw?.stop();
  await tracedAigw?.stop();
  await limitedAigw?.stop();
  otlpSink?.close();
  await plainEnvoy?.stop();
  await upstream?.stop();
}

function positiveNumber(name: string, fallback: number, zeroAllowed = false): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) throw new Error(`${name}: expected a positive number of seconds, got ${JSON.stringify(text)}`);
  return value;
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

runScript({ npmScript: 'bench', log, main, cleanup });
