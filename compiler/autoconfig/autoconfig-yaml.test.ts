// SPDX-License-Identifier: Apache-2.0
//
// Auto-configuration against upstream's goldens (test/fixtures/upstream/autoconfig, one per
// environment combination), upstream's decision logic (OpenAI or Azure before Anthropic, MCP
// servers added first) and error messages, and a compile of every result.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';

import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import { compileConfig } from '../compile-config.js';
import { ConfigError } from '../diagnostic.js';
import { envsubst } from '../envsubst.js';
import { isAigwError } from '../../common/errors.js';
import { autoconfigYaml, type AutoconfigInput } from './autoconfig-yaml.js';
import { missingFixtures, upstreamPath } from '../../test/support/upstream-fixtures.js';

const goldenDir = upstreamPath('autoconfig');
const missing = missingFixtures(goldenDir, upstreamPath('examples', 'aigw', 'ollama.yaml'));

const KEY = { OPENAI_API_KEY: 'sk-test-key' };
const AZURE = { AZURE_OPENAI_API_KEY: 'azure-key', AZURE_OPENAI_ENDPOINT: 'https://my-resource.openai.azure.com', OPENAI_API_VERSION: '2024-02-15-preview' };
const ORG_AND_PROJECT = { OPENAI_ORG_ID: 'org-test123', OPENAI_PROJECT_ID: 'proj_test456' };

