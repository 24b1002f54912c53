/**
 * Backend credentials end to end: SigV4 with static and per-request (override header)
 * credentials, an API key override that must be present, an Entra ID token minted and cached by
 * the ext_proc from a fake HTTPS Entra, and a fallback from an OpenAI backend to Bedrock that is
 * translated and signed again for the second attempt. The fake upstream verifies signatures and
 * that override headers never reach it, nor the client's own credential headers a backend with a
 * BackendSecurityPolicy (a backend without one gets them as sent).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeEntraId, type FakeEntraId } from '../support/fake-entra-id.js';
import { instructions, startInstructedUpstream, type InstructedUpstream } from '../support/instructed-upstream.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';

const CONVERSE_ANSWER = JSON.stringify({ output: { message: { role: 'assistant', content: [{ text: 'signed hello' }] } }, stopReason: 'end_turn', usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 } });
const ANTHROPIC_ANSWER = JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 2 } });
const CHAT_ANSWER = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] });

let upstream: InstructedUpstream;
let failing: Server;
let entra: FakeEntraId;
let aigw: AigwProcess;
let port: number;

before(async () => {
  upstream = await startInstructedUpstream({ awsSecrets: { AKIASTATIC: 'static-secret', AKIAUSER: 'user-secret' } });
  failing = createServer((_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"primary down"}}'));
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
  const failingAddress = failing.address();
  assert.ok(failingAddress && typeof failingAddress !== 'string');
  entra = await startFakeEntraId({ tenantId: 'tenant-1', clientId: 'client-1', clientSecret: 'entra-secret', token: 'entra-access-token' });
  port = await freePort();
  const awsSecurity = {
    type: 'AWSCredentials',
    awsCredentials: { region: 'us-east-1', credentialsFile: { secretRef: { name: 'aws' } } },
    credentialOverride: { fromRequestHeaders: {} },
  };
  const awsSecret = { aws: { credentials: '[default]\naws_access_key_id=AKIASTATIC\naws_secret_access_key=static-secret\n' } };
  const configYaml = providerGatewayYaml(port, [
    { name: 'aws', schema: { name: 'AWSBedrock' }, port: upstream.port, fqdn: true, security: awsSecurity, secrets: awsSecret },
    {
      name: 'key-strict',
      schema: { name: 'OpenAI' },
      port: upstream.port,
      security: { type: 'APIKey', apiKey: { secretRef: { name: 'key' } }, credentialOverride: { fromRequestHeaders: { header: 'X-Tenant-Key', fallbackToConfigured: false } } },
      secrets: { key: { apiKey: 'sk-configured' } },
    },
    {
      name: 'azure-entra',
      schema: { name: 'AzureOpenAI', version: '2024-10-21' },
      port: upstream.port,
      security: { type: 'AzureCredentials', azureCredentials: { tenantID: 'tenant-1', clientID: 'client-1', clientSecretRef: { name: 'entra' } } },
      secrets: { entra: { 'client-secret': 'entra-secret' } },
    },
    { name: 'fallback-to-bedrock', schema: { name: 'AWSBedrock' }, port: upstream.port, fqdn: true, failingPrimaryPort: failingAddress.port, security: awsSecurity, secrets: {} },
    {
      name: 'anthropic-key',
      schema: { name: 'Anthropic' },
      port: upstream.port,
      security: { type: 'AnthropicAPIKey', anthropicAPIKey: { secretRef: { name: 'anthropic' } } },
      secrets: { anthropic: { apiKey: 'sk-ant-configured' } },
    },
    { name: 'passthrough', schema: { name: 'OpenAI' }, port: upstream.port },
  ]);
  aigw = await startAigw({ configYaml, env: { AZURE_AUTHORITY_HOST: entra.url, NODE_EXTRA_CA_CERTS: entra.caFile } });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
  await entra?.close();
  await new Promise<void>((resolve) => (failing ? failing.close(() => resolve()) : resolve()));
});

async function post(backend: string, headers: Record<string, string>, body = '{"model":"m","messages":[{"role":"user","content":"hi"}]}'): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://localhost:${port}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', [BACKEND_SELECTOR_HEADER]: backend, ...headers }, body });
  return { status: response.status, body: await response.text() };
}

const OVERRIDE_HEADERS = ['x-aigw-aws-access-key-id', 'x-aigw-aws-secret-access-key', 'x-aigw-aws-session-token'];

test('SigV4: the configured credentials sign the translated request, verified by the upstream', async () => {
  const result = await post('aws', instructions({ responseBody: CONVERSE_ANSWER, expectedPath: '/model/m/converse', absentHeaders: OVERRIDE_HEADERS }));
  assert.equal(result.status, 200, result.body);
  const received = upstream.requests.at(-1);
  assert.equal(received?.signature, 'valid');
  assert.match(received?.headers.authorization ?? '', /Credential=AKIASTATIC\//);
  assert.equal(received?.headers.host, 'localhost');
});

test('SigV4: per-request credentials in the override headers are used and never reach the upstream', async () => {
  const result = await post('aws', {
    ...instructions({ responseBody: CONVERSE_ANSWER, absentHeaders: OVERRIDE_HEADERS }),
    'x-aigw-aws-access-key-id': 'AKIAUSER',
    'x-aigw-aws-secret-access-key': 'user-secret',
    'x-aigw-aws-session-token': 'user-session',
  });
  assert.equal(result.status, 200, result.body);
  const received = upstream.requests.at(-1);
  assert.equal(received?.signature, 'valid');
  assert.match(received?.headers.authorization ?? '', /Credential=AKIAUSER\//);
  assert.equal(received?.headers['x-amz-security-token'], 'user-session');
  const partial = await post('aws', { 'x-aigw-aws-access-key-id': 'AKIAUSER' });
  assert.equal(partial.status, 401);
  assert.match(partial.body, /missing upstream credential/);
});

test('API key override without fallback: 401 without the header, the client key (not the configured one) with it', async () => {
  const before = upstream.requests.length;
  const missing = await post('key-strict', {});
  assert.equal(missing.status, 401);
  assert.deepEqual(JSON.parse(missing.body), { type: 'error', error: { type: 'Unauthorized', code: '401', message: 'missing upstream credential' } });
  assert.equal(upstream.requests.length, before, 'nothing reached the upstream');
  const ok = await post('key-strict', { ...instructions({ responseBody: CHAT_ANSWER, expectedHeaders: { authorization: 'Bearer sk-tenant' }, absentHeaders: ['x-tenant-key'] }), 'X-Tenant-Key': 'sk-tenant' });
  assert.equal(ok.status, 200, ok.body);
});

test('AzureCredentials: an Entra ID token minted by the gateway, cached across requests', async () => {
  const expect = instructions({ responseBody: CHAT_ANSWER, expectedPath: '/openai/deployments/m/chat/completions?api-version=2024-10-21', expectedHeaders: { authorization: 'Bearer entra-access-token' } });
  const first = await post('azure-entra', expect);
  assert.equal(first.status, 200, first.body);
  const second = await post('azure-entra', expect);
  assert.equal(second.status, 200, second.body);
  assert.equal(entra.tokensIssued, 1, 'the token is reused until it nears expiry');
  assert.ok(!aigw.stderr.includes('entra-secret') && !aigw.stdout.includes('entra-secret'), 'the client secret is never logged');
});

test('fallback across schemas: the OpenAI primary fails, the Bedrock attempt is translated and signed again', async () => {
  const client = new OpenAI({ baseURL: `http://localhost:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
  const completion = await client.chat.completions.create(
    { model: 'anthropic.claude-3-haiku', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] },
    { headers: { [BACKEND_SELECTOR_HEADER]: 'fallback-to-bedrock', ...instructions({ responseBody: CONVERSE_ANSWER, expectedPath: '/model/anthropic.claude-3-haiku/converse' }) } },
  );
  assert.equal(completion.choices[0]?.message.content, 'signed hello');
  assert.equal(completion.usage?.total_tokens, 5);
  const received = upstream.requests.at(-1);
  assert.equal(received?.signature, 'valid');
  assert.deepEqual(JSON.parse(received?.body.toString('utf8') ?? '{}'), {
    inferenceConfig: {},
    messages: [{ role: 'user', content: [{ text: 'hi' }] }],
    system: [{ text: 'be brief' }],
  });
  assert.equal(received?.headers['content-length'], String(received?.body.length));
});

/** Every header a provider could read a credential from, as a client might send them. */
const CLIENT_CREDENTIALS = {
  authorization: 'Bearer client-key',
  'x-api-key': 'client-key',
  'api-key': 'client-key',
  'x-goog-api-key': 'client-key',
  'ocp-apim-subscription-key': 'client-key',
  'x-amz-security-token': 'client-session',
};
const EXCEPT_AUTHORIZATION = Object.keys(CLIENT_CREDENTIALS).filter((name) => name !== 'authorization');

