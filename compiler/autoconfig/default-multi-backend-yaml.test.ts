// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';

import { isRecord } from '../../extproc/json-guards.js';
import { compileConfig } from '../compile-config.js';
import { ConfigError } from '../diagnostic.js';
import { AWS_BEDROCK_NOTE, defaultMultiBackendYaml } from './default-multi-backend-yaml.js';

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
function routing(env: Env): string[] {
  const { yaml } = defaultMultiBackendYaml(env);
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
    const { yaml, notes } = defaultMultiBackendYaml(env);
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
    const { yaml, notes } = defaultMultiBackendYaml({});
    assert.deepEqual(notes, ['OpenAI backend left out: OPENAI_API_KEY is not set', 'Tetrate Agent Router Service backend left out: TARS_API_KEY is not set', AWS_BEDROCK_NOTE]);
    assert.deepEqual(names(yaml, 'Backend'), ['ollama']);
    assert.deepEqual(names(yaml, 'Secret'), []);
    assert.deepEqual(names(yaml, 'BackendSecurityPolicy'), []);
    assert.deepEqual(routing({}), ['aigw-backend-selector=ollama -> default/ollama', 'x-ai-eg-model=mistral:latest -> default/ollama']);
  });

  it('OpenAI only (empty TARS_API_KEY counts as unset)', () => {
    const env = { OPENAI_API_KEY: 'k', TARS_API_KEY: '' };
    const { yaml, notes } = defaultMultiBackendYaml(env);
    assert.deepEqual(notes, ['Tetrate Agent Router Service backend left out: TARS_API_KEY is not set', AWS_BEDROCK_NOTE]);
    assert.deepEqual(names(yaml, 'AIServiceBackend'), ['openai', 'ollama']);
    assert.equal(routing(env).length, 4);
  });

  it('TARS only', () => {
    const env = { TARS_API_KEY: 't' };
    const { yaml } = defaultMultiBackendYaml(env);
    assert.deepEqual(names(yaml, 'Backend'), ['tars', 'ollama']);
    assert.ok(!yaml.includes('gpt-4o-mini'));
    assert.equal(routing(env).length, 3);
  });

  it('never routes to AWS Bedrock (no AWSCredentials support yet)', () => {
    const { yaml } = defaultMultiBackendYaml({ OPENAI_API_KEY: 'k', TARS_API_KEY: 't' });
    assert.ok(!yaml.includes('AWSCredentials'));
    assert.ok(!yaml.includes('bedrock-runtime'));
    assert.ok(!yaml.includes('value: aws'));
  });

  it('honours ENVOY_VERSION and the OTEL access-log variables', () => {
    const env = { OPENAI_API_KEY: 'k', ENVOY_VERSION: '1.35.0', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317' };
    const { yaml } = defaultMultiBackendYaml(env);
    assert.match(yaml, /envoyVersion: "1.35.0"/);
    assert.deepEqual(names(yaml, 'Backend'), ['openai', 'ollama', 'otel']);
    compile(yaml, env);
  });
});
