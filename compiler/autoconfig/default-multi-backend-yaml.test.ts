// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';

import { isRecord } from '../../common/json-guards.js';
import { compileConfig } from '../compile-config.js';
import { ConfigError } from '../diagnostic.js';
import { awsCredentialsAvailable } from './aws-credentials-available.js';
import { AWS_BEDROCK_NOTE, defaultMultiBackendYaml, OPENAI_NOTE, TARS_NOTE, type DefaultBackendOptions } from './default-multi-backend-yaml.js';

const NO_AWS: DefaultBackendOptions = { awsCredentials: false };

type Env = Readonly<Record<string, string | undefined>>;

function compile(yaml: string, env: Env): ReturnType<typeof compileConfig> {
  try {
    return compileConfig(yaml, { file: 'default.yaml', env, extProcSocketPath: '/run/aigw/extproc.sock', systemCaFile: '/etc/ssl/certs/ca-certificates.crt' });
  } catch (error) {
    if (error instanceof ConfigError) assert.fail(`default config does not compile:\n${error.message}`);
    throw error;
  }
}

function names(yaml: string, kind: string): string[] {
  return parseAllDocuments(yaml)
    .map((document) => {
      const value: unknown = document.toJS();
      return value;
    })
    .filter((doc) => isRecord(doc) && doc.kind === kind)
    .map((doc) => (isRecord(doc) && isRecord(doc.metadata) && typeof doc.metadata.name === 'string' ? doc.metadata.name : ''));
}

/** Each rule as `header=value -> backend`. */
function routing(env: Env, options: DefaultBackendOptions = NO_AWS): string[] {
  const { yaml } = defaultMultiBackendYaml(env, options);
  const compiled = compile(yaml, env);
  const route = compiled.model.routes[0];
  assert.ok(route);
  return route.rules.map((rule) => {
    const match = rule.matches[0]?.[0];
    // Backend names are `<namespace>/<AIServiceBackend>/route/...`.
    return `${match?.name ?? ''}=${match?.value ?? ''} -> ${rule.refs.map((ref) => ref.backend.name.split('/').slice(0, 2).join('/')).join(',')}`;
  });
}