test("the client's credential headers never reach a backend whose BackendSecurityPolicy sets one; the gateway's credential does", async () => {
  const cases: [backend: string, answer: string, expected: Record<string, string>, absent: string[]][] = [
    ['aws', CONVERSE_ANSWER, {}, EXCEPT_AUTHORIZATION],
    ['azure-entra', CHAT_ANSWER, { authorization: 'Bearer entra-access-token' }, EXCEPT_AUTHORIZATION],
    ['key-strict', CHAT_ANSWER, { authorization: 'Bearer sk-tenant' }, [...EXCEPT_AUTHORIZATION, 'x-tenant-key']],
    ['anthropic-key', ANTHROPIC_ANSWER, { 'x-api-key': 'sk-ant-configured' }, Object.keys(CLIENT_CREDENTIALS).filter((name) => name !== 'x-api-key')],
    // Upstream mode: the OpenAI primary (no policy) gets them and fails; the Bedrock attempt must not.
    ['fallback-to-bedrock', CONVERSE_ANSWER, {}, EXCEPT_AUTHORIZATION],
  ];
  for (const [backend, answer, expectedHeaders, absentHeaders] of cases) {
    const result = await post(backend, { ...CLIENT_CREDENTIALS, 'X-Tenant-Key': 'sk-tenant', ...instructions({ responseBody: answer, expectedHeaders, absentHeaders }) });
    assert.equal(result.status, 200, `${backend}: ${result.body}`);
    const received = upstream.requests.at(-1);
    if (backend === 'aws' || backend === 'fallback-to-bedrock') {
      assert.equal(received?.signature, 'valid', `${backend}: the SigV4 Authorization, not the client's`);
    }
  }
});

test("a backend without a BackendSecurityPolicy gets the client's credential headers as sent (pass-through keys)", async () => {
  const result = await post('passthrough', { ...CLIENT_CREDENTIALS, ...instructions({ responseBody: CHAT_ANSWER, expectedHeaders: CLIENT_CREDENTIALS }) });
  assert.equal(result.status, 200, result.body);
});
