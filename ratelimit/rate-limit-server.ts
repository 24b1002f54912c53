import { chmod, rm } from 'node:fs/promises';
import { constants, createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { Logger } from '../common/logger.js';
import { InvalidRateLimitRequest } from './rate-limit-request.js';
import { RateLimitStoreUnavailable, type RateLimiter } from './rate-limiter.js';
import { decodeRateLimitRequest, encodeRateLimitResponse } from './rate-limit-wire.js';

export interface RateLimitServer {
  close(): Promise<void>;
}

/** The one method served (gRPC path of `envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit`). */
const SHOULD_RATE_LIMIT_PATH = '/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit';

/** gRPC status codes the service answers with. */
const GRPC = { OK: 0, INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14 } as const;
type GrpcCode = (typeof GRPC)[keyof typeof GRPC];

/** A RateLimitRequest is a few hundred bytes; anything near this is not Envoy's. */
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** gRPC's length-prefixed message: 1 byte compressed flag, 4 bytes big-endian length. */
const PREFIX_BYTES = 5;

/**
 * Serves `RateLimitService/ShouldRateLimit` on a Unix socket private to the user (0600), as the
 * ext_proc socket: Envoy's rate-limit filter is the only client. gRPC's unary protocol directly
 * on node:http2 with the message codec of rate-limit-wire.ts: two calls per rate-limited request
 * made grpc-js' per-call machinery (interceptors, metadata, generic codec) the largest cost of
 * rate limiting. A store failure is UNAVAILABLE (Envoy then allows, or denies with
 * `failure_mode_deny`); a malformed request is INVALID_ARGUMENT.
 */
export async function startRateLimitServer(socketPath: string, limiter: RateLimiter, logger?: Logger): Promise<RateLimitServer> {
  // Envoy multiplexes every call of a worker on one connection: no per-connection stream cap.
  const server: Http2Server = createServer({ settings: { maxConcurrentStreams: 2 ** 31 - 1 } });
  server.on('stream', (stream, headers) => serveCall(stream, headers, limiter, logger));
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  // A connection Envoy drops mid-call is its business; never the process's.
  server.on('sessionError', () => undefined);
  // A socket left by a killed run would make the bind fail; the run directory is per run.
  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(socketPath, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          for (const session of sessions) session.destroy();
        }, 2000);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        for (const session of sessions) session.close();
      }),
  };
}

function serveCall(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, limiter: RateLimiter, logger: Logger | undefined): void {
  stream.on('error', () => undefined); // a reset by Envoy (its timeout): nothing to answer
  if (headers[':method'] !== 'POST' || headers[':path'] !== SHOULD_RATE_LIMIT_PATH) {
    finish(stream, GRPC.UNIMPLEMENTED, `unknown method ${String(headers[':method'])} ${String(headers[':path'])}`);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_MESSAGE_BYTES + PREFIX_BYTES) chunks.push(chunk);
  });
  stream.on('end', () => {
    if (size > MAX_MESSAGE_BYTES + PREFIX_BYTES) {
      finish(stream, GRPC.RESOURCE_EXHAUSTED, `request larger than ${MAX_MESSAGE_BYTES} bytes`);
      return;
    }
    const frame = chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size);
    void answer(frame, limiter, logger).then((result) => (result.ok ? reply(stream, result.message) : finish(stream, result.code, result.details)));
  });
}

type Answer = { ok: true; message: Buffer } | { ok: false; code: GrpcCode; details: string };

async function answer(frame: Buffer, limiter: RateLimiter, logger: Logger | undefined): Promise<Answer> {
  if (frame.length < PREFIX_BYTES) return { ok: false, code: GRPC.INVALID_ARGUMENT, details: 'no request message' };
  if (frame[0] !== 0) return { ok: false, code: GRPC.UNIMPLEMENTED, details: 'compressed messages are not supported' };
  const length = frame.readUInt32BE(1);
  if (length !== frame.length - PREFIX_BYTES) return { ok: false, code: GRPC.INVALID_ARGUMENT, details: 'expected exactly one request message' };
  try {
    const decision = await limiter.shouldRateLimit(decodeRateLimitRequest(frame.subarray(PREFIX_BYTES)));
    return { ok: true, message: encodeRateLimitResponse(decision) };
  } catch (error) {
    if (error instanceof InvalidRateLimitRequest) return { ok: false, code: GRPC.INVALID_ARGUMENT, details: error.message };
    if (error instanceof RateLimitStoreUnavailable) return { ok: false, code: GRPC.UNAVAILABLE, details: error.message };
    logger?.error(`rate-limit service: ${error instanceof Error ? error.message : String(error)}`);
    return { ok: false, code: GRPC.INTERNAL, details: 'rate-limit service error' };
  }
}

/** 200, the message, then trailers with grpc-status 0. */
function reply(stream: ServerHttp2Stream, message: Buffer): void {
  if (stream.destroyed || stream.closed) return;
  const frame = Buffer.allocUnsafe(PREFIX_BYTES + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, PREFIX_BYTES);
  stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc' }, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(frame);
}

/** A trailers-only answer: the status (and why) in the one HEADERS frame. */
function finish(stream: ServerHttp2Stream, code: GrpcCode, details: string): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  stream.respond(
    { [constants.HTTP2_HEADER_STATUS]: 200, [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc', 'grpc-status': String(code), 'grpc-message': encodeURIComponent(details) },
    { endStream: true },
  );
}
