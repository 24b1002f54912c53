import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadEnvoyService } from './load-envoy-service.js';

/**
 * Envoy's `envoy.service.ratelimit.v3.RateLimitService` from `extproc/proto` (the descriptor's
 * `hits_addend` comes from the overlay there), with the generic protobuf codec: what tests check
 * the service's own wire codec (ratelimit/rate-limit-wire.ts) against, and what the test client
 * speaks.
 */
export function loadRateLimitService(): ServiceDefinition {
  return loadEnvoyService('envoy/service/ratelimit/v3/rls.proto', 'envoy.service.ratelimit.v3.RateLimitService', 'ShouldRateLimit');
}
