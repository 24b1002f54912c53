/**
 * `npm run bench:floor`: what Envoy's ext_proc protocol costs by itself. aigw's own Envoy
 * bootstrap (compiled from the bench's config) talks to a zero-work processor — the gateway's
 * gRPC transport and codec, but answers that only set the route — so the cells show the floor
 * any processor behind that bootstrap stands on, next to plain Envoy (no ext_proc). Three ways
 * of driving the protocol are measured, in alternating rounds:
 * - `4 round trips`: what aigw runs — request headers, buffered request body, response headers,
 *   buffered response body, each waiting for its answer;
 * - `request pipelined`: the request body STREAMED with `send_body_without_waiting_for_header_response`,
 *   so headers and body arrive together and are answered together (the headers answer, which
 *   routes, can still depend on the body). Measured and not adopted: Envoy then drops the
 *   request's content-length (a STREAMED body may change), so every provider would get a chunked
 *   request, for about 0.1 ms at concurrency 1;
 * - `both pipelined`: the response likewise.
 * Prints p50 at concurrency 1, requests/s and CPU per request (Envoy + processor) at 64.
 * Env: FLOOR_SECONDS (per cell, default 5), FLOOR_ROUNDS (default 3), FLOOR_PROBE=1 (one
 * validated request per target, no load). Needs wrk on PATH.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { compileConfig } from '../../compiler/compile-config.js';
import { startEnvoy } from '../../envoy/start-envoy.js';
import type { ProcessCall } from '../../extproc/server/ext-proc-service.js';
import { startProcessServer, type ExtProcServer } from '../../extproc/server/ext-proc-server.js';
import type { ProcessingResponse } from '../../extproc/generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { ENVOY_BINARY, ENVOY_BINARY_MISSING } from '../support/envoy-binary.js';
import { freePort } from '../support/free-port.js';
import { gatewayConfigYaml } from '../support/gateway-config-yaml.js';
import { startPlainEnvoy, type PlainEnvoy } from './plain-envoy.js';
import { cpuMs } from './process-cpu.js';
import { startUpstreamProcess, type UpstreamProcess } from './upstream-process.js';
import { runWrk, wrkAvailable } from './wrk-load.js';
import { probe, type LoadResult } from './load-generator.js';

const MODEL = 'gpt-4o-mini';
const BODY = Buffer.from(JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Say hello.' }] }));

interface Variant {
  name: string;
  requestPipelined: boolean;
  responsePipelined: boolean;
}

const VARIANTS: Variant[] = [
  { name: '4 round trips', requestPipelined: false, responsePipelined: false },
  { name: 'request pipelined', requestPipelined: true, responsePipelined: false },
  { name: 'both pipelined', requestPipelined: true, responsePipelined: true },
];

interface Target {
  name: string;
  port: number;
  /** CPU of the processes serving it so far, in ms. */
  cpu: () => number;
}

const stops: (() => Promise<void>)[] = [];

async function main(): Promise<void> {
  if (!wrkAvailable()) throw new Error('bench:floor needs wrk on PATH');
  if (ENVOY_BINARY_MISSING) throw new Error(`bench:floor needs Envoy: ${ENVOY_BINARY_MISSING}`);
  const seconds = Number(process.env.FLOOR_SECONDS ?? 5);
  const rounds = Number(process.env.FLOOR_ROUNDS ?? 3);
  const upstream: UpstreamProcess = await startUpstreamProcess();
  stops.push(() => upstream.stop());
  const plain: PlainEnvoy = await startPlainEnvoy(upstream.port);
  stops.push(() => plain.stop());
  const targets: Target[] = [{ name: 'plain Envoy', port: plain.port, cpu: () => (plain.pid === undefined ? 0 : cpuMs(plain.pid)) }];
  for (const variant of VARIANTS) targets.push(await startFloorGateway(variant, upstream.port));
  // Every target answers like the fake upstream (the processor only routes), before any cell.
  for (const target of targets) {
    const failure = await probe({ url: `http://127.0.0.1:${target.port}/v1/chat/completions`, body: BODY, validate: (status, body) => (status === 200 && body.includes('"choices"') ? undefined : 'no chat completion') });
    if (failure !== undefined) throw new Error(`${target.name}: ${failure}`);
    process.stderr.write(`[floor] ${target.name}: answers\n`);
  }
  if (process.env.FLOOR_PROBE === '1') return;

  const results = new Map<string, { p50: number[]; rps: number[]; cpu: number[]; errors: number }>();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      const url = `http://127.0.0.1:${target.port}/v1/chat/completions`;
      const entry = results.get(target.name) ?? { p50: [], rps: [], cpu: [], errors: 0 };
      results.set(target.name, entry);
      const single = await runWrk({ url, body: BODY, concurrency: 1, durationMs: seconds * 1000, warmupMs: 1000, validate: () => undefined });
      let cpuAtStart = 0;
      const loaded: LoadResult = await runWrk({
        url,
        body: BODY,
        concurrency: 64,
        durationMs: seconds * 1000,
        warmupMs: 1000,
        validate: () => undefined,
        onMeasuredPhase: () => {
          cpuAtStart = target.cpu();
        },
      });
      entry.p50.push(single.p50Ms);
      entry.rps.push(loaded.rps);
      entry.cpu.push((target.cpu() - cpuAtStart) / Math.max(1, loaded.requests));
      entry.errors += single.errors + loaded.errors;
      process.stderr.write(`[floor] round ${round + 1} ${target.name}: c=1 p50 ${single.p50Ms.toFixed(2)} ms, c=64 ${loaded.rps.toFixed(0)} req/s\n`);
    }
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const plainP50 = median(results.get('plain Envoy')?.p50 ?? []);
  const plainRps = median(results.get('plain Envoy')?.rps ?? []);
  const lines = ['| processor behind aigw\'s bootstrap | c=1 p50 ms | added over plain Envoy | c=64 req/s | / plain Envoy | CPU ms / request (Envoy + processor) | errors |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const target of targets) {
    const entry = results.get(target.name);
    if (!entry) continue;
    const p50 = median(entry.p50);
    const rps = median(entry.rps);
    lines.push(`| ${target.name} | ${p50.toFixed(2)} | ${(p50 - plainP50).toFixed(2)} | ${rps.toFixed(0)} | ${(rps / plainRps).toFixed(2)} | ${median(entry.cpu).toFixed(3)} | ${entry.errors} |`);
  }
  process.stdout.write(`\n${lines.join('\n')}\n\nMedians of ${rounds} alternating rounds, ${seconds}s cells, wrk; the zero-work processor runs in this process.\n`);
  const failed = [...results.values()].reduce((sum, entry) => sum + entry.errors, 0);
  if (failed > 0) throw new Error(`${failed} request(s) failed`);
}

