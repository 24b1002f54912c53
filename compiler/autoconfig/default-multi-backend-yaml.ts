// SPDX-License-Identifier: Apache-2.0
//
// The built-in default of upstream's earlier `aigw run` (the "Default Proxy" its docs described
// before zero-config replaced it): one gateway in front of OpenAI,
// Tetrate Agent Router Service, AWS Bedrock and Ollama, selected by the `aigw-backend-selector`
// header regardless of the model, else by model name. Backends whose credentials are absent
// are left out, each with a note. AWS Bedrock signs with the AWS default credential chain
// (~/.aws/credentials, AWS_* variables) at request time, so the YAML holds no AWS secret.
import { isIP } from 'node:net';
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
import { AigwError } from '../../common/errors.js';

interface DefaultBackend {
  /** Backend, AIServiceBackend and `aigw-backend-selector` value. */
  name: string;
  label: string;
  host: string;
  port: number;
  tls: boolean;
  /** The API key variable; none for Ollama and AWS. */
  keyVariable?: string;
  /** AWS Bedrock: SigV4 with the default credential chain, schema AWSBedrock. */
  aws?: { region: string };
  /** Models routed here when no selector header is given. */
  models: string[];
}

const BACKENDS: readonly DefaultBackend[] = [
  { name: 'openai', label: 'OpenAI', host: 'api.openai.com', port: 443, tls: true, keyVariable: 'OPENAI_API_KEY', models: ['gpt-4o-mini'] },
  { name: 'tars', label: 'Tetrate Agent Router Service', host: 'api.router.tetrate.ai', port: 443, tls: true, keyVariable: 'TARS_API_KEY', models: [] },
  {
    name: 'aws',
    label: 'AWS Bedrock (us-east-1)',
    host: 'bedrock-runtime.us-east-1.amazonaws.com',
    port: 443,
    tls: true,
    aws: { region: 'us-east-1' },
    models: ['us.meta.llama3-2-1b-instruct-v1:0'],
  },
  // https://github.com/ollama/ollama/blob/main/docs/faq.md#how-can-i-expose-ollama-on-my-network
  { name: 'ollama', label: 'Ollama', host: 'localhost', port: 11434, tls: false, models: ['mistral:latest'] },
];

export const AWS_BEDROCK_NOTE =
  'AWS Bedrock (us-east-1) backend left out: no AWS credentials found. AWS credentials add it (model us.meta.llama3-2-1b-instruct-v1:0, header "aigw-backend-selector: aws"): ~/.aws/credentials or ~/.aws/config (or the files AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE name), or AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY';

/**
 * Why OpenAI is not in the default that runs: aigw only gets here when OPENAI_API_KEY is unset,
 * because setting it selects upstream's single-provider autoconfig (autoconfig-yaml.ts) instead
 * of this default. Said in full, since "set OPENAI_API_KEY" alone would mislead.
 */
export const OPENAI_NOTE =
  'OpenAI backend left out: OPENAI_API_KEY is not set. Setting it does not add OpenAI to this default: it replaces the whole default with a single-provider configuration for OpenAI (or for the OpenAI-compatible service at OPENAI_BASE_URL), as AZURE_OPENAI_API_KEY does for Azure OpenAI and ANTHROPIC_API_KEY for Anthropic. For OpenAI next to the other backends, save "aigw run --show-default" to a file and run that file with OPENAI_API_KEY set';

export const TARS_NOTE =
  'Tetrate Agent Router Service backend left out: TARS_API_KEY is not set. Setting it adds the backend (header "aigw-backend-selector: tars") and keeps the others';

/** What the caller found on this machine (the template itself reads no files). */
export interface DefaultBackendOptions {
  /** Whether AWS credentials are available (see `awsCredentialsAvailable`). */
  awsCredentials: boolean;
  /**
   * Every backend, whatever is set (`aigw run --show-default`): the whole default to copy and
   * edit, with `${VAR}` placeholders. Pass an empty environment with it for output that does
   * not depend on this machine.
   */
  all?: boolean;
}

/**
 * The built-in multi-backend default (no provider variable set). The YAML keeps `${OPENAI_API_KEY}`
 * and `${TARS_API_KEY}` placeholders; the caller runs envsubst. Throws a CONFIG AigwError only for
 * invalid OTEL_* access-log variables.
 */
