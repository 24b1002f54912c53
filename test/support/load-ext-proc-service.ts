import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadEnvoyService } from './load-envoy-service.js';

/**
 * Loads Envoy's ExternalProcessor service definition from `extproc/proto` (data-plane-api,
 * cncf/xds and protoc-gen-validate files, the two ext_proc files with the FULL_DUPLEX_STREAMED
 * additions response streams use).
 */
export function loadExtProcService(): ServiceDefinition {
  return loadEnvoyService('envoy/service/ext_proc/v3/external_processor.proto', 'envoy.service.ext_proc.v3.ExternalProcessor', 'Process');
}
