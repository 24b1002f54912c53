/**
 * An `aigw run` configuration with one AIGatewayRoute rule per test backend, picked by the
 * `x-test-backend` request header (as upstream's data-plane tests do), so one gateway can serve
 * every provider schema, credential type and fallback in a single run.
 */
import { stringify } from 'yaml';
import { gatewayDocuments } from './gateway-config-yaml.js';

export const BACKEND_SELECTOR_HEADER = 'x-test-backend';

export interface TestBackend {
  /** AIServiceBackend/Backend name and the `x-test-backend` value that selects it. */
  name: string;
  schema: { name: string; prefix?: string; version?: string };
  port: number;
  /** Reach the upstream as the hostname `localhost` (Envoy then sends `Host: localhost`, as for a real provider hostname). */
  fqdn?: boolean;
  /** BackendSecurityPolicy spec without targetRefs (e.g. `{type: 'APIKey', apiKey: {secretRef: {name: 'x'}}}`). */
  security?: Record<string, unknown>;
  /** Secrets to create: name → stringData. */
  secrets?: Record<string, Record<string, string>>;
  modelNameOverride?: string;
  /** A priority-0 backend on this port that fails first (Envoy retries 5xx on this one). */
  failingPrimaryPort?: number;
  /** The rule's `timeouts.request` (e.g. `1s`); Envoy's route timeout. */
  requestTimeout?: string;
  /** The rule's `streamIdleTimeout` (e.g. `1s`). */
  streamIdleTimeout?: string;
  /** AIServiceBackend-level header/body mutations. */
  headerMutation?: Record<string, unknown>;
  bodyMutation?: Record<string, unknown>;
}

export interface ProviderGatewayOptions {
  models?: string[];
  /** Statuses the fallback retry policy retries on (default [500]). */
  retryStatusCodes?: number[];
  /** The fallback retry policy's per-attempt timeout (default 10s). */
  perRetryTimeout?: string;
  /** The fallback retry policy's triggers (default connect-failure, retriable-status-codes). */
  retryTriggers?: string[];
}

export function providerGatewayYaml(port: number, backends: TestBackend[], options: ProviderGatewayOptions = {}): string {
  const name = 'aigw-run';
  const documents: Record<string, unknown>[] = [
    ...gatewayDocuments(name, port, true),
    {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'AIGatewayRoute',
      metadata: { name, namespace: 'default' },
      spec: {
        parentRefs: [{ name, kind: 'Gateway', group: 'gateway.networking.k8s.io' }],
        rules: backends.map((backend) => ({
          matches: [{ headers: [{ type: 'Exact', name: BACKEND_SELECTOR_HEADER, value: backend.name }] }],
          backendRefs: [
            ...(backend.failingPrimaryPort !== undefined ? [{ name: `${backend.name}-failing`, priority: 0 }] : []),
            {
              name: backend.name,
              ...(backend.failingPrimaryPort !== undefined ? { priority: 1 } : {}),
              ...(backend.modelNameOverride !== undefined ? { modelNameOverride: backend.modelNameOverride } : {}),
            },
          ],
          ...(backend.requestTimeout !== undefined ? { timeouts: { request: backend.requestTimeout } } : {}),
          ...(backend.streamIdleTimeout !== undefined ? { streamIdleTimeout: backend.streamIdleTimeout } : {}),
        })),
        llmRequestCosts: [
          { metadataKey: 'llm_input_token', type: 'InputToken' },
          { metadataKey: 'llm_output_token', type: 'OutputToken' },
          { metadataKey: 'llm_total_token', type: 'TotalToken' },
        ],
      },
    },
  ];
  const models = options.models ?? [];
  if (models.length > 0) {
    // Models listed by GET /v1/models come from Exact x-ai-eg-model matches.
    const route = documents[3];
    if (route && typeof route.spec === 'object' && route.spec !== null && 'rules' in route.spec && Array.isArray(route.spec.rules)) {
      route.spec.rules.push(
        ...models.map((model) => ({ matches: [{ headers: [{ type: 'Exact', name: 'x-ai-eg-model', value: model }] }], backendRefs: [{ name: backends[0]?.name ?? '' }] })),
      );
    }
  }
  for (const backend of backends) {
    documents.push(...backendDocuments(backend.name, backend.schema, backend.port, backend.fqdn === true, backend));
    if (backend.failingPrimaryPort !== undefined) {
      documents.push(...backendDocuments(`${backend.name}-failing`, { name: 'OpenAI' }, backend.failingPrimaryPort, false, {}));
    }
    if (backend.security) {
      documents.push({
        apiVersion: 'aigateway.envoyproxy.io/v1beta1',
        kind: 'BackendSecurityPolicy',
        metadata: { name: `${backend.name}-security`, namespace: 'default' },
        spec: { targetRefs: [{ group: 'aigateway.envoyproxy.io', kind: 'AIServiceBackend', name: backend.name }], ...backend.security },
      });
    }
    for (const [secretName, stringData] of Object.entries(backend.secrets ?? {})) {
      documents.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName, namespace: 'default' }, type: 'Opaque', stringData });
    }
  }
  if (backends.some((backend) => backend.failingPrimaryPort !== undefined)) {
    documents.push({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'BackendTrafficPolicy',
      metadata: { name: 'provider-fallback', namespace: 'default' },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name }],
        retry: {
          numAttemptsPerPriority: 1,
          numRetries: 5,
          perRetry: { backOff: { baseInterval: '10ms', maxInterval: '100ms' }, timeout: options.perRetryTimeout ?? '10s' },
          retryOn: { httpStatusCodes: options.retryStatusCodes ?? [500], triggers: options.retryTriggers ?? ['connect-failure', 'retriable-status-codes'] },
        },
      },
    });
  }
  return documents.map((document) => stringify(document)).join('---\n');
}

function backendDocuments(
  name: string,
  schema: TestBackend['schema'],
  port: number,
  fqdn: boolean,
  mutations: Pick<TestBackend, 'headerMutation' | 'bodyMutation'>,
): Record<string, unknown>[] {
  return [
    {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'AIServiceBackend',
      metadata: { name, namespace: 'default' },
      spec: {
        schema,
        backendRef: { name, kind: 'Backend', group: 'gateway.envoyproxy.io' },
        ...(mutations.headerMutation ? { headerMutation: mutations.headerMutation } : {}),
        ...(mutations.bodyMutation ? { bodyMutation: mutations.bodyMutation } : {}),
      },
    },
    {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'Backend',
      metadata: { name, namespace: 'default' },
      spec: { endpoints: [fqdn ? { fqdn: { hostname: 'localhost', port } } : { ip: { address: '127.0.0.1', port } }] },
    },
  ];
}
