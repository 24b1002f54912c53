import { chmod, rm } from 'node:fs/promises';
import { constants, createServer, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { ProcessingRequest__Output } from '../generated/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { handleProcessStream, type ProcessCall } from './ext-proc-service.js';
import { decodeProcessingRequest, encodeProcessingResponseFrame, GRPC_PREFIX_BYTES } from './ext-proc-wire.js';
import type { RuntimeConfig } from './runtime-config.js';

/** A running ext_proc gRPC server. */
export interface ExtProcServer {
  readonly serving: boolean;
  close(): Promise<void>;
}

/** The one method served: `envoy.service.ext_proc.v3.ExternalProcessor/Process`, a bidirectional stream. */
const PROCESS_PATH = '/envoy.service.ext_proc.v3.ExternalProcessor/Process';
const GRPC_OK = '0';
const GRPC_INTERNAL = '13';
const GRPC_UNIMPLEMENTED = '12';

/**
 * HTTP/2 flow-control windows. A buffered body (up to the listener's buffer limit, 50 MiB by
 * default) arrives as one message: with HTTP/2's 64 KiB default Envoy would stop every 64 KiB
 * for a WINDOW_UPDATE round trip.
 */
const STREAM_WINDOW_BYTES = 8 * 1024 * 1024;
const SESSION_WINDOW_BYTES = 64 * 1024 * 1024;

/**
 * Serves Envoy's ExternalProcessor on a Unix socket private to the user (0600): anyone who can
 * talk to it can read request bodies and, through Envoy, credentials. gRPC's streaming protocol
 * directly on node:http2 with the message codec of ext-proc-wire.ts: per message, grpc-js' call
 * machinery (interceptors, metadata objects, generic (de)serialisers, stream wrappers) cost as
 * much CPU as the gateway's own work, on a path every LLM request takes two to four times.
 */
export function startExtProcServer(socketPath: string, runtime: () => RuntimeConfig): Promise<ExtProcServer> {
  return startProcessServer(socketPath, (call) => handleProcessStream(call, runtime));
}

/** The transport alone: each `Process` stream to `onCall` (the bench's zero-work processor uses it too). */
export async function startProcessServer(socketPath: string, onCall: (call: ProcessCall) => void): Promise<ExtProcServer> {
  // Envoy multiplexes every stream of a worker on one connection: no per-connection stream cap;
  // maxSessionMemory (MB) is nghttp2's buffering allowance, which 50 MiB bodies would exceed.
  const server = createServer({
    settings: { maxConcurrentStreams: 2 ** 31 - 1, initialWindowSize: STREAM_WINDOW_BYTES },
    maxSessionMemory: 1024,
  });
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    session.once('connect', () => session.setLocalWindowSize(SESSION_WINDOW_BYTES));
  });
  server.on('stream', (stream, headers) => {
    if (headers[':method'] !== 'POST' || headers[':path'] !== PROCESS_PATH) {
      stream.on('error', () => undefined);
      if (!stream.destroyed) {
        stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc', 'grpc-status': GRPC_UNIMPLEMENTED, 'grpc-message': 'unknown method' }, { endStream: true });
      }
      return;
    }
    onCall(new Http2ProcessCall(stream, headers));
  });
  // A connection Envoy drops mid-stream is its business; never the process's.
  server.on('sessionError', () => undefined);
  // A socket file left by a killed run would make the bind fail; nobody can be serving on it
  // because the run directory is unique per run id.
  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(socketPath, 0o600);
  let serving = true;
  return {
    get serving() {
      return serving;
    },
    close: () =>
      new Promise<void>((resolve) => {
        serving = false;
        // In-flight streams get 5 s to finish (as grpc-js' tryShutdown gave them), then the sessions go.
        const force = setTimeout(() => {
          for (const session of sessions) session.destroy();
        }, 5000);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        for (const session of sessions) session.close();
      }),
  };
}

/**
 * One `Process` stream: gRPC length-prefixed messages in both directions, response headers sent
 * with the first answer, trailers (grpc-status) at the end. Messages are decoded as whole frames
 * arrive (a frame may span DATA frames, and one DATA frame may hold several).
 */
class Http2ProcessCall implements ProcessCall {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private respondedHeaders = false;
  private finished = false;
  private messageListener: ((request: ProcessingRequest__Output) => void) | undefined;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly headers: IncomingHttpHeaders,
  ) {
    stream.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  metadata(key: string): string | undefined {
    const value = this.headers[key];
    return typeof value === 'string' ? value : Array.isArray(value) ? value[0] : undefined;
  }

  write(response: ProcessingResponse): void {
    if (this.finished || this.stream.destroyed) return;
    this.respondHeaders();
    this.stream.write(encodeProcessingResponseFrame(response));
  }

  end(): void {
    this.close(GRPC_OK, undefined);
  }

  abort(details: string): void {
    this.close(GRPC_INTERNAL, details);
  }

  onMessage(listener: (request: ProcessingRequest__Output) => void): void {
    this.messageListener = listener;
  }

  onEnd(listener: () => void): void {
    this.stream.once('end', listener);
  }

  onError(listener: () => void): void {
    // 'aborted' is a reset by Envoy (a client gone, a timeout), 'error' a broken connection;
    // 'close' covers any other way the stream went (after a clean end it changes nothing).
    let called = false;
    const once = (): void => {
      if (called) return;
      called = true;
      this.finished = true;
      listener();
    };
    this.stream.on('aborted', once);
    this.stream.on('error', once);
    this.stream.on('close', () => {
      if (!this.finished) once();
    });
  }

  private respondHeaders(): void {
    if (this.respondedHeaders) return;
    this.respondedHeaders = true;
    this.stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc' }, { waitForTrailers: true });
  }

  private close(status: string, details: string | undefined): void {
    if (this.finished || this.stream.destroyed) return;
    this.finished = true;
    const trailers = details === undefined ? { 'grpc-status': status } : { 'grpc-status': status, 'grpc-message': encodeURIComponent(details) };
    if (!this.respondedHeaders) {
      // Trailers-only: the status in the one HEADERS frame.
      this.respondedHeaders = true;
      this.stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc', ...trailers }, { endStream: true });
      return;
    }
    this.stream.once('wantTrailers', () => this.stream.sendTrailers(trailers));
    this.stream.end();
  }

  private receive(chunk: Buffer): void {
    if (this.finished) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= GRPC_PREFIX_BYTES) {
      // Chunks are joined once per message, when all of it is there (never per chunk: a 50 MiB body comes in thousands).
      let head = this.chunks[0];
      if (head === undefined || head.length < GRPC_PREFIX_BYTES) {
        head = Buffer.concat(this.chunks, this.buffered);
        this.chunks = [head];
      }
      if (head[0] !== 0) {
        this.abort('compressed messages are not supported');
        return;
      }
      const total = GRPC_PREFIX_BYTES + head.readUInt32BE(1);
      if (this.buffered < total) return;
      const data = this.chunks.length === 1 ? head : Buffer.concat(this.chunks, this.buffered);
      const rest = data.subarray(total);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      let request: ProcessingRequest__Output;
      try {
        request = decodeProcessingRequest(data.subarray(GRPC_PREFIX_BYTES, total));
      } catch (error) {
        this.abort(error instanceof Error ? error.message : 'malformed message');
        return;
      }
      this.messageListener?.(request);
    }
  }
}
