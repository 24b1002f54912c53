import { SCHEMA_NAMES, type SchemaName } from '../contract/filter-config.js';
import type { KeyHeader, ProviderDescriptor } from './provider-descriptor.js';

/** Upstream's `APIKey` presentation, kept for every schema that existed upstream. */
const BEARER: KeyHeader = { header: 'authorization', scheme: 'Bearer' };

/** OpenAI-style path prefix: `/v1/chat/completions` unless the backend says otherwise. */
const V1_PREFIX = { field: 'prefix', defaultPrefix: 'v1' } as const;

/**
 * Every backend schema, described once. Adding a schema to `SCHEMA_NAMES` fails the build here
 * until it is described; the CRD enum (`crds/aigateway.envoyproxy.io_aiservicebackends.yaml`) is
 * checked against these keys by providers.test.ts.
 */
export const PROVIDERS: Readonly<Record<SchemaName, ProviderDescriptor>> = {
  OpenAI: { otelName: 'openai', addressing: V1_PREFIX, wire: 'openai', apiKey: BEARER, credentialHeaders: ['authorization'] },
  AzureOpenAI: {
    otelName: 'azure.openai',
    addressing: { field: 'version', missingWarning: 'no api-version: Azure OpenAI requires one (e.g. 2024-10-21); requests will fail' },
    wire: 'azure-openai',
    apiKey: BEARER,
    // `ocp-apim-subscription-key` when Azure API Management fronts the deployment.
    credentialHeaders: ['authorization', 'api-key', 'ocp-apim-subscription-key'],
  },
  AWSBedrock: { otelName: 'aws.bedrock', addressing: { field: 'version' }, wire: 'aws-bedrock', apiKey: BEARER, credentialHeaders: ['authorization', 'x-amz-security-token'] },
  AWSAnthropic: { otelName: 'aws.anthropic', addressing: { field: 'version' }, wire: 'aws-anthropic', apiKey: BEARER, credentialHeaders: ['authorization', 'x-amz-security-token'] },
  GCPVertexAI: { otelName: 'gcp.vertex_ai', addressing: { field: 'version' }, wire: 'gcp-vertexai', apiKey: BEARER, credentialHeaders: ['authorization', 'x-goog-api-key'] },
  GCPAnthropic: { otelName: 'gcp.anthropic', addressing: { field: 'version' }, wire: 'gcp-anthropic', apiKey: BEARER, credentialHeaders: ['authorization', 'x-goog-api-key'] },
  Anthropic: { otelName: 'anthropic', addressing: V1_PREFIX, wire: 'anthropic', apiKey: BEARER, credentialHeaders: ['authorization', 'x-api-key'] },
  Cohere: { otelName: 'cohere', addressing: { field: 'version' }, wire: 'cohere', apiKey: BEARER, credentialHeaders: ['authorization'] },
};

/** One value per schema, computed from its descriptor (a translator row, a label, …). */
export function mapProviders<T>(value: (schema: SchemaName, provider: ProviderDescriptor) => T): Record<SchemaName, T> {
  // Object.fromEntries widens the keys to string; they are SCHEMA_NAMES, i.e. every SchemaName.
  return Object.fromEntries(SCHEMA_NAMES.map((schema) => [schema, value(schema, PROVIDERS[schema])])) as Record<SchemaName, T>;
}
