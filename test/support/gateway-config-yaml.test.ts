import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { ACCESS_LOG_FIELDS, DEFAULT_TEST_API_KEY, gatewayConfigYaml } from './gateway-config-yaml.js';

void describe('gatewayConfigYaml', () => {
  const documents = (yaml: string): Record<string, unknown>[] =>
    parseAllDocuments(yaml).map((document) => {
      const value: unknown = document.toJS();
      assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value));
      return Object.fromEntries(Object.entries(value));
    });
  const byKind = (docs: Record<string, unknown>[], kind: string): string => JSON.stringify(docs.find((doc) => doc.kind === kind));

  void it('writes every resource aigw run needs, wired to the given ports and models', () => {
    const docs = documents(gatewayConfigYaml({ port: 18080, upstreamPort: 19090, models: ['a', 'b'], schemaPrefix: 'custom/v1', requestTimeout: '30s' }));
    assert.deepEqual(
      docs.map((doc) => doc.kind),
      ['GatewayClass', 'Gateway', 'EnvoyProxy', 'AIGatewayRoute', 'AIServiceBackend', 'Backend', 'Secret', 'BackendSecurityPolicy'],
    );
    assert.match(byKind(docs, 'Gateway'), /"listeners":\[\{"name":"http","protocol":"HTTP","port":18080\}\]/);
    assert.match(byKind(docs, 'Backend'), /\{"ip":\{"address":"127.0.0.1","port":19090\}\}/);
    const route = byKind(docs, 'AIGatewayRoute');
    assert.match(route, /"type":"Exact","name":"x-ai-eg-model","value":"a"/);
    assert.match(route, /"type":"Exact","name":"x-ai-eg-model","value":"b"/);
    assert.match(route, /"timeouts":\{"request":"30s"\}/);
    for (const type of ['InputToken', 'OutputToken', 'TotalToken']) assert.match(route, new RegExp(`"type":"${type}"`));
    assert.match(byKind(docs, 'AIServiceBackend'), /"schema":\{"name":"OpenAI","prefix":"custom\/v1"\}/);
    assert.match(byKind(docs, 'Secret'), new RegExp(`"apiKey":"${DEFAULT_TEST_API_KEY}"`));
    const proxy = byKind(docs, 'EnvoyProxy');
    for (const [field, operator] of Object.entries(ACCESS_LOG_FIELDS)) assert.ok(proxy.includes(JSON.stringify(field) + ':' + JSON.stringify(operator)), field);
  });

  void it('leaves out the API key policy and the access log when asked', () => {
    const docs = documents(gatewayConfigYaml({ port: 1, upstreamPort: 2, apiKey: null, accessLog: false }));
    assert.equal(docs.find((doc) => doc.kind === 'Secret' || doc.kind === 'BackendSecurityPolicy'), undefined);
    assert.doesNotMatch(byKind(docs, 'EnvoyProxy'), /accessLog/);
  });
});
