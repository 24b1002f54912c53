import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { isRecord } from '../../common/json-guards.js';

/**
 * Envoy's ext_proc protos and the files they import, shipped in the package next to `dist/`
 * (this file compiles to `dist/extproc/`), so the lookup never depends on the working directory.
 */
const PROTO_DIR = fileURLToPath(new URL('../../../extproc/proto', import.meta.url));

/**
 * Loads Envoy's ExternalProcessor service definition from `extproc/proto` (provenance in its
 * README: data-plane-api, cncf/xds and protoc-gen-validate files, the two ext_proc files with the
 * FULL_DUPLEX_STREAMED additions response streams use). The loader options must match the ones
 * used to generate `extproc/generated` (keepCase, enums and longs as strings, oneofs).
 */
export function loadExtProcService(): ServiceDefinition {
  const definition = loadSync('envoy/service/ext_proc/v3/external_processor.proto', {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
    includeDirs: [PROTO_DIR],
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
