import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { isRecord } from '../../common/json-guards.js';

/** The vendored Envoy protos (extproc/proto; this file compiles to `dist/test/support/`). */
const PROTO_DIR = fileURLToPath(new URL('../../../extproc/proto', import.meta.url));

import { SHOULD_RATE_LIMIT_PATH } from '../../ratelimit/rate-limit-server.js';

/**
 * Envoy's `envoy.service.ratelimit.v3.RateLimitService` from `extproc/proto` (the descriptor's
 * `hits_addend` comes from the overlay there), with the generic protobuf codec: what tests check
 * the service's own wire codec (ratelimit/rate-limit-wire.ts) against, and what the test client
 * speaks. Loader options as for the ext_proc service: keepCase, enums and longs as strings, no
 * defaults (an absent field stays undefined).
 */
export function loadRateLimitService(): ServiceDefinition {
  const definition = loadSync('envoy/service/ratelimit/v3/rls.proto', {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
    includeDirs: [PROTO_DIR],
  });
  const service = lookup(loadPackageDefinition(definition), ['envoy', 'service', 'ratelimit', 'v3', 'RateLimitService', 'service']);
  if (!isServiceDefinition(service)) throw new Error('RateLimitService not found in the Envoy protos');
  return service;
}

function lookup(root: unknown, keys: string[]): unknown {
  let current: unknown = root;
  for (const key of keys) {
    if ((typeof current !== 'object' || current === null) && typeof current !== 'function') return undefined;
    const next: unknown = Object.getOwnPropertyDescriptor(current, key)?.value;
    current = next;
  }
  return current;
}

function isServiceDefinition(value: unknown): value is ServiceDefinition {
  return isRecord(value) && isRecord(value.ShouldRateLimit) && value.ShouldRateLimit.path === SHOULD_RATE_LIMIT_PATH;
}
