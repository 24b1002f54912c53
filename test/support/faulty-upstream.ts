/**
 * A provider stand-in that misbehaves on request, for the fault suite (test/faults/). Each
 * request says which fault it wants in the `x-fault` header (the gateway forwards it), with
 * `x-fault-*` parameters; a server-wide default applies when the header is absent (e.g. the
 * failing primary of a fallback rule). It speaks the wire format the path asks for: OpenAI
 * (`/v1/chat/completions`), Anthropic (`/v1/messages`) or AWS Bedrock Converse
 * (`/model/<m>/converse[-stream]`), so the same server stands behind backends of every schema.
 *
 * A second upstream of the same rule (a fallback's primary) can listen to another header.
 *
 * Faults: `ok` (a normal answer), `hang` (never answers), `slow` (answers after
 * `x-fault-delay-ms`), `slow-stream` (events `x-fault-delay-ms` apart), `reset-body` (half the
 * JSON body, then a TCP reset), `reset-stream` (`x-fault-events` SSE events, then a reset),
 * `stream-forever` (an event every 50 ms until the peer goes away), `malformed-json`,
 * `malformed-sse`, `truncated-aws` (Bedrock event stream cut inside a frame),
 * `truncated-aws-boundary` (cut cleanly between frames, before `messageStop`), `status`
 * (`x-fault-status` with `retry-after: x-fault-retry-after` and a provider-shaped error body),
 * `huge-line` (the opening event, then one content event whose single SSE line is
 * `x-fault-bytes` long, default 30 MB, written as fast as the peer reads, then the rest of the
 * stream, left open until the peer goes away: Envoy may have read the whole line into its buffers
 * before the gateway gives up on it, and a provider that finished on its own would not show
 * whether the gateway cancels), `headers-then-hang` (200 and stream headers, then nothing).
 *
 * It records when each request arrived and when its connection went away (so tests can check
 * that a client disconnect cancels the upstream request) and counts open sockets.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { encodeAwsEvent } from '../../extproc/translator/aws-event-stream.js';
import { isRecord } from '../../common/json-guards.js';
import { anthropicMessage, anthropicSse, anthropicStreamEvents } from './fake-anthropic.js';
import { converseResponse, converseTextStream } from './fake-bedrock.js';
import { chatCompletionBody, chatCompletionEvents } from './synthetic-openai.js';

export const FAULT_HEADER = 'x-fault';

export type Fault =
  | 'ok'
  | 'hang'
  | 'slow'
  | 'slow-stream'
  | 'reset-body'
  | 'reset-stream'
  | 'stream-forever'
  | 'malformed-json'
  | 'malformed-sse'
  | 'truncated-aws'
  | 'truncated-aws-boundary'
  | 'status'
  | 'huge-line'
  | 'headers-then-hang';

const FAULTS: ReadonlySet<string> = new Set<Fault>([
  'ok',
  'hang',
  'slow',
  'slow-stream',
  'reset-body',
  'reset-stream',
  'stream-forever',
  'malformed-json',
  'malformed-sse',
  'truncated-aws',
  'truncated-aws-boundary',
  'status',
  'huge-line',
  'headers-then-hang',
]);

export interface FaultSpec {
  fault: Fault;
  /** `slow`: before the headers; `slow-stream`: between events. */
  delayMs?: number;
  /** `reset-stream`: events sent before the reset (default 2); `slow-stream`: content events (default 4). */
  events?: number;
  /** `status`: the status (default 503). */
  status?: number;
  /** `status`: the `retry-after` header value. */
  retryAfter?: string;
  /** `huge-line`: the length of the huge line (default 30 MB). */
  bytes?: number;
}

/**
 * The request headers that ask the faulty upstream for `spec`. `header` is the fault header of
 * the upstream meant (every upstream of a fallback rule gets the same request headers).
 */
export function faultHeaders(spec: FaultSpec, header = FAULT_HEADER): Record<string, string> {
  const headers: Record<string, string> = { [header]: spec.fault };
  if (spec.delayMs !== undefined) headers[`${header}-delay-ms`] = String(spec.delayMs);
  if (spec.events !== undefined) headers[`${header}-events`] = String(spec.events);
  if (spec.status !== undefined) headers[`${header}-status`] = String(spec.status);
  if (spec.retryAfter !== undefined) headers[`${header}-retry-after`] = spec.retryAfter;
  if (spec.bytes !== undefined) headers[`${header}-bytes`] = String(spec.bytes);
  return headers;
}

