/**
 * A complete `aigw run` configuration (Envoy AI Gateway resources) routing OpenAI-style
 * requests for the given models to one OpenAI-compatible backend at 127.0.0.1:<upstreamPort>,
 * with a JSON access log on stdout that carries the gen_ai fields tests assert on. Modelled on
 * upstream's examples/aigw/ollama.yaml.
 */
import { stringify } from 'yaml';

export interface GatewayConfigOptions {
  /** Gateway listener port. */
  port: number;
  upstreamPort: number;
  upstreamAddress?: string;
  /** Sent upstream as `Authorization: Bearer <apiKey>`; null leaves out the security policy. */
  apiKey?: string | null;
  /** One route rule per model (Exact match on x-ai-eg-model). */
  models?: string[];
  /** Name of the AIServiceBackend/Backend, reported as the access log's `backend`. */
  backendName?: string;
  /** AIServiceBackend schema prefix (path before `chat/completions`); the gateway's default is `v1`. */
  schemaPrefix?: string;
  /** Route rule request timeout, e.g. `120s`. */
  requestTimeout?: string;
  /** JSON access log on /dev/stdout (default true); benchmarks may leave it out. */
  accessLog?: boolean;
  /** Further resources appended as YAML documents. */
  extraDocuments?: Record<string, unknown>[];
}

export const DEFAULT_TEST_MODELS = ['gpt-4o-mini'];
export const DEFAULT_TEST_API_KEY = 'sk-aigw-test-key';

/** The access log fields, by name, as Envoy command operators. */
export const ACCESS_LOG_FIELDS = {
  'gen_ai.request.model': '%REQ(X-AI-EG-MODEL)%',
  'gen_ai.usage.input_tokens': '%DYNAMIC_METADATA(io.envoy.ai_gateway:llm_input_token)%',
  'gen_ai.usage.output_tokens': '%DYNAMIC_METADATA(io.envoy.ai_gateway:llm_output_token)%',
  'gen_ai.usage.total_tokens': '%DYNAMIC_METADATA(io.envoy.ai_gateway:llm_total_token)%',
  response_model: '%DYNAMIC_METADATA(io.envoy.ai_gateway:response_model)%',
  backend: '%DYNAMIC_METADATA(io.envoy.ai_gateway:backend_name)%',
  'session.id': '%DYNAMIC_METADATA(io.envoy.ai_gateway:session.id)%',
  method: '%REQ(:METHOD)%',
  'request.path': '%REQ(:PATH)%',
  response_code: '%RESPONSE_CODE%',
  // Why Envoy answered as it did (e.g. ext_proc failure, upstream reset): the first thing to read when a request fails.
  response_flags: '%RESPONSE_FLAGS%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  duration: '%DURATION%',
} as const;

/**
 * GatewayClass, Gateway `name` with one HTTP listener on `port`, and its EnvoyProxy (errors-only
 * Envoy log; with `accessLog`, the JSON access log of ACCESS_LOG_FIELDS on stdout).
 */
export function gatewayDocuments(name: string, port: number, accessLog: boolean): Record<string, unknown>[] {
  return [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name }, spec: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name, namespace: 'default' },
      spec: {
        gatewayClassName: name,
        listeners: [{ name: 'http', protocol: 'HTTP', port }],
        infrastructure: { parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'envoy-ai-gateway' } },
      },
    },
    {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'EnvoyProxy',
      metadata: { name: 'envoy-ai-gateway', namespace: 'default' },
      spec: {
        logging: { level: { default: 'error' } },
        ...(accessLog
          ? { telemetry: { accessLog: { settings: [{ sinks: [{ type: 'File', file: { path: '/dev/stdout' } }], format: { type: 'JSON', json: ACCESS_LOG_FIELDS } }] } } }
          : {}),
      },
    },
  ];
}

export function gatewayConfigYaml(options: GatewayConfigOptions): string {
  const name = 'aigw-run';
  const backend = options.backendName ?? 'openai';
  const models = options.models ?? DEFAULT_TEST_MODELS;
  const apiKey = options.apiKey === undefined ? DEFAULT_TEST_API_KEY : options.apiKey;
  const documents: Record<string, unknown>[] = [
    ...gatewayDocuments(name, options.port, options.accessLog !== false),
    {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'AIGatewayRoute',
      metadata: { name, namespace: 'default' },
      spec: {
        parentRefs: [{ name, kind: 'Gateway', group: 'gateway.networking.k8s.io' }],
        rules: models.map((model) => ({
          matches: [{ headers: [{ type: 'Exact', name: 'x-ai-eg-model', value: model }] }],
          backendRefs: [{ name: backend }],
          ...(options.requestTimeout !== undefined ? { timeouts: { request: options.requestTimeout } } : {}),
        })),
        llmRequestCosts: [
          { metadataKey: 'llm_input_token', type: 'InputToken' },
          { metadataKey: 'llm_output_token', type: 'OutputToken' },
          { metadataKey: 'llm_total_token', type: 'TotalToken' },
        ],
      },
    },
    {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'AIServiceBackend',
      metadata: { name: backend, namespace: 'default' },
      spec: {
        schema: { name: 'OpenAI', ...(options.schemaPrefix !== undefined ? { prefix: options.schemaPrefix } : {}) },
        backendRef: { name: backend, kind: 'Backend', group: 'gateway.envoyproxy.io' },
      },
    },
    {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'Backend',
      metadata: { name: backend, namespace: 'default' },
      spec: { endpoints: [{ ip: { address: options.upstreamAddress ?? '127.0.0.1', port: options.upstreamPort } }] },
    },
  ];
  if (apiKey !== null) {
    documents.push(
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${backend}-apikey`, namespace: 'default' }, type: 'Opaque', stringData: { apiKey } },
      {
        apiVersion: 'aigateway.envoyproxy.io/v1beta1',
        kind: 'BackendSecurityPolicy',
        metadata: { name: `${backend}-apikey`, namespace: 'default' },
        spec: {
          targetRefs: [{ group: 'aigateway.envoyproxy.io', kind: 'AIServiceBackend', name: backend }],
          type: 'APIKey',
          apiKey: { secretRef: { name: `${backend}-apikey` } },
        },
      },
    );
  }
  documents.push(...(options.extraDocuments ?? []));
  return documents.map((document) => stringify(document)).join('---\n');
}
