import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import type { McpBackendConfig } from '../../contract/mcp-config.js';
import { type JsonRpcMessage, parseJsonRpcMessages } from './mcp-jsonrpc.js';
import { SseReader, type SseEvent } from '../../common/sse/sse-reader.js';

/** One HTTP exchange with a backend MCP server (Streamable HTTP). */
export interface BackendCall {
  method: 'POST' | 'GET' | 'DELETE';
  /** JSON-RPC message, for POST. */
  body?: string;
  /** The backend's own session id ('' or absent for stateless servers). */
  sessionId?: string;
  protocolVersion: string;
  lastEventId?: string;
  /** Headers forwarded from the client request and the identity (lower-case names). */
  forwardedHeaders: ReadonlyArray<readonly [string, string]>;
  signal?: AbortSignal;
  /** Fails the call when the response headers take longer than this. */
  timeoutMs?: number;
}

export interface BackendResponse {
  status: number;
  /** Media type, lower-case, without parameters. */
  contentType: string;
  /** `mcp-session-id` of the response, if any. */
  sessionId: string | undefined;
  /** The body, decompressed. */
  body: Readable;
}

/** A JSON-RPC message read from a backend response, with the SSE event id it came in. */
export interface BackendMessage {
  message: JsonRpcMessage;
  eventId?: string;
}

/**
 * HTTP client for one backend: static headers, the API key (header, query parameter or
 * `Authorization: Bearer`), the TLS server name, keep-alive connections. Requests go straight
 * to the backend URL. Responses are decompressed here because the proxy rewrites their content.
 *
 * The client counts the calls under way (from the request until its response body is read) so
 * that a reload can retire it with `closeWhenIdle`: its connections are closed once no call uses
 * them, never under a request the old configuration is still serving.
 */
export class McpBackendClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly staticHeaders: [string, string][];
  private active = 0;
  private retired = false;

  constructor(readonly backend: McpBackendConfig) {
    this.url = new URL(backend.url);
    if (backend.apiKey?.queryParam) this.url.searchParams.set(backend.apiKey.queryParam, backend.apiKey.value);
    this.agent = this.url.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.staticHeaders = backend.headers.map((header) => [header.name.toLowerCase(), header.value]);
    if (backend.apiKey && !backend.apiKey.queryParam) {
      this.staticHeaders.push(backend.apiKey.header ? [backend.apiKey.header.toLowerCase(), backend.apiKey.value] : ['authorization', `Bearer ${backend.apiKey.value}`]);
    }
  }

  request(call: BackendCall): Promise<BackendResponse> {
    const headers: Record<string, string> = {};
    // Configured headers (credentials) win over forwarded client headers; protocol headers win over both.
    for (const [name, value] of call.forwardedHeaders) headers[name] = value;
    for (const [name, value] of this.staticHeaders) headers[name] = value;
    headers['accept'] = call.method === 'GET' ? 'text/event-stream' : 'application/json, text/event-stream';
    headers['accept-encoding'] = 'gzip, br';
    headers['mcp-protocol-version'] = call.protocolVersion;
    if (call.sessionId) headers['mcp-session-id'] = call.sessionId;
    else delete headers['mcp-session-id'];
    if (call.lastEventId) headers['last-event-id'] = call.lastEventId;
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(call.body));
    }
    const secure = this.url.protocol === 'https:';
    const options: https.RequestOptions = {
      method: call.method,
      protocol: this.url.protocol,
      hostname: this.url.hostname.startsWith('[') ? this.url.hostname.slice(1, -1) : this.url.hostname,
      port: this.url.port || (secure ? 443 : 80),
      path: `${this.url.pathname}${this.url.search}`,
      headers,
      agent: this.agent,
      ...(call.signal ? { signal: call.signal } : {}),
      ...(secure && this.backend.tlsServerName ? { servername: this.backend.tlsServerName } : {}),
    };
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.active--;
      // A retired client may still be called by a request of the old configuration (a fan-out's
      // next page): each time the last call ends, the connections it opened are closed again.
      if (this.retired && this.active === 0) this.agent.destroy();
    };
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(options, (response) => {
        if (timer) clearTimeout(timer);
        resolve({
          status: response.statusCode ?? 0,
          contentType: mediaType(response.headers['content-type']),
          sessionId: firstHeader(response.headers['mcp-session-id']),
          body: decompress(response, firstHeader(response.headers['content-encoding'])),
        });
      });
      // Counted once the request exists (creating it throws on a bad header value).
      this.active++;
      const timer = call.timeoutMs === undefined ? undefined : setTimeout(() => request.destroy(new Error(`no response within ${call.timeoutMs} ms`)), call.timeoutMs);
      request.on('error', (error) => {
        if (timer) clearTimeout(timer);
        reject(error);
      });
      // 'close' comes after the response body's end, or after an error or abort: the call is over.
      request.on('close', release);
      request.end(call.body);
    });
  }

  /** Calls started and not finished (response body not yet read to its end). */
  get callsUnderWay(): number {
    return this.active;
  }

  /** Closes the connections now, calls under way included. */
  close(): void {
    this.retired = true;
    this.agent.destroy();
  }

  /** Closes the connections once no call is under way (at once when none is). */
  closeWhenIdle(): void {
    this.retired = true;
    if (this.active === 0) this.agent.destroy();
  }
}

/** Reads a whole body as text, up to `limit` bytes. */
export async function readText(body: Readable, limit = MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limit) {
      body.destroy();
      throw new Error(`response body larger than ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The start of a body, for error messages (reading errors only shorten it). */
export async function bodySnippet(body: Readable, max = 512): Promise<string> {
  const text = await readText(body).catch(() => '');
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Drains and drops a body so its connection can be reused. */
export function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.resume();
}

/**
 * The JSON-RPC messages of a response, as they arrive: one JSON document, or one per SSE event
 * (events without a JSON-RPC message, such as priming events, are skipped).
 */
export async function* readMessages(response: BackendResponse): AsyncGenerator<BackendMessage> {
  if (response.contentType !== 'text/event-stream') {
    for (const message of parseJsonRpcMessages(await readText(response.body))) yield { message };
    return;
  }
  // A message may be as large on a stream as in a JSON body, and no larger.
  const reader = new SseReader({ sseLineBytes: MAX_BODY_BYTES, sseEventBytes: MAX_BODY_BYTES });
  const drain = function* (events: SseEvent[]): Generator<BackendMessage> {
    for (const event of events) {
      if (event.event !== undefined && event.event !== 'message') continue;
      for (const message of parseJsonRpcMessages(event.data)) yield { message, ...(event.id ? { eventId: event.id } : {}) };
    }
  };
  for await (const chunk of response.body) {
    yield* drain(reader.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))).events);
  }
  yield* drain(reader.end().events);
}

function decompress(response: http.IncomingMessage, encoding: string | undefined): Readable {
  const make = encoding ? DECODERS[encoding.trim().toLowerCase()] : undefined;
  if (!make) return response;
  const decoder = make();
  response.on('error', (error) => decoder.destroy(error));
  // A reader that stops early destroys the decoder only: the response must go too, or it stays
  // paused mid-body, its connection held and its call never over (see closeWhenIdle).
  decoder.on('close', () => {
    if (!response.complete) response.destroy();
  });
  return response.pipe(decoder);
}

const DECODERS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

function mediaType(value: string | undefined): string {
  return (value ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;