export function defaultMultiBackendYaml(env: Readonly<Record<string, string | undefined>>, options: DefaultBackendOptions): { yaml: string; notes: string[] } {
  const notes: string[] = [];
  const backendsHere = BACKENDS.map((backend) => (backend.aws ? withAwsEndpoint(backend, env) : backend));
  const enabled = backendsHere.filter((backend) => {
    if (options.all) return true;
    if (backend.aws) {
      if (options.awsCredentials) return true;
      notes.push(AWS_BEDROCK_NOTE);
      return false;
    }
    if (backend.keyVariable === undefined || (env[backend.keyVariable] ?? '') !== '') return true;
    notes.push(backend.keyVariable === 'OPENAI_API_KEY' ? OPENAI_NOTE : TARS_NOTE);
    return false;
  });
  const otel = otelLogConfig(env);

  const out = [
    ...LICENSE_HEADER,
    '',
    '# Default configuration of aigw run: one gateway on port 1975 in front of several backends.',
    '#',
    ...backendsHere.map((backend) => (enabled.includes(backend) ? `# * ${backend.label} (${backend.host}:${backend.port})${credentialNote(backend)}` : `# * ${backend.label}: left out, ${missingNote(backend)}`)),
    '#',
    '# The header `aigw-backend-selector: <backend>` selects a backend regardless of the model;',
    '# without it, the "model" field of the request selects the backend.',
    ...gatewayDocuments(),
    ...envoyProxy({ debug: false, envoyVersion: env.ENVOY_VERSION ?? '', otel: otel.otel }),
    '',
    '---',
    ...route(enabled),
  ];
  const backends: BackendData[] = enabled.map((backend) => ({ name: backend.name, host: backend.host, isIp: isIP(backend.host) !== 0, port: backend.port, needsTls: backend.tls, telemetry: false }));
  if (otel.backend) backends.push(otel.backend);
  for (const backend of backends) out.push(...backendDocument(backend));
  for (const backend of enabled) out.push(...aiServiceBackend(backend.name, backend.aws ? 'AWSBedrock' : 'OpenAI'));
  for (const backend of enabled) if (backend.tls) out.push(...backendTlsPolicy(backend.name, backend.host));
  out.push(...clientTrafficPolicy());
  for (const backend of enabled) if (backend.keyVariable !== undefined) out.push(...apiKeySecret(`${backend.name}-apikey`, backend.keyVariable), ...backendSecurityPolicy(`${backend.name}-apikey`, backend.name, 'APIKey', 'apiKey'));
  for (const backend of enabled) if (backend.aws) out.push(...awsSecurityPolicy(backend.name, backend.aws.region));
  return { yaml: `${out.join('\n')}\n`, notes };
}

/**
 * The AWS SDKs' service endpoint override (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, else
 * `AWS_ENDPOINT_URL`): a VPC endpoint, a proxy or a local stand-in instead of the public host.
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
 */
function withAwsEndpoint(backend: DefaultBackend, env: Readonly<Record<string, string | undefined>>): DefaultBackend {
  const override = env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME || env.AWS_ENDPOINT_URL;
  if (!override) return backend;
  let url: URL;
  try {
    url = new URL(override);
  } catch {
    const variable = env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME ? 'AWS_ENDPOINT_URL_BEDROCK_RUNTIME' : 'AWS_ENDPOINT_URL';
    throw new AigwError('CONFIG', `invalid ${variable} ${JSON.stringify(override)}: expected a URL such as https://bedrock-runtime.us-east-1.amazonaws.com`);
  }
  const tls = url.protocol === 'https:';
  return { ...backend, host: url.hostname, port: url.port ? Number(url.port) : tls ? 443 : 80, tls };
}

function credentialNote(backend: DefaultBackend): string {
  if (backend.keyVariable) return `: API key from ${backend.keyVariable}`;
  return backend.aws ? ': AWS credentials from the default chain (~/.aws/credentials, AWS_* variables)' : '';
}

function missingNote(backend: DefaultBackend): string {
  return backend.aws ? 'no AWS credentials found' : `${backend.keyVariable ?? ''} is not set`;
}

/**
 * AWSCredentials without a credentials file: aigw signs with the AWS default chain at request
 * time, and the same policy on Kubernetes uses the pod's identity (IRSA, Pod Identity).
 */
function awsSecurityPolicy(target: string, region: string): string[] {
  return backendSecurityPolicy(`${target}-credentials`, target, 'AWSCredentials', 'awsCredentials', [`    region: ${region}`]);
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

function aiServiceBackend(name: string, schema: 'OpenAI' | 'AWSBedrock'): string[] {
  return [
    'apiVersion: aigateway.envoyproxy.io/v1beta1',
    'kind: AIServiceBackend',
    'metadata:',
    `  name: ${name}`,
    '  namespace: default',
    'spec:',
    '  schema:',
    `    name: ${schema}`,
    '  backendRef:',
    `    name: ${name}`,
    '    kind: Backend',
    '    group: gateway.envoyproxy.io',
    '    namespace: default',
    '---',
  ];
}
