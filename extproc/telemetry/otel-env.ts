/**
 * The OTEL_* settings traces and metrics share: whether the SDK is disabled, the OTLP protocol
 * of a signal, and the resource every export carries.
 */
import { detectResources, envDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { AigwError } from '../../common/errors.js';

type Env = Partial<Record<string, string>>;

export type OtlpProtocol = 'grpc' | 'http/json' | 'http/protobuf';

export function otelSdkDisabled(env: Env): boolean {
  return env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
}

/** OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf (the OTel default). */
export function otlpProtocol(env: Env, signal: 'TRACES' | 'METRICS'): OtlpProtocol {
  const variable = env[`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`] ? `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL` : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = (env[variable] || 'http/protobuf').trim();
  if (protocol === 'grpc' || protocol === 'http/json' || protocol === 'http/protobuf') return protocol;
  throw new AigwError('ENV', `${variable} must be grpc, http/protobuf or http/json, got ${JSON.stringify(protocol)}`);
}

/** `service.name=ai-gateway` (as upstream), overridden by OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES. */
export function gatewayResource(): Resource {
  return resourceFromAttributes({ 'service.name': 'ai-gateway' }).merge(detectResources({ detectors: [envDetector] }));
}