export interface FaultyRequest {
  fault: Fault;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  receivedAt: number;
  /** When the connection of this request closed before the answer was complete (performance.now()). */
  abortedAt?: number;
  /** Resolves when the request's response finished or its connection went away. */
  done: Promise<void>;
}

export interface FaultyUpstream {
  readonly port: number;
  readonly requests: FaultyRequest[];
  /** Sockets currently open to this server. */
  readonly openSockets: number;
  /** Resolves with the next request to arrive. */
  nextRequest(): Promise<FaultyRequest>;
  close(): Promise<void>;
}

type Format = 'openai' | 'anthropic' | 'bedrock';

const MODEL = 'fault-model';

/**
 * @param defaults the fault of requests that do not name one.
 * @param header the request header this upstream takes its fault from (default `x-fault`).
 */
export async function startFaultyUpstream(defaults: FaultSpec = { fault: 'ok' }, header = FAULT_HEADER): Promise<FaultyUpstream> {
  const requests: FaultyRequest[] = [];
  const sockets = new Set<Socket>();
  const waiters: ((request: FaultyRequest) => void)[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, run: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
      let spec: FaultSpec;
      try {
        spec = specOf(headers, defaults, header);
      } catch (error) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
        return;
      }
      let settle: () => void = () => undefined;
      const record: FaultyRequest = {
        fault: spec.fault,
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0] ?? '',
        headers,
        body: Buffer.concat(chunks),
        receivedAt: performance.now(),
        done: new Promise<void>((resolve) => (settle = resolve)),
      };
      res.once('close', () => {
        if (!res.writableFinished) record.abortedAt = performance.now();
        settle();
      });
      requests.push(record);
      for (const waiter of waiters.splice(0)) waiter(record);
      answer(record, spec, req, res, later);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('faulty upstream: no port');
  return {
    port: address.port,
    requests,
    get openSockets() {
      return sockets.size;
    },
    nextRequest: () => new Promise<FaultyRequest>((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function specOf(headers: Record<string, string>, defaults: FaultSpec, header: string): FaultSpec {
  const fault = headers[header];
  if (fault === undefined) return defaults;
  if (!isFault(fault)) throw new Error(`faulty upstream: unknown fault ${fault}`);
  const number = (name: string): number | undefined => (headers[name] !== undefined ? Number(headers[name]) : undefined);
  return {
    fault,
    ...defined('delayMs', number(`${header}-delay-ms`)),
    ...defined('events', number(`${header}-events`)),
    ...defined('status', number(`${header}-status`)),
    ...defined('retryAfter', headers[`${header}-retry-after`]),
    ...defined('bytes', number(`${header}-bytes`)),
  };
}

function isFault(value: string): value is Fault {
  return FAULTS.has(value);
}

function defined<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  const out: Partial<Record<K, V>> = {};
  if (value !== undefined) out[key] = value;
  return out;
}

function formatOf(path: string): Format {
  if (path.startsWith('/model/')) return 'bedrock';
  if (path.endsWith('/messages')) return 'anthropic';
  return 'openai';
}

function wantsStream(format: Format, request: FaultyRequest): boolean {
  if (format === 'bedrock') return request.path.endsWith('/converse-stream');
  try {
    const parsed: unknown = JSON.parse(request.body.toString('utf8'));
    return isRecord(parsed) && parsed.stream === true;
  } catch {
    return false;
  }
}

/** The whole (non-streamed) success body. */
function successBody(format: Format): { contentType: string; body: string } {
  switch (format) {
    case 'openai':
      return {
        contentType: 'application/json',
        body: chatCompletionBody({ model: MODEL, includeUsage: false }, { contentChunks: ['fine'], usage: { promptTokens: 3, completionTokens: 1 }, embeddingDimensions: 0 }),
      };
    case 'anthropic':
      return {
        contentType: 'application/json',
        body: JSON.stringify(anthropicMessage({ id: 'msg_fault', model: MODEL, content: [{ type: 'text', text: 'fine' }], stopReason: 'end_turn', usage: { input_tokens: 3, output_tokens: 1 } })),
      };
    case 'bedrock':
      return {
        contentType: 'application/json',
        body: JSON.stringify(converseResponse([{ text: 'fine' }], 'end_turn', { inputTokens: 3, outputTokens: 1 })),
      };
  }
}

/** The events of a streamed success, as wire chunks. */
function successEvents(format: Format, pieces: string[]): { contentType: string; events: (string | Buffer)[] } {
  switch (format) {
    case 'openai':
      return {
        contentType: 'text/event-stream',
        events: chatCompletionEvents({ model: MODEL, includeUsage: true }, { contentChunks: pieces, usage: { promptTokens: 3, completionTokens: pieces.length }, embeddingDimensions: 0 }),
      };
    case 'anthropic':
      return {
        contentType: 'text/event-stream',
        events: anthropicSse(anthropicStreamEvents({ id: 'msg_fault', model: MODEL, blocks: [{ type: 'text', pieces }], stopReason: 'end_turn', usage: { input_tokens: 3, output_tokens: pieces.length } })),
      };
    case 'bedrock':
      return { contentType: 'application/vnd.amazon.eventstream', events: converseTextStream(pieces, 'end_turn', { inputTokens: 3, outputTokens: pieces.length }) };
  }
}

/** One more content event of an endless stream. */
function contentEvent(format: Format, text: string): string | Buffer {
  switch (format) {
    case 'openai':
      return `data: ${JSON.stringify({ id: 'chatcmpl-fault', object: 'chat.completion.chunk', created: 1, model: MODEL, choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;
    case 'anthropic':
      return `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })}\n\n`;
    case 'bedrock':
      return encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text } });
  }
}

function errorBody(format: Format, status: number): string {
  const message = `provider says ${status}`;
  switch (format) {
    case 'openai':
      return JSON.stringify({ error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'server_error', param: null, code: null } });
    case 'anthropic':
      return JSON.stringify({ type: 'error', error: { type: status === 429 ? 'rate_limit_error' : 'overloaded_error', message } });
    case 'bedrock':
      return JSON.stringify({ message });
  }
}

function answer(request: FaultyRequest, spec: FaultSpec, req: IncomingMessage, res: ServerResponse, later: (ms: number, run: () => void) => void): void {
  const format = formatOf(request.path);
  const stream = wantsStream(format, request);
  const reset = (): void => {
    req.socket.resetAndDestroy();
  };
  const sendOk = (): void => {
    if (stream) {
      const { contentType, events } = successEvents(format, ['all', ' is', ' fine']);
      res.writeHead(200, { 'content-type': contentType });
      for (const event of events) res.write(event);
      res.end();
      return;
    }
    const { contentType, body } = successBody(format);
    res.writeHead(200, { 'content-type': contentType, ...(format === 'bedrock' ? { 'x-amzn-requestid': 'req-fault' } : {}) }).end(body);
  };
  switch (spec.fault) {
    case 'ok':
      sendOk();
      return;
    case 'hang':
      return; // Never answers; the connection stays open until the peer (or close()) ends it.
    case 'slow':
      later(spec.delayMs ?? 500, () => {
        if (!res.destroyed) sendOk();
      });
      return;
    case 'slow-stream': {
      const words = spec.events !== undefined ? Array.from({ length: spec.events }, (_, i) => ` w${i}`) : ['slow', 'ly', ' but', ' surely'];
      const { contentType, events } = successEvents(format, words);
      res.writeHead(200, { 'content-type': contentType });
      res.flushHeaders();
      const next = (index: number): void => {
        if (res.destroyed) return;
        const event = events[index];
        if (event === undefined) {
          res.end();
          return;
        }
        res.write(event);
        later(spec.delayMs ?? 200, () => next(index + 1));
      };
      next(0);
      return;
    }
    case 'reset-body': {
      const { contentType, body } = successBody(format);
      res.writeHead(200, { 'content-type': contentType, 'content-length': String(body.length) });
      res.write(body.slice(0, Math.floor(body.length / 2)));
      later(50, reset);
      return;
    }
    case 'reset-stream': {
      const { contentType, events } = successEvents(format, ['one', ' two', ' three', ' four', ' five', ' six']);
      res.writeHead(200, { 'content-type': contentType });
      for (const event of events.slice(0, spec.events ?? 2)) res.write(event);
      later(100, reset);
      return;
    }
    case 'stream-forever': {
      const { contentType, events } = successEvents(format, ['start']);
      res.writeHead(200, { 'content-type': contentType });
      // The opening event(s) only, then content until the peer goes away.
      res.write(events[0] ?? '');
      let count = 0;
      const tick = (): void => {
        if (res.destroyed) return;
        res.write(contentEvent(format, ` tick${count++}`));
        later(50, tick);
      };
      tick();
      return;
    }
    case 'malformed-json':
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"broken","choices":[{"message":{"content":"cut');
      return;
    case 'malformed-sse':
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(successEvents(format, ['ok']).events[0] ?? '');
      res.write('data: {"this is": not json at all\n\n');
      res.end(format === 'openai' ? 'data: [DONE]\n\n' : '');
      return;
    case 'truncated-aws':
    case 'truncated-aws-boundary': {
      const frames = converseTextStream(['cut', ' short'], 'end_turn', { inputTokens: 3, outputTokens: 2 });
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-truncated' });
      // messageStart and both deltas; then half of contentBlockStop, or nothing more.
      for (const frame of frames.slice(0, 3)) res.write(frame);
      const cut = frames[3];
      if (spec.fault === 'truncated-aws' && cut) res.write(cut.subarray(0, Math.floor(cut.length / 2)));
      res.end();
      return;
    }
    case 'huge-line': {
      const { contentType, events } = successEvents(format, ['huge']);
      res.writeHead(200, { 'content-type': contentType });
      res.write(events[0] ?? '');
      void writeHugeLine(res, format, spec.bytes ?? 30_000_000).then(() => {
        if (res.destroyed) return;
        for (const event of events.slice(1)) res.write(event);
        // Left open (see above); ended after a while so a gateway that never cancels fails the test, not hangs it.
        const timer = setTimeout(() => res.end(), HUGE_LINE_HOLD_MS);
        res.once('close', () => clearTimeout(timer));
      });
      return;
    }
    case 'headers-then-hang':
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      return; // Nothing more, until the peer goes away.
    case 'status': {
      const status = spec.status ?? 503;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (spec.retryAfter !== undefined) headers['retry-after'] = spec.retryAfter;
      if (format === 'bedrock') headers['x-amzn-errortype'] = status === 429 ? 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/' : 'ServiceUnavailableException:http://internal.amazon.com/coral/com.amazon.bedrock/';
      res.writeHead(status, headers).end(errorBody(format, status));
      return;
    }
  }
}

/** How long a `huge-line` response stays open after its last event, waiting for the gateway to cancel it. */
const HUGE_LINE_HOLD_MS = 20_000;

/**
 * One content event whose SSE line is `bytes` long (OpenAI: a chunk's content; Anthropic: a
 * text delta), or for Bedrock one event-stream frame of `bytes` (its prelude says so; the rest is
 * filler), written in 64 KiB pieces as fast as the peer reads them.
 */
async function writeHugeLine(res: ServerResponse, format: Format, bytes: number): Promise<void> {
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(bytes, 0);
  const head = format === 'bedrock' ? prelude : format === 'anthropic' ? 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"' : 'data: {"id":"chatcmpl-fault","object":"chat.completion.chunk","created":1,"model":"fault-model","choices":[{"index":0,"delta":{"content":"';
  const tail = format === 'bedrock' ? '' : format === 'anthropic' ? '"}}\n\n' : '"},"finish_reason":null}]}\n\n';
  const piece = Buffer.alloc(64 * 1024, 'x');
  res.write(head);
  for (let written = head.length; written < bytes && !res.destroyed; written += piece.length) {
    if (!res.write(piece.subarray(0, Math.min(piece.length, bytes - written)))) {
      await new Promise<void>((resolve) => {
        const go = (): void => {
          res.off('drain', go).off('close', go);
          resolve();
        };
        res.once('drain', go).once('close', go);
      });
    }
  }
  if (!res.destroyed && tail !== '') res.write(tail);
}
