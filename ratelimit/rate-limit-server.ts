import { chmod, rm } from 'node:fs/promises';
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import type { Logger } from '../common/logger.js';
import { loadRateLimitService } from './load-rate-limit-service.js';
import { InvalidRateLimitRequest, parseRateLimitRequest } from './rate-limit-request.js';
import { rateLimitResponse, type RateLimitResponseMessage } from './rate-limit-response.js';
import { RateLimitStoreUnavailable, type RateLimiter } from './rate-limiter.js';

export interface RateLimitServer {
  close(): Promise<void>;
}

/**
 * Serves `RateLimitService/ShouldRateLimit` on a Unix socket private to the user (0600), as the
 * ext_proc socket: Envoy's rate-limit filter is the only client. A store failure is a gRPC
 * UNAVAILABLE (Envoy then allows, or denies with `failure_mode_deny`); a malformed request is
 * INVALID_ARGUMENT.
 */
export async function startRateLimitServer(socketPath: string, limiter: RateLimiter, logger?: Logger): Promise<RateLimitServer> {
  const server = new Server({ 'grpc.enable_channelz': 0 });
  server.addService(loadRateLimitService(), {
    ShouldRateLimit: (call: ServerUnaryCall<unknown, RateLimitResponseMessage>, callback: sendUnaryData<RateLimitResponseMessage>) => {
      void answer(limiter, call.request, logger).then((result) => (result.ok ? callback(null, result.response) : callback({ code: result.code, details: result.details })));
    },
  });
  // A socket left by a killed run would make the bind fail; the run directory is per run.
  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix://${socketPath}`, ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve()));
  });
  await chmod(socketPath, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 2000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}

type Answer = { ok: true; response: RateLimitResponseMessage } | { ok: false; code: status; details: string };

async function answer(limiter: RateLimiter, message: unknown, logger: Logger | undefined): Promise<Answer> {
  try {
    return { ok: true, response: rateLimitResponse(await limiter.shouldRateLimit(parseRateLimitRequest(message))) };
  } catch (error) {
    if (error instanceof InvalidRateLimitRequest) return { ok: false, code: status.INVALID_ARGUMENT, details: error.message };
    if (error instanceof RateLimitStoreUnavailable) return { ok: false, code: status.UNAVAILABLE, details: error.message };
    logger?.error(`rate-limit service: ${error instanceof Error ? error.message : String(error)}`);
    return { ok: false, code: status.INTERNAL, details: 'rate-limit service error' };
  }
}
