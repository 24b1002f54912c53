/**
 * A gRPC client of the rate-limit service, as Envoy's filter calls it: `ShouldRateLimit` over a
 * Unix socket, with a deadline (a test never waits longer than `deadlineMs`).
 */
import { credentials, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadRateLimitService } from '../../ratelimit/load-rate-limit-service.js';

export interface RateLimitReply {
  /** The decoded response (proto-loader object), or undefined with `error`. */
  response?: unknown;
  error?: ServiceError;
}

export interface RateLimitClient {
  shouldRateLimit(request: object, deadlineMs?: number): Promise<RateLimitReply>;
  close(): void;
}

export function rateLimitClient(socketPath: string): RateLimitClient {
  const service = loadRateLimitService();
  const method = service.ShouldRateLimit;
  if (!method) throw new Error('ShouldRateLimit missing from the service definition');
  const Client = makeGenericClientConstructor(service, 'RateLimitService');
  const client = new Client(`unix://${socketPath}`, credentials.createInsecure());
  return {
    shouldRateLimit: (request, deadlineMs = 5000) =>
      new Promise((resolve) => {
        client.makeUnaryRequest(
          method.path,
          (value: object) => method.requestSerialize(value),
          (buffer: Buffer): unknown => method.responseDeserialize(buffer),
          request,
          { deadline: Date.now() + deadlineMs },
          (error: ServiceError | null, response?: unknown) => resolve(error ? { error } : { response }),
        );
      }),
    close: () => client.close(),
  };
}
