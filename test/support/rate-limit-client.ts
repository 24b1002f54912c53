/**
 * A gRPC client of the rate-limit service, as Envoy's filter calls it: `ShouldRateLimit` over a
 * Unix socket, with a deadline (a test never waits longer than `deadlineMs`).
 */
import { credentials, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadRateLimitService } from './rate-limit-proto.js';

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
          (value: object) => method.requestSerialize(withByteValues(value)),
          (buffer: Buffer): unknown => method.responseDeserialize(buffer),
          request,
          { deadline: Date.now() + deadlineMs },
          (error: ServiceError | null, response?: unknown) => resolve(error ? { error } : { response }),
        );
      }),
    close: () => client.close(),
  };
}

/**
 * Entry values as Envoy sends them: bytes (aigw's proto overlay declares `value` as `bytes`, so
 * protobufjs would read a string as base64); a string is sent as its UTF-8.
 */
function withByteValues(request: object): object {
  const descriptors: unknown = (request as { descriptors?: unknown }).descriptors;
  if (!Array.isArray(descriptors)) return request;
  return {
    ...request,
    descriptors: descriptors.map((descriptor: unknown) => {
      const entries: unknown = (descriptor as { entries?: unknown } | null)?.entries;
      if (!Array.isArray(entries)) return descriptor;
      return {
        ...(descriptor as object),
        entries: entries.map((entry: unknown) => {
          const value: unknown = (entry as { value?: unknown } | null)?.value;
          return typeof value === 'string' ? { ...(entry as object), value: Buffer.from(value, 'utf8') } : entry;
        }),
      };
    }),
  };
}