/** aigw's bootstrap for the bench config, its ext_proc filter switched to `variant`, behind a zero-work processor. */
async function startFloorGateway(variant: Variant, upstreamPort: number): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-floor-'));
  const port = await freePort();
  const socketPath = join(dir, 'ext_proc.sock');
  const compiled = compileConfig(gatewayConfigYaml({ port, upstreamPort, models: [MODEL], accessLog: false }), { file: 'floor.yaml', env: {}, extProcSocketPath: socketPath });
  const route = compiled.filterConfig.backends[0]?.name;
  if (route === undefined) throw new Error('bench:floor: the bench config has no backend');
  for (const filter of extProcFilters(compiled.bootstrap)) {
    const mode = filter.processing_mode;
    if (!isRecord(mode)) throw new Error('bench:floor: the ext_proc filter has no processing_mode');
    mode.request_body_mode = variant.requestPipelined ? 'STREAMED' : 'BUFFERED';
    mode.response_body_mode = variant.responsePipelined ? 'STREAMED' : 'BUFFERED';
    filter.send_body_without_waiting_for_header_response = variant.requestPipelined || variant.responsePipelined;
  }
  const server: ExtProcServer = await startProcessServer(socketPath, (call) => zeroWork(call, route, variant));
  const bootstrapPath = join(dir, 'envoy.json');
  await writeFile(bootstrapPath, JSON.stringify(compiled.bootstrap));
  const sink = new PassThrough();
  sink.resume();
  const envoy = await startEnvoy({ binary: ENVOY_BINARY, bootstrapPath, adminAddressFile: join(dir, 'admin-address'), runId: `floor-${port}`, logLevels: { default: 'error' }, stdout: sink, stderr: sink });
  stops.push(async () => {
    envoy.stop();
    await envoy.exited;
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const started = process.cpuUsage();
  return {
    name: `zero-work processor, ${variant.name}`,
    port,
    // The processor is this process: its CPU since start plus Envoy's.
    cpu: () => {
      const own = process.cpuUsage(started);
      return (own.user + own.system) / 1000 + (envoy.pid === undefined ? 0 : cpuMs(envoy.pid));
    },
  };
}

/** The compiled bootstrap is plain JSON this bench edits in place. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every ext_proc filter config in the bootstrap's listeners. */
function extProcFilters(bootstrap: unknown): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isRecord(value)) return;
    if (value.name === 'envoy.filters.http.ext_proc' && isRecord(value.typed_config)) found.push(value.typed_config);
    for (const child of Object.values(value)) visit(child);
  };
  visit(bootstrap);
  return found;
}

/**
 * Answers every message with nothing but what routing needs (the route header and
 * clear_route_cache on the request). Pipelined halves answer the headers when the body has
 * ended, then one empty answer per body chunk (STREAMED answers chunks one to one).
 */
function zeroWork(call: ProcessCall, route: string, variant: Variant): void {
  const routed: ProcessingResponse['request_headers'] = {
    response: { header_mutation: { set_headers: [{ header: { key: 'x-ai-eg-route', raw_value: Buffer.from(route) }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }] }, clear_route_cache: true },
  };
  let requestChunks = 0;
  let responseChunks = 0;
  call.onMessage((message) => {
    switch (message.request) {
      case 'request_headers':
        if (!variant.requestPipelined) call.write({ request_headers: { response: {} } });
        else if (message.request_headers?.end_of_stream === true) call.write({ request_headers: routed });
        return;
      case 'request_body':
        if (!variant.requestPipelined) {
          call.write({ request_body: routed });
          return;
        }
        requestChunks++;
        if (message.request_body?.end_of_stream !== true) return;
        call.write({ request_headers: routed });
        for (let i = 0; i < requestChunks; i++) call.write({ request_body: { response: {} } });
        return;
      case 'response_headers':
        if (!variant.responsePipelined || message.response_headers?.end_of_stream === true) call.write({ response_headers: { response: {} } });
        return;
      case 'response_body':
        if (!variant.responsePipelined) {
          call.write({ response_body: { response: {} } });
        } else {
          responseChunks++;
          if (message.response_body?.end_of_stream !== true) return;
          call.write({ response_headers: { response: {} } });
          for (let i = 0; i < responseChunks; i++) call.write({ response_body: { response: {} } });
        }
        call.end();
        return;
      default:
        return;
    }
  });
  call.onEnd(() => call.end());
  call.onError(() => undefined);
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench:floor failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  });
