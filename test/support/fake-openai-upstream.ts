/**
 * An OpenAI-compatible provider on 127.0.0.1:<random port> for tests and benchmarks. It records
 * every request byte-for-byte (so tests can check the API key, the path and that the gateway
 * left the body alone) and answers chat completions, legacy completions and embeddings with
 * synthetic bodies, or replays go-vcr cassettes. Behaviour can be changed per test with
 * `configure()`: a handler hook, an error, a delay.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { cassetteHeader, loadCassette, type Cassette } from './cassette.js';
import { CASSETTE_NAME_HEADER, CassettePlayer } from './cassette-player.js';
import {
  DEFAULT_CONTENT_CHUNKS,
  chatCompletionBody,
  chatCompletionEvents,
  completionBody,
  completionEvents,
  embeddingsBody,
  errorBody,
  type SyntheticRequest,
  type SyntheticSettings,
  type SyntheticUsage,
} from './synthetic-openai.js';

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  /** Path without the query. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body bytes. */
  body: Buffer;
  /** First value of a header, by case-insensitive name. */
  header(name: string): string | undefined;
  text(): string;
  /** The body parsed as JSON; throws when it is not JSON. */
  json(): unknown;
}

/**
 * Takes over a request. Return `false` to fall through to the normal behaviour (error, cassette,
 * synthetic); anything else means the hook wrote the response.
 */
export type FakeOpenAIHandler = (request: RecordedRequest, response: ServerResponse) => boolean | void | Promise<boolean | void>;

export interface FakeOpenAIError {
  status: number;
  /** A string is sent as is; an object as JSON. Defaults to an OpenAI error envelope. */
  body?: string | Record<string, unknown>;
  contentType?: string;
  /** Fail only this many requests, then behave normally (for retry tests). Unlimited when unset. */
  times?: number;
}

export interface FakeOpenAIBehaviour {
  handler?: FakeOpenAIHandler;
  error?: FakeOpenAIError;
  /** Wait before answering (after recording the request). */
  delayMs?: number;
  /** Pause between SSE events of streamed answers (synthetic and replayed). */
  streamIntervalMs?: number;
  usage?: Partial<SyntheticUsage>;
  /** `model` reported in responses; defaults to echoing the request's model. */
  responseModel?: string;
  contentChunks?: string[];
  embeddingDimensions?: number;
}

export interface FakeOpenAIOptions extends FakeOpenAIBehaviour {
  /** Listen on this port (e.g. 11434 to stand in for Ollama); a free one when unset. */
  port?: number;
  /** Cassettes, or paths of cassette files, to replay; requests matching none get a 404. */
  cassettes?: (Cassette | string)[];
  /** Keep requests in `.requests` (default true; benchmarks turn it off to bound memory). */
  record?: boolean;
}

