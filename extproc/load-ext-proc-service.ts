import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { isRecord } from './json-guards.js';

/** The proto overlay, shipped next to `dist/` (this file compiles to `dist/extproc/`). */
const OVERLAY_DIR = fileURLToPath(new URL('../../extproc/proto', import.meta.url));

/**
 * Loads Envoy's ExternalProcessor service definition. The protos ship inside
 * @grpc/grpc-js-xds (the only npm package carrying Envoy's API); the loader options must match
 * the ones used to generate `extproc/generated` (keepCase, enums and longs as strings, oneofs).
 * `extproc/proto` comes first: it overlays the two ext_proc files with the FULL_DUPLEX_STREAMED
 * additions that grpc-js-xds's 2024 snapshot lacks (response streams use that mode).
 */
export function loadExtProcService(): ServiceDefinition {
  const require = createRequire(import.meta.url);
  const deps = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  const definition = loadSync('envoy/service/ext_proc/v3/external_processor.proto', {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
    includeDirs: [OVERLAY_DIR, ...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => path.join(deps, dir))],
  });
  const service = lookup(loadPackageDefinition(definition), ['envoy', 'service', 'ext_proc', 'v3', 'ExternalProcessor', 'service']);
  if (!isServiceDefinition(service)) throw new Error('ExternalProcessor service not found in the Envoy protos');
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
  return isRecord(value) && isRecord(value.Process) && value.Process.path === '/envoy.service.ext_proc.v3.ExternalProcessor/Process';
}
