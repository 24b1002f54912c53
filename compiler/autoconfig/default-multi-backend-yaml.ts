// SPDX-License-Identifier: Apache-2.0
//
// The older `aigw run` page's built-in default (seed 001): one gateway in front of OpenAI,
// Tetrate Agent Router Service, AWS Bedrock and Ollama, selected by the `aigw-backend-selector`
// header regardless of the model, else by model name. Backends whose credentials are absent
// are left out, each with a note. AWS Bedrock is always left out: its credentials
// (~/.aws/credentials, BackendSecurityPolicy type AWSCredentials) are not supported by aigw run yet.
import { otelLogConfig } from './otel-log-config.js';
import {
  LICENSE_HEADER,
  LLM_REQUEST_COSTS,
  apiKeySecret,
  backendDocument,
  backendSecurityPolicy,
  backendTlsPolicy,
  clientTrafficPolicy,
  envoyProxy,
  gatewayDocuments,
  routeHead,
  type BackendData,
} from './render-config.js';
import { plain } from './yaml-scalar.js';

interface DefaultBackend {
  /** Backend, AIServiceBackend and `aigw-backend-selector` value. */
  name: string;
  label: string;
  host: string;
  port: number;
  tls: boolean;
  /** The API key variable; none for Ollama. */
  keyVariable?: string;
  /** Models routed here when no selector header is given. */
  models: string[];
}

const BACKENDS: readonly DefaultBackend[] = [
  { name: 'openai', label: 'OpenAI', host: 'api.openai.com', port: 443, tls: true, keyVariable: 'OPENAI_API_KEY', models: ['gpt-4o-mini'] },
  { name: 'tars', label: 'Tetrate Agent Router Service', host: 'api.router.tetrate.ai', port: 443, tls: true, keyVariable: 'TARS_API_KEY', models: [] },
  // https://github.com/ollama/ollama/blob/main/docs/faq.md#how-can-i-expose-ollama-on-my-network
  { name: 'ollama', label: 'Ollama', host: 'localhost', port: 11434, tls: false, models: ['mistral:latest'] },
];

export const AWS_BEDROCK_NOTE =
  'AWS Bedrock (us-east-1) backend left out: aigw run does not support AWS credentials (~/.aws/credentials, BackendSecurityPolicy type AWSCredentials) yet, ' +
  'so "aigw-backend-selector: aws" and the model us.meta.llama3-2-1b-instruct-v1:0 are not routed';

/**
 * The built-in multi-backend default (no provider variable set). The YAML keeps `${OPENAI_API_KEY}`
 * and `${TARS_API_KEY}` placeholders; the caller runs envsubst. Throws AutoconfigError only for
 * invalid OTEL_* access-log variables.
 */
export function defaultMultiBackendYaml(env: Readonly<Record<string, string | undefined>>): { yaml: string; notes: string[] } {
  const notes: string[] = [];
  const enabled = BACKENDS.filter((backend) => {
    if (backend.keyVariable === undefined || (env[backend.keyVariable] ?? '') !== '') return true;
    notes.push(`${backend.label} backend left out: ${backend.keyVariable} is not set`);
    return false;
  });
  notes.push(AWS_BEDROCK_NOTE);
  const otel = otelLogConfig(env);

  const out = [
    ...LICENSE_HEADER,
    '',
    '# Default configuration of aigw run: one gateway on port 1975 in front of several backends.',
    '#',
    ...BACKENDS.map((backend) =>
      enabled.includes(backend)
        ? `# * ${backend.label} (${backend.host}:${backend.port})${backend.keyVariable ? `: API key from ${backend.keyVariable}` : ''}`
        : `# * ${backend.label}: left out, ${backend.keyVariable ?? ''} is not set`,
    ),
    '# * AWS Bedrock (us-east-1): left out, aigw run does not support AWS credentials yet',
    '#',
    '# The header `aigw-backend-selector: <backend>` selects a backend regardless of the model;',
    '# without it, the "model" field of the request selects the backend.',
    ...gatewayDocuments(),
    ...envoyProxy({ debug: false, envoyVersion: env.ENVOY_VERSION ?? '', otel: otel.otel }),
    '',
    '---',
    ...route(enabled),
  ];
  const backends: BackendData[] = enabled.map((backend) => ({ name: backend.name, host: backend.host, isIp: false, port: backend.port, needsTls: backend.tls, telemetry: false }));
  if (otel.backend) backends.push(otel.backend);
  for (const backend of backends) out.push(...backendDocument(backend));
  for (const backend of enabled) out.push(...aiServiceBackend(backend.name));
  for (const backend of enabled) if (backend.tls) out.push(...backendTlsPolicy(backend.name, backend.host));
  out.push(...clientTrafficPolicy());
  for (const backend of enabled) if (backend.keyVariable !== undefined) out.push(...apiKeySecret(`${backend.name}-apikey`, backend.keyVariable), ...backendSecurityPolicy(`${backend.name}-apikey`, backend.name, 'APIKey', 'apiKey'));
  return { yaml: `${out.join('\n')}\n`, notes };
}

function route(enabled: DefaultBackend[]): string[] {
  const out = [...routeHead('aigateway.envoyproxy.io/v1beta1', 'AIGatewayRoute', 'aigw-run'), '  rules:'];
  const rule = (comment: string, header: string, value: string, backend: string): string[] => [
    `    # ${comment}`,
    '    - matches:',
    '        - headers:',
    '            - type: Exact',
    `              name: ${header}`,
    `              value: ${plain(value)}`,
    '      backendRefs:',
    `        - name: ${backend}`,
    '          namespace: default',
    '      timeouts:',
    '        request: 120s',
  ];
  for (const backend of enabled) out.push(...rule(`"aigw-backend-selector: ${backend.name}" routes to ${backend.label} regardless of the model.`, 'aigw-backend-selector', backend.name, backend.name));
  for (const backend of enabled) {
    for (const model of backend.models) out.push(...rule(`The model ${model} is served by ${backend.label}.`, 'x-ai-eg-model', model, backend.name));
  }
  out.push(...LLM_REQUEST_COSTS, '---');
  return out;
}

function aiServiceBackend(name: string): string[] {
  return [
    'apiVersion: aigateway.envoyproxy.io/v1beta1',
    'kind: AIServiceBackend',
    'metadata:',
    `  name: ${name}`,
    '  namespace: default',
    'spec:',
    '  schema:',
    '    name: OpenAI',
    '  backendRef:',
    `    name: ${name}`,
    '    kind: Backend',
    '    group: gateway.envoyproxy.io',
    '    namespace: default',
    '---',
  ];
}
