import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileConfig } from '../../compiler/compile-config.js';
import { providerGatewayYaml } from '../../test/support/provider-gateway-yaml.js';
import { configSecrets, redactionRules } from './config-secrets.js';

test('configSecrets finds every credential translate redacts; redactionRules knows the override headers', () => {
  const yaml = providerGatewayYaml(1975, [
    {
      name: 'key',
      schema: { name: 'OpenAI' },
      port: 1,
      security: { type: 'APIKey', apiKey: { secretRef: { name: 'key' } }, credentialOverride: { fromRequestHeaders: { header: 'X-Tenant-Key' } } },
      secrets: { key: { apiKey: 'sk-key-secret' } },
    },
    {
      name: 'aws',
      schema: { name: 'AWSBedrock' },
      port: 1,
      security: { type: 'AWSCredentials', awsCredentials: { region: 'us-east-1', credentialsFile: { secretRef: { name: 'aws' } } }, credentialOverride: { fromRequestHeaders: {} } },
      secrets: { aws: { credentials: '[default]\naws_access_key_id=AKIAX\naws_secret_access_key=aws-secret-key\naws_session_token=aws-session\n' } },
    },
    {
      name: 'entra',
      schema: { name: 'AzureOpenAI', version: '2024-10-21' },
      port: 1,
      security: { type: 'AzureCredentials', azureCredentials: { tenantID: 't', clientID: 'c', clientSecretRef: { name: 'entra' } } },
      secrets: { entra: { 'client-secret': 'entra-client-secret' } },
    },
  ]);
  const { filterConfig } = compileConfig(yaml, { file: 'c.yaml', env: {}, extProcSocketPath: '/tmp/s.sock', mcpProxySocketPath: '/tmp/m.sock' });
  const secrets = configSecrets(filterConfig);
  for (const secret of ['sk-key-secret', 'aws-secret-key', 'aws-session', 'entra-client-secret']) assert.ok(secrets.includes(secret), secret);
  const rules = redactionRules(filterConfig);
  assert.ok(rules.isCredentialHeader('x-tenant-key'));
  assert.ok(rules.isCredentialHeader('x-aigw-aws-secret-access-key'));
  assert.ok(!rules.isCredentialHeader('content-type'));
  assert.ok(!rules.isCredentialHeader('agent-session-id'));
});
