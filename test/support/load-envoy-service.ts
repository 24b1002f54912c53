import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { isRecord } from '../../common/json-guards.js';

/**
 * The vendored Envoy protos and the files they import, shipped in the package next to `dist/`
 * (this file compiles to `dist/extproc/server/`), so the lookup never depends on the working directory.
 */
const PROTO_DIR = fileURLToPath(new URL('../../../extproc/proto', import.meta.url));

/**
 * Loads a gRPC service definition from `extproc/proto` (provenance in its README) with the loader
 * options `extproc/generated` was generated with: keepCase, enums and longs as strings, oneofs, no
 * defaults (an absent field stays undefined). `service` is its fully qualified name; the load
 * fails unless `method` is there with the expected path.
 */
export function loadEnvoyService(protoFile: string, service: string, method: string): ServiceDefinition {
  const definition = loadSync(protoFile, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
    includeDirs: [PROTO_DIR],
  });
  const found = lookup(loadPackageDefinition(definition), [...service.split('.'), 'service']);
  const expectedPath = `/${service}/${method}`;
  if (!isServiceDefinition(found, method, expectedPath)) throw new Error(`${service} not found in the Envoy protos`);
  return found;
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

function isServiceDefinition(value: unknown, method: string, path: string): value is ServiceDefinition {
  if (!isRecord(value)) return false;
  const definition = value[method];
  return isRecord(definition) && definition.path === path;
}
