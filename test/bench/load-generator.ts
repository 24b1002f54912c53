/**
 * A small closed-loop HTTP load generator: `concurrency` workers each send a request, read the
 * whole response (for SSE that is time to the last byte) and send the next, over a keep-alive
 * agent with exactly `concurrency` sockets. A warm-up phase (same load, not measured) opens the
 * connections and lets Envoy and the JIT settle first. Every phase ends by its deadline, and
 * each request by its timeout, so a stuck gateway cannot hang the benchmark.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadOptions {
  url: string;
  body: Buffer;
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** An error message when the response is wrong, else undefined. */
  validate: (status: number, body: Buffer) => string | undefined;
  requestTimeoutMs?: number;
  /** Called when the warm-up is over and the measured phase starts. */
  onMeasuredPhase?: () => void;
}

export interface LoadResult {
  /** Measured (post warm-up) successful requests. */
  requests: number;
  /** Failed requests, warm-up included. */
  errors: number;
  errorSamples: string[];
  elapsedMs: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** CPU time per measured request summed over the measured processes (set by the bench). */
  cpuMsPerRequest?: number;
}

const MAX_ERROR_SAMPLES = 5;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const errors = { count: 0, samples: [] as string[] };
  try {
    await phase(options, agent, options.warmupMs, errors);
    options.onMeasuredPhase?.();
    const { latencies, elapsedMs } = await phase(options, agent, options.durationMs, errors);
    latencies.sort((a, b) => a - b);
    const total = latencies.reduce((sum, value) => sum + value, 0);
    return {
      requests: latencies.length,
      errors: errors.count,
      errorSamples: errors.samples,
      elapsedMs,
      rps: latencies.length / (elapsedMs / 1000),
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      meanMs: latencies.length > 0 ? total / latencies.length : Number.NaN,
      maxMs: latencies.at(-1) ?? Number.NaN,
    };
  } finally {
    agent.destroy();
  }
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

async function phase(options: LoadOptions, agent: Agent, durationMs: number, errors: { count: number; samples: string[] }): Promise<{ latencies: number[]; elapsedMs: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      const failure = await send(options, agent);
      if (failure === undefined) {
        latencies.push(performance.now() - sent);
      } else {
        errors.count++;
        if (errors.samples.length < MAX_ERROR_SAMPLES) errors.samples.push(failure);
        // Don't spin on a dead target: failures are usually instant (connection refused).
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { latencies, elapsedMs: performance.now() - started };
}

/** One request outside any measurement: undefined when it succeeds, else what went wrong. */
export async function probe(options: Pick<LoadOptions, 'url' | 'body' | 'validate' | 'requestTimeoutMs'>): Promise<string | undefined> {
  const agent = new Agent({ keepAlive: false });
  try {
    return await send(options, agent);
  } finally {
    agent.destroy();
  }
}

/** Resolves with undefined on success, else a description of the failure (never rejects). */
function send(options: Pick<LoadOptions, 'url' | 'body' | 'validate' | 'requestTimeoutMs'>, agent: Agent): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(options.url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': options.body.length },
    });
    req.setTimeout(options.requestTimeoutMs ?? 30_000, () => req.destroy(new Error(`no response in ${options.requestTimeoutMs ?? 30_000}ms`)));
    req.on('error', (error) => resolve(`${options.url}: ${error.message}`));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => resolve(`${options.url}: response ${error.message}`));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const problem = options.validate(res.statusCode ?? 0, body);
        resolve(problem === undefined ? undefined : `${options.url}: HTTP ${res.statusCode ?? '?'}: ${problem}: ${body.toString('utf8').slice(0, 200)}`);
      });
    });
    req.end(options.body);
  });
}