export interface FakeOpenAI {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Changes behaviour for the following requests (merged into the current one). */
  configure(behaviour: FakeOpenAIBehaviour): void;
  /** Back to the start options and no recorded requests. */
  reset(): void;
  /** Resolves once `count` requests have been received in total. */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

export const DEFAULT_USAGE: SyntheticUsage = { promptTokens: 11, completionTokens: 7 };

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const { cassettes = [], record = true, ...initial } = options;
  const player = cassettes.length > 0 ? new CassettePlayer(cassettes.map((c) => (typeof c === 'string' ? loadCassette(c) : c))) : undefined;
  let behaviour: FakeOpenAIBehaviour = { ...initial };
  let errorsSent = 0;
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const request = recorded(req, await readBody(req));
    if (record) requests.push(request);
    for (const wake of waiters) wake();
    const current = behaviour;
    if (current.handler && (await current.handler(request, res)) !== false) return;
    if (current.delayMs) await sleep(current.delayMs);
    const error = current.error;
    if (error && (error.times === undefined || errorsSent < error.times)) {
      errorsSent++;
      const body = error.body === undefined ? errorBody(`fake upstream error ${error.status}`, 'server_error') : typeof error.body === 'string' ? error.body : JSON.stringify(error.body);
      send(res, error.status, error.contentType ?? 'application/json', body);
      return;
    }
    if (player) {
      const interaction = player.match({ method: request.method, path: request.path, body: request.body, cassetteName: request.header(CASSETTE_NAME_HEADER) });
      if (!interaction) {
        send(res, 404, 'application/json', errorBody(`fake upstream: no recorded interaction for ${request.method} ${request.path}`, 'cassette_not_found'));
        return;
      }
      const { code, body, headers } = interaction.response;
      const contentType = cassetteHeader(headers, 'content-type') ?? 'application/json';
      if (contentType.startsWith('text/event-stream')) await stream(res, code, contentType, splitEvents(body), current.streamIntervalMs);
      else send(res, code, contentType, body);
      return;
    }
    await synthetic(request, res, current);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, 'application/json', errorBody(`fake upstream failed: ${error instanceof Error ? error.message : String(error)}`, 'server_error'));
      else res.destroy();
    });
  });
  // Longer than Envoy's and the load generator's idle times, so the server is never the side
  // that closes a pooled connection just as a request is sent on it (a spurious 503).
  server.keepAliveTimeout = 120_000;
  await listen(server, options.port ?? 0);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake upstream: not listening on a TCP port');
  const port = address.port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    configure(change) {
      behaviour = { ...behaviour, ...change };
      if ('error' in change) errorsSent = 0;
    },
    reset() {
      behaviour = { ...initial };
      errorsSent = 0;
      requests.length = 0;
    },
    async waitForRequests(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`fake upstream: expected ${count} requests, got ${requests.length} in ${timeoutMs}ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, left);
          function done(): void {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          }
          waiters.add(done);
        });
      }
      return requests.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Pooled keep-alive connections (Envoy's, the load generator's) would hold close() open.
        server.closeAllConnections();
      }),
  };
}

async function synthetic(request: RecordedRequest, res: ServerResponse, behaviour: FakeOpenAIBehaviour): Promise<void> {
  const kind = endpointOf(request.path);
  if (request.method !== 'POST' || kind === undefined) {
    send(res, 404, 'application/json', errorBody(`fake upstream: unknown endpoint ${request.method} ${request.path}`, 'invalid_request_error', 'unknown_url'));
    return;
  }
  const body = parseObject(request.body);
  if (!body) {
    send(res, 400, 'application/json', errorBody('We could not parse the JSON body of your request.'));
    return;
  }
  const model = body.model;
  if (typeof model !== 'string' || model === '') {
    send(res, 400, 'application/json', errorBody('you must provide a model parameter', 'invalid_request_error', 'missing_model'));
    return;
  }
  const streamOptions = body.stream_options;
  const includeUsage = isObject(streamOptions) && streamOptions.include_usage === true;
  const parsed: SyntheticRequest = { model, includeUsage };
  const settings = settingsOf(behaviour);
  const streaming = body.stream === true;
  switch (kind) {
    case 'chat':
      if (streaming) await stream(res, 200, 'text/event-stream; charset=utf-8', chatCompletionEvents(parsed, settings), behaviour.streamIntervalMs);
      else send(res, 200, 'application/json', chatCompletionBody(parsed, settings));
      return;
    case 'completion':
      if (streaming) await stream(res, 200, 'text/event-stream; charset=utf-8', completionEvents(parsed, settings), behaviour.streamIntervalMs);
      else send(res, 200, 'application/json', completionBody(parsed, settings));
      return;
    case 'embeddings': {
      const input = body.input;
      // A list of strings is a batch; a list of numbers is one tokenised input.
      const inputCount = Array.isArray(input) && input.length > 0 && typeof input[0] !== 'number' ? input.length : 1;
      const dimensions = typeof body.dimensions === 'number' ? body.dimensions : undefined;
      const base64 = body.encoding_format === 'base64';
      send(res, 200, 'application/json', embeddingsBody({ ...parsed, inputCount, base64, dimensions }, settings));
      return;
    }
  }
}

function endpointOf(path: string): 'chat' | 'completion' | 'embeddings' | undefined {
  if (path.endsWith('/chat/completions')) return 'chat';
  if (path.endsWith('/completions')) return 'completion';
  if (path.endsWith('/embeddings')) return 'embeddings';
  return undefined;
}

function settingsOf(behaviour: FakeOpenAIBehaviour): SyntheticSettings {
  return {
    usage: { ...DEFAULT_USAGE, ...behaviour.usage },
    contentChunks: behaviour.contentChunks ?? DEFAULT_CONTENT_CHUNKS,
    embeddingDimensions: behaviour.embeddingDimensions ?? 8,
    responseModel: behaviour.responseModel,
  };
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'content-type': contentType, 'content-length': bytes.length });
  res.end(bytes);
}

/** Writes SSE events one by one (chunked), as a real provider streams them. */
async function stream(res: ServerResponse, status: number, contentType: string, events: string[], intervalMs = 0): Promise<void> {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-cache' });
  for (const [index, event] of events.entries()) {
    if (res.destroyed) return;
    if (index > 0 && intervalMs > 0) await sleep(intervalMs);
    res.write(event);
  }
  res.end();
}

/** Splits an SSE body after each blank line; the pieces concatenate back to the same bytes. */
export function splitEvents(body: string): string[] {
  const events: string[] = [];
  let start = 0;
  for (let end = body.indexOf('\n\n'); end !== -1; end = body.indexOf('\n\n', start)) {
    events.push(body.slice(start, end + 2));
    start = end + 2;
  }
  if (start < body.length) events.push(body.slice(start));
  return events;
}

function recorded(req: IncomingMessage, body: Buffer): RecordedRequest {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return {
    method: req.method ?? 'GET',
    url,
    path: query === -1 ? url : url.slice(0, query),
    headers: req.headers,
    body,
    header(name) {
      const value = req.headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    },
    text: () => body.toString('utf8'),
    json: (): unknown => JSON.parse(body.toString('utf8')),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