/** The environment (and flags) each golden is the output for, read off its content and upstream's config.yaml.tmpl. */
const GOLDEN_INPUTS: Record<string, AutoconfigInput> = {
  'openai.yaml': { env: KEY },
  'openai-ip.yaml': { env: { ...KEY, OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' } },
  'openai-with-org.yaml': { env: { ...KEY, OPENAI_ORG_ID: 'org-test123' } },
  'openai-with-project.yaml': { env: { ...KEY, OPENAI_PROJECT_ID: 'proj_test456' } },
  'openai-with-org-and-project.yaml': { env: { ...KEY, ...ORG_AND_PROJECT } },
  'azure-openai.yaml': { env: AZURE },
  'azure-openai-with-org-and-project.yaml': { env: { ...AZURE, ...ORG_AND_PROJECT } },
  'anthropic.yaml': { env: { ANTHROPIC_API_KEY: 'sk-ant-test' } },
  'tars.yaml': { env: { ...KEY, OPENAI_BASE_URL: 'https://api.router.tetrate.ai/v1' } },
  'openrouter.yaml': { env: { ...KEY, OPENAI_BASE_URL: 'https://openrouter.ai/api/v1' } },
  'llamastack.yaml': { env: { ...KEY, OPENAI_BASE_URL: 'http://localhost:8321/v1/openai/v1' } },
  'debug.yaml': { env: { ...KEY, ENVOY_VERSION: '1.35.0' }, debug: true },
  'kiwi.yaml': { env: {}, mcpServers: { mcpServers: { kiwi: { type: 'http', url: 'https://mcp.kiwi.com' } } } },
  'openai-github.yaml': {
    env: KEY,
    mcpServers: {
      mcpServers: {
        github: {
          type: 'http',
          url: 'https://api.githubcopilot.com/mcp/x/issues/readonly',
          headers: { Authorization: 'Bearer ${GITHUB_MCP_TOKEN}' },
          includeTools: ['issue_read', 'list_issues'],
        },
      },
    },
  },
  'openai-otel.yaml': {
    env: {
      ...KEY,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel-collector.monitoring',
      OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=ApiKey fake-key',
      OTEL_RESOURCE_ATTRIBUTES: 'service.version=1.2.3,deployment.environment=production',
      OTEL_SERVICE_NAME: 'ai-gateway-service',
    },
  },
  'openai-otel-ip.yaml': { env: { ...KEY, OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317' } },
};

/**
 * Goldens that upstream's template test renders from hand-built data rather than from readConfig.
 * openai-github lists the OpenAI Backend before the MCP one; `aigw run` adds MCP servers first
 * (and renders MCP Backends before the provider's), so only the document order differs.
 */
const ORDER_DIFFERS = new Set(['openai-github.yaml']);

function documents(text: string): unknown[] {
  return parseAllDocuments(text).map((document) => {
    assert.equal(document.errors.length, 0, document.errors.map((e) => e.message).join('; '));
    const value: unknown = document.toJS();
    return value;
  }).filter((value) => value !== null);
}

function findKind(docs: unknown[], kind: string): JsonRecord | undefined {
  return docs.find((doc): doc is JsonRecord => isRecord(doc) && doc.kind === kind);
}

/** The value at a path of object keys, or undefined. */
function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) current = isRecord(current) ? current[key] : undefined;
  return current;
}

function sortKey(value: unknown): string {
  return JSON.stringify(value);
}

function compile(yaml: string, env: AutoconfigInput['env']): void {
  try {
    compileConfig(yaml, { file: 'autoconfig.yaml', env, extProcSocketPath: '/run/aigw/extproc.sock', systemCaFile: '/etc/ssl/certs/ca-certificates.crt' });
  } catch (error) {
    if (error instanceof ConfigError) assert.fail(`generated config does not compile:\n${error.message}`);
    throw error;
  }
}

function expectError(input: AutoconfigInput, message: string): void {
  assert.throws(
    () => autoconfigYaml(input),
    (error: unknown) => {
      assert.ok(isAigwError(error, 'CONFIG'), String(error));
      assert.equal(error.message, message);
      return true;
    },
  );
}

describe('autoconfigYaml: upstream goldens', { skip: missing }, () => {
  it('has an input for every golden', () => {
    const goldens = readdirSync(goldenDir).filter((name) => name.endsWith('.yaml')).sort();
    assert.deepEqual(goldens, Object.keys(GOLDEN_INPUTS).sort());
  });

  for (const [name, input] of Object.entries(GOLDEN_INPUTS)) {
    it(`${name} is semantically equal`, () => {
      const expected = readFileSync(join(goldenDir, name), 'utf8');
      const { yaml } = autoconfigYaml(input);
      const got = documents(yaml);
      const want = documents(expected);
      if (ORDER_DIFFERS.has(name)) {
        assert.deepEqual([...got].sort((a, b) => sortKey(a).localeCompare(sortKey(b))), [...want].sort((a, b) => sortKey(a).localeCompare(sortKey(b))));
      } else {
        // The same objects in the same order; comments are aigw's own.
        assert.deepEqual(got, want);
      }
    });
  }
  it('examples/aigw/ollama.yaml is the output for OPENAI_BASE_URL=http://localhost:11434/v1', () => {
    const ollama = readFileSync(upstreamPath('examples', 'aigw', 'ollama.yaml'), 'utf8');
    assert.deepEqual(documents(autoconfigYaml({ env: { OPENAI_API_KEY: 'unused', OPENAI_BASE_URL: 'http://localhost:11434/v1' } }).yaml), documents(ollama));
  });

  for (const [name, input] of Object.entries(GOLDEN_INPUTS)) {
    it(`${name}: the generated config compiles`, () => compile(autoconfigYaml(input).yaml, input.env));
  }
});

describe('autoconfigYaml: secrets stay placeholders', () => {
  it('keeps ${OPENAI_API_KEY} until envsubst', () => {
    const { yaml } = autoconfigYaml({ env: { OPENAI_API_KEY: 'sk-secret-value' } });
    assert.ok(!yaml.includes('sk-secret-value'));
    assert.match(yaml, /apiKey: \$\{OPENAI_API_KEY\}/);
    assert.match(envsubst(yaml, { OPENAI_API_KEY: 'sk-secret-value' }), /apiKey: sk-secret-value/);
  });
  it('uses ${AZURE_OPENAI_API_KEY} and ${ANTHROPIC_API_KEY}', () => {
    const azure = autoconfigYaml({ env: { ...AZURE, AZURE_OPENAI_API_KEY: 'az-secret' } }).yaml;
    assert.ok(!azure.includes('az-secret'));
    assert.match(azure, /apiKey: \$\{AZURE_OPENAI_API_KEY\}/);
    const anthropic = autoconfigYaml({ env: { ANTHROPIC_API_KEY: 'ant-secret' } }).yaml;
    assert.ok(!anthropic.includes('ant-secret'));
    assert.match(anthropic, /apiKey: \$\{ANTHROPIC_API_KEY\}/);
  });
  it('inlines the org and project ids (they are not secrets)', () => {
    const { yaml } = autoconfigYaml({ env: { ...KEY, ...ORG_AND_PROJECT } });
    assert.match(yaml, /value: "org-test123"/);
  });
});

describe('autoconfigYaml: decision logic', () => {
  it('Azure wins over OpenAI, with a note', () => {
    const { yaml, notes } = autoconfigYaml({ env: { ...KEY, OPENAI_BASE_URL: 'https://example.com/v1', ...AZURE } });
    assert.match(yaml, /name: AzureOpenAI/);
    assert.match(yaml, /hostname: my-resource\.openai\.azure\.com/);
    assert.ok(!yaml.includes('example.com'));
    assert.ok(notes.some((note) => note.includes('OPENAI_API_KEY and OPENAI_BASE_URL are ignored')));
  });
  it('the Azure endpoint path is ignored; the version is OPENAI_API_VERSION', () => {
    const { yaml } = autoconfigYaml({ env: { ...AZURE, AZURE_OPENAI_ENDPOINT: 'https://r.openai.azure.com/openai/deployments' } });
    assert.match(yaml, /version: "2024-02-15-preview"/);
    assert.ok(!yaml.includes('deployments'));
  });
  it('OpenAI takes precedence over Anthropic (all ANTHROPIC_* ignored)', () => {
    const { yaml, notes } = autoconfigYaml({ env: { ...KEY, ANTHROPIC_API_KEY: 'a', ANTHROPIC_BASE_URL: 'ftp://broken' } });
    assert.ok(!yaml.includes('anthropic'));
    assert.ok(notes.some((note) => note.startsWith('ANTHROPIC_API_KEY is ignored')));
  });
  it('Anthropic base URL: path prefix and port', () => {
    const { yaml } = autoconfigYaml({ env: { ANTHROPIC_API_KEY: 'a', ANTHROPIC_BASE_URL: 'http://10.0.0.5:8080/anthropic/v1' } });
    const docs = documents(yaml);
    assert.ok(docs.some((doc) => JSON.stringify(doc).includes('"ip":{"address":"10.0.0.5","port":8080}')));
    assert.match(yaml, /name: Anthropic\n {4}version: "anthropic\/v1"/);
    assert.ok(!yaml.includes('BackendTLSPolicy'));
  });
  it('empty variables count as unset', () => {
    const { yaml } = autoconfigYaml({ env: { OPENAI_API_KEY: 'k', AZURE_OPENAI_API_KEY: '', OPENAI_BASE_URL: '', OPENAI_ORG_ID: '' } });
    assert.match(yaml, /hostname: api\.openai\.com/);
    assert.ok(!yaml.includes('headerMutation'));
  });
  it('--debug without ENVOY_VERSION: debug levels, no provider', () => {
    const { yaml } = autoconfigYaml({ env: KEY, debug: true });
    assert.match(yaml, /default: debug/);
    assert.match(yaml, /http: info\n {6}ext_proc: info/);
    assert.ok(!yaml.includes('provider:'));
    compile(yaml, KEY);
  });
  it('ENVOY_VERSION alone: provider type Host', () => {
    const { yaml } = autoconfigYaml({ env: { ...KEY, ENVOY_VERSION: '1.36.2' } });
    assert.match(yaml, /provider:\n {4}type: Host\n {4}host:\n {6}envoyVersion: "1.36.2"/);
    assert.match(yaml, /default: error/);
  });
});

describe('autoconfigYaml: base URL parsing (upstream parseURL)', () => {
  const endpoint = (baseUrl: string): { spec: unknown; version: unknown; tls: boolean } => {
    const docs = documents(autoconfigYaml({ env: { ...KEY, OPENAI_BASE_URL: baseUrl } }).yaml);
    const backend = findKind(docs, 'Backend');
    const service = findKind(docs, 'AIServiceBackend');
    const endpoints = field(backend, 'spec', 'endpoints');
    return { spec: Array.isArray(endpoints) ? (endpoints as unknown[])[0] : undefined, version: field(service, 'spec', 'schema', 'version'), tls: findKind(docs, 'BackendTLSPolicy') !== undefined };
  };
  const cases: [string, unknown, unknown, boolean][] = [
    ['https://api.openai.com/v1', { fqdn: { hostname: 'api.openai.com', port: 443 } }, undefined, true],
    ['http://example.com/v1', { fqdn: { hostname: 'example.com', port: 80 } }, undefined, false],
    ['https://custom.ai/v1beta/openai', { fqdn: { hostname: 'custom.ai', port: 443 } }, 'v1beta/openai', true],
    ['https://h/', { fqdn: { hostname: 'h', port: 443 } }, undefined, true],
    ['https://h/v1/', { fqdn: { hostname: 'h', port: 443 } }, 'v1/', true],
    ['https://h/V1', { fqdn: { hostname: 'h', port: 443 } }, 'V1', true],
    ['https://h/v1?x=1#frag', { fqdn: { hostname: 'h', port: 443 } }, undefined, true],
    ['https://API.Example.COM', { fqdn: { hostname: 'API.Example.COM', port: 443 } }, undefined, true],
    ['HTTP://user:pw@10.1.2.3:9000/v1', { ip: { address: '10.1.2.3', port: 9000 } }, undefined, false],
    ['http://[::1]:11434/v1', { ip: { address: '::1', port: 11434 } }, undefined, false],
    ['ftp://h:21/v1', { fqdn: { hostname: 'h', port: 21 } }, undefined, false],
    ['https://h/v%31', { fqdn: { hostname: 'h', port: 443 } }, undefined, true],
  ];
  for (const [url, spec, version, tls] of cases) {
    it(url, () => assert.deepEqual(endpoint(url), { spec, version, tls }));
  }

  const errors: [string, string][] = [
    [':::invalid', 'invalid base URL: parse ":::invalid": missing protocol scheme'],
    ['http:///path', 'invalid base URL: missing hostname'],
    ['localhost:11434/v1', 'invalid base URL: missing hostname'],
    ['ftp://example.com', 'invalid base URL: unsupported scheme "ftp"'],
    ['http://h:port/v1', 'invalid base URL: parse "http://h:port/v1": invalid port ":port" after host'],
    ['http://h/%zz', 'invalid base URL: parse "http://h/%zz": invalid URL escape "%zz"'],
    ['http://[::1/v1', 'invalid base URL: parse "http://[::1/v1": missing \']\' in host'],
    ['http://h:99999999999999999999/v1', 'invalid port in base URL: strconv.Atoi: parsing "99999999999999999999": value out of range'],
  ];
  for (const [url, message] of errors) {
    it(`rejects ${url}`, () => expectError({ env: { ...KEY, OPENAI_BASE_URL: url } }, message));
  }
  it('applies to AZURE_OPENAI_ENDPOINT and ANTHROPIC_BASE_URL too', () => {
    expectError({ env: { ...AZURE, AZURE_OPENAI_ENDPOINT: 'ftp://x' } }, 'invalid base URL: unsupported scheme "ftp"');
    expectError({ env: { ANTHROPIC_API_KEY: 'a', ANTHROPIC_BASE_URL: 'http:///x' } }, 'invalid base URL: missing hostname');
  });
});

describe('autoconfigYaml: errors (upstream\'s texts)', () => {
  it('nothing set', () => {
    const message = 'you must supply at least OPENAI_API_KEY, AZURE_OPENAI_API_KEY, ANTHROPIC_API_KEY, or a config file path';
    expectError({ env: {} }, message);
    expectError({ env: { OPENAI_BASE_URL: 'https://x/v1', ANTHROPIC_BASE_URL: 'https://y' } }, message);
  });
  it('only unsupported MCP servers', () => {
    expectError({ env: {}, mcpServers: { mcpServers: { a: { type: 'sse', url: 'https://a/sse' }, b: { command: 'npx' } } } }, 'you must supply at least OPENAI_API_KEY, AZURE_OPENAI_API_KEY, ANTHROPIC_API_KEY, or a config file path');
  });
  it('Azure without endpoint or version', () => {
    expectError({ env: { AZURE_OPENAI_API_KEY: 'k' } }, 'AZURE_OPENAI_ENDPOINT environment variable is required when AZURE_OPENAI_API_KEY is set');
    expectError({ env: { AZURE_OPENAI_API_KEY: 'k', OPENAI_API_VERSION: 'v' } }, 'AZURE_OPENAI_ENDPOINT environment variable is required when AZURE_OPENAI_API_KEY is set');
    expectError({ env: { AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_ENDPOINT: 'https://r.openai.azure.com' } }, 'OPENAI_API_VERSION environment variable is required when AZURE_OPENAI_API_KEY is set');
  });
  it('bad OTEL log variables', () => {
    expectError({ env: { ...KEY, OTEL_LOGS_EXPORTER: 'x' } }, 'failed to configure OTEL logging: unsupported OTEL_LOGS_EXPORTER value "x" (allowed: otlp, console, none)');
    expectError(
      { env: { ...KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' } },
      'failed to configure OTEL logging: OTEL logs support gRPC protocol only, got "http/protobuf"',
    );
    expectError({ env: { ...KEY, OTEL_LOGS_EXPORTER: 'otlp' } }, 'failed to configure OTEL logging: invalid OTLP endpoint: empty');
    expectError({ env: { ...KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://:4317' } }, 'failed to configure OTEL logging: invalid OTLP endpoint "http://:4317": missing host');
  });
  it('an MCP server named otel that differs from the collector', () => {
    expectError(
      { env: { ...KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317' }, mcpServers: { mcpServers: { otel: { url: 'https://mcp.example.com/mcp' } } } },
      'failed to configure OTEL logging: backend "otel" already configured with different settings',
    );
  });
  it('an unparsable MCP server URL', () => {
    expectError(
      { env: KEY, mcpServers: { mcpServers: { bad: { type: 'http', url: 'http://h:x/mcp' } } } },
      'failed to add MCP servers config: failed to parse MCP server URL http://h:x/mcp: parse "http://h:x/mcp": invalid port ":x" after host',
    );
  });
});

describe('autoconfigYaml: OTEL access logs (upstream otel.go)', () => {
  const envoyProxy = (env: AutoconfigInput['env']): string => {
    const { yaml } = autoconfigYaml({ env: { ...KEY, ...env } });
    compile(yaml, { ...KEY, ...env });
    return yaml.slice(yaml.indexOf('kind: EnvoyProxy'), yaml.indexOf('kind: AIGatewayRoute'));
  };
  it('OTEL_LOGS_EXPORTER=none: no access log, empty telemetry', () => {
    const section = envoyProxy({ OTEL_LOGS_EXPORTER: ' None ', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' });
    assert.ok(!section.includes('accessLog'));
    assert.match(section, /telemetry:\n\n---/);
  });
  it('console wins over an endpoint', () => {
    const { yaml } = autoconfigYaml({ env: { ...KEY, OTEL_LOGS_EXPORTER: 'console', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' } });
    assert.ok(!yaml.includes('OpenTelemetry'));
    assert.ok(!yaml.includes('name: otel'));
  });
  it('the LOGS endpoint, headers and protocol win; backend otel-logs; bare host:port is http', () => {
    const section = envoyProxy({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://ignored',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: ' collector.local:4317 ',
      OTEL_EXPORTER_OTLP_HEADERS: 'a=1',
      OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-b = 2 , bad, =skip, x-c=3=4',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'grpc',
      OTEL_RESOURCE_ATTRIBUTES: 'z=last,service.name=overridden,a=hello%20world',
      OTEL_SERVICE_NAME: 'svc',
    });
    assert.match(section, /name: otel-logs/);
    assert.match(section, /- name: x-b\n {20}value: "2"\n {18}- name: x-c\n {20}value: "3=4"/);
    assert.ok(!section.includes('value: "1"'));
    assert.match(section, /resources:\n {18}a: "hello world"\n {18}service.name: "svc"\n {18}z: "last"/);
    const { yaml } = autoconfigYaml({ env: { ...KEY, OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'collector.local:4317' } });
    assert.match(yaml, /name: otel-logs\n {2}namespace: default\nspec:\n {2}endpoints:\n {4}- fqdn:\n {8}hostname: collector.local\n {8}port: 4317\n---/);
  });
  it('https endpoint without port: 443 and inline TLS', () => {
    const { yaml } = autoconfigYaml({ env: { ...KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'HTTPS://collector.example' } });
    assert.match(yaml, /hostname: collector.example\n {8}port: 443\n.*\n {2}tls:\n {4}wellKnownCACertificates: System\n {4}sni: collector.example/);
  });
});

describe('autoconfigYaml: MCP servers (upstream AddMCPServers)', () => {
  it('sorts servers, filters types, takes the Bearer token as API key, defaults the path', () => {
    const { yaml, notes } = autoconfigYaml({
      env: {},
      mcpServers: {
        mcpServers: {
          zeta: { type: 'streamableHttp', url: 'http://10.0.0.9:8080?x=1', headers: { authorization: 'Bearer tok-z', 'X-Custom': 'v' } },
          alpha: { url: 'https://a.example/mcp', headers: { Authorization: 'bearer lower' } },
          sse: { type: 'sse', url: 'https://s.example/sse' },
          stdio: { command: 'npx', args: ['x'] },
        },
      },
    });
    const docs = documents(yaml);
    assert.deepEqual(field(findKind(docs, 'MCPRoute'), 'spec'), {
      parentRefs: [{ name: 'aigw-run', kind: 'Gateway', group: 'gateway.networking.k8s.io' }],
      path: '/mcp',
      backendRefs: [
        { name: 'alpha', kind: 'Backend', group: 'gateway.envoyproxy.io', path: '/mcp' },
        { name: 'zeta', kind: 'Backend', group: 'gateway.envoyproxy.io', path: '/', securityPolicy: { apiKey: { secretRef: { name: 'zeta-token' } } } },
      ],
    });
    assert.match(yaml, /name: alpha\n {2}namespace: default\nspec:\n {2}endpoints:\n {4}- fqdn:\n {8}hostname: a.example\n {8}port: 443/);
    assert.match(yaml, /- ip:\n {8}address: 10.0.0.9\n {8}port: 8080/);
    assert.match(yaml, /name: zeta-token\n {2}namespace: default\ntype: Opaque\nstringData:\n {2}apiKey: tok-z/);
    assert.ok(!yaml.includes('alpha-token'));
    assert.match(yaml, /^# Gateway for MCP servers$/m);
    assert.ok(notes.some((note) => note.includes('"sse"')));
    assert.ok(notes.some((note) => note.includes('"stdio" skipped')));
    // Other headers are kept (upstream drops them), in an annotation upstream ignores.
    assert.deepEqual(field(findKind(docs, 'MCPRoute'), 'metadata', 'annotations'), {
      'mcp-headers.aigw.run/alpha': '{"Authorization":"bearer lower"}',
      'mcp-headers.aigw.run/zeta': '{"X-Custom":"v"}',
    });
    assert.ok(!notes.some((note) => note.includes('"X-Custom"')));
  });
  it('keeps header placeholders for envsubst, and the compiled backend sends the headers', () => {
    const input: AutoconfigInput = {
      env: { GH: 'gh-secret' },
      mcpServers: {
        mcpServers: {
          github: {
            url: 'https://api.githubcopilot.com/mcp/readonly',
            headers: { Authorization: 'Bearer ${GH}', 'X-Team': '${TEAM_TOKEN}', 'X-Quote': "it's" },
          },
        },
      },
    };
    const { yaml } = autoconfigYaml(input);
    assert.ok(!yaml.includes('gh-secret'));
    assert.match(yaml, /mcp-headers\.aigw\.run\/github: '\{"X-Team":"\$\{TEAM_TOKEN\}","X-Quote":"it''s"\}'/);
    const compiled = compileConfig(yaml, { file: 'autoconfig.yaml', env: { GH: 'gh-secret', TEAM_TOKEN: 'team' }, extProcSocketPath: '/run/aigw/extproc.sock', systemCaFile: '/etc/ssl/certs/ca-certificates.crt' });
    const backend = compiled.filterConfig.mcp?.routes[0]?.backends[0];
    assert.deepEqual(backend?.headers, [{ name: 'X-Team', value: 'team' }, { name: 'X-Quote', value: "it's" }]);
    assert.deepEqual(backend?.apiKey, { value: 'gh-secret' });
    assert.equal(backend?.url, 'https://api.githubcopilot.com/mcp/readonly');
  });
  it('an MCP server named openai shadows the OpenAI Backend (first wins), with a note', () => {
    const { yaml, notes } = autoconfigYaml({ env: KEY, mcpServers: { mcpServers: { openai: { url: 'https://mcp.example/mcp' } } } });
    assert.equal(yaml.match(/^kind: Backend$/gm)?.length, 1);
    assert.match(yaml, /hostname: mcp.example/);
    assert.ok(notes.some((note) => note.includes('"openai" is defined twice')));
  });
});