describe('defaultMultiBackendYaml', () => {
  it('everything available: OpenAI, TARS and Ollama by selector header, then by model', () => {
    const env = { OPENAI_API_KEY: 'sk-o', TARS_API_KEY: 'sk-t' };
    const { yaml, notes } = defaultMultiBackendYaml(env, NO_AWS);
    assert.deepEqual(notes, [AWS_BEDROCK_NOTE]);
    assert.deepEqual(names(yaml, 'Backend'), ['openai', 'tars', 'ollama']);
    assert.deepEqual(names(yaml, 'BackendTLSPolicy'), ['openai-tls', 'tars-tls']);
    assert.deepEqual(names(yaml, 'Secret'), ['openai-apikey', 'tars-apikey']);
    assert.match(yaml, /apiKey: \$\{OPENAI_API_KEY\}/);
    assert.match(yaml, /apiKey: \$\{TARS_API_KEY\}/);
    assert.ok(!yaml.includes('sk-o') && !yaml.includes('sk-t'), 'secrets stay placeholders');
    assert.match(yaml, /hostname: api\.router\.tetrate\.ai\n {8}port: 443/);
    assert.match(yaml, /hostname: localhost\n {8}port: 11434/);
    assert.deepEqual(routing(env), [
      'aigw-backend-selector=openai -> default/openai',
      'aigw-backend-selector=tars -> default/tars',
      'aigw-backend-selector=ollama -> default/ollama',
      'x-ai-eg-model=gpt-4o-mini -> default/openai',
      'x-ai-eg-model=mistral:latest -> default/ollama',
    ]);
  });

  it('no keys: Ollama only, one note per missing backend', () => {
    const { yaml, notes } = defaultMultiBackendYaml({}, NO_AWS);
    assert.deepEqual(notes, [OPENAI_NOTE, TARS_NOTE, AWS_BEDROCK_NOTE]);
    assert.deepEqual(names(yaml, 'Backend'), ['ollama']);
    assert.deepEqual(names(yaml, 'Secret'), []);
    assert.deepEqual(names(yaml, 'BackendSecurityPolicy'), []);
    assert.deepEqual(routing({}), ['aigw-backend-selector=ollama -> default/ollama', 'x-ai-eg-model=mistral:latest -> default/ollama']);
  });

  it('OpenAI only (empty TARS_API_KEY counts as unset)', () => {
    const env = { OPENAI_API_KEY: 'k', TARS_API_KEY: '' };
    const { yaml, notes } = defaultMultiBackendYaml(env, NO_AWS);
    assert.deepEqual(notes, [TARS_NOTE, AWS_BEDROCK_NOTE]);
    assert.deepEqual(names(yaml, 'AIServiceBackend'), ['openai', 'ollama']);
    assert.equal(routing(env).length, 4);
  });

  it('TARS only', () => {
    const env = { TARS_API_KEY: 't' };
    const { yaml } = defaultMultiBackendYaml(env, NO_AWS);
    assert.deepEqual(names(yaml, 'Backend'), ['tars', 'ollama']);
    assert.ok(!yaml.includes('gpt-4o-mini'));
    assert.equal(routing(env).length, 3);
  });

  it('without AWS credentials, AWS Bedrock is left out and not routed', () => {
    const { yaml } = defaultMultiBackendYaml({ OPENAI_API_KEY: 'k', TARS_API_KEY: 't' }, NO_AWS);
    assert.ok(!yaml.includes('AWSCredentials'));
    assert.ok(!yaml.includes('bedrock-runtime.us-east-1.amazonaws.com\n'));
    assert.ok(!yaml.includes('value: aws'));
  });

  it('with AWS credentials, AWS Bedrock (us-east-1) by selector and by its Llama model, signed by the default chain', () => {
    const env = { TARS_API_KEY: 't' };
    const { yaml, notes } = defaultMultiBackendYaml(env, { awsCredentials: true });
    assert.ok(!notes.includes(AWS_BEDROCK_NOTE));
    assert.deepEqual(names(yaml, 'Backend'), ['tars', 'aws', 'ollama']);
    assert.deepEqual(names(yaml, 'BackendTLSPolicy'), ['tars-tls', 'aws-tls']);
    assert.deepEqual(names(yaml, 'BackendSecurityPolicy'), ['tars-apikey', 'aws-credentials']);
    assert.match(yaml, /type: AWSCredentials\n {2}awsCredentials:\n {4}region: us-east-1\n/);
    assert.match(yaml, /kind: AIServiceBackend\nmetadata:\n {2}name: aws\n {2}namespace: default\nspec:\n {2}schema:\n {4}name: AWSBedrock/);
    assert.deepEqual(routing(env, { awsCredentials: true }), [
      'aigw-backend-selector=tars -> default/tars',
      'aigw-backend-selector=aws -> default/aws',
      'aigw-backend-selector=ollama -> default/ollama',
      'x-ai-eg-model=us.meta.llama3-2-1b-instruct-v1:0 -> default/aws',
      'x-ai-eg-model=mistral:latest -> default/ollama',
    ]);
    const compiled = compile(yaml, env);
    const aws = compiled.filterConfig.backends.find((backend) => backend.aiServiceBackend === 'default/aws');
    assert.deepEqual(aws?.auth, { type: 'AWSCredentials', region: 'us-east-1' });
    assert.equal(aws?.host, 'bedrock-runtime.us-east-1.amazonaws.com');
  });

  it('all (--show-default): every backend of the default with placeholders, nothing left out, whatever is set', () => {
    const { yaml, notes } = defaultMultiBackendYaml({}, { awsCredentials: false, all: true });
    assert.deepEqual(notes, []);
    assert.deepEqual(names(yaml, 'Backend'), ['openai', 'tars', 'aws', 'ollama']);
    assert.match(yaml, /apiKey: \$\{OPENAI_API_KEY\}/);
    assert.match(yaml, /apiKey: \$\{TARS_API_KEY\}/);
    assert.deepEqual(routing({ OPENAI_API_KEY: 'k', TARS_API_KEY: 't' }, { awsCredentials: false, all: true }), [
      'aigw-backend-selector=openai -> default/openai',
      'aigw-backend-selector=tars -> default/tars',
      'aigw-backend-selector=aws -> default/aws',
      'aigw-backend-selector=ollama -> default/ollama',
      'x-ai-eg-model=gpt-4o-mini -> default/openai',
      'x-ai-eg-model=us.meta.llama3-2-1b-instruct-v1:0 -> default/aws',
      'x-ai-eg-model=mistral:latest -> default/ollama',
    ]);
    // The notes say which variable does what: OPENAI_API_KEY switches the whole configuration.
    assert.match(OPENAI_NOTE, /replaces the whole default with a single-provider configuration/);
    assert.match(TARS_NOTE, /Setting it adds the backend/);
  });

  it('AWS credentials are found in the environment or the shared files, as the AWS SDKs look', () => {
    const none = (): boolean => false;
    assert.equal(awsCredentialsAvailable({ HOME: '/h' }, none), false);
    assert.equal(awsCredentialsAvailable({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's' }, none), true);
    assert.equal(awsCredentialsAvailable({ AWS_ACCESS_KEY_ID: 'a' }, none), false);
    assert.equal(awsCredentialsAvailable({ HOME: '/h' }, (path) => path === '/h/.aws/credentials'), true);
    assert.equal(awsCredentialsAvailable({ HOME: '/h' }, (path) => path === '/h/.aws/config'), true);
    assert.equal(awsCredentialsAvailable({ HOME: '/h', AWS_SHARED_CREDENTIALS_FILE: '/x/creds' }, (path) => path === '/x/creds'), true);
  });

  it('honours ENVOY_VERSION and the OTEL access-log variables', () => {
    const env = { OPENAI_API_KEY: 'k', ENVOY_VERSION: '1.35.0', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317' };
    const { yaml } = defaultMultiBackendYaml(env, NO_AWS);
    assert.match(yaml, /envoyVersion: "1.35.0"/);
    assert.deepEqual(names(yaml, 'Backend'), ['openai', 'ollama', 'otel']);
    compile(yaml, env);
  });
});
