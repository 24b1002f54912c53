import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { GatewayError } from '../errors/gateway-error.js';
import { awsSigV4Authenticator } from './aws-sigv4-authenticator.js';
import { createAuthenticator } from './create-authenticator.js';
import { keyAuthenticator } from './key-authenticator.js';
import { SCHEMA_NAMES } from '../../contract/filter-config.js';

const BEARER = { header: 'authorization', scheme: 'Bearer' } as const;
import { TokenCache } from './token-cache.js';

const request = (headers: Record<string, string> = {}, body = '{"x":1}') => ({ path: '/model/m:0/converse', body: Buffer.from(body), headers, host: 'bedrock-runtime.us-east-1.amazonaws.com' });

test('key credentials: the configured key in its header, or the override header when sent; both reported as secrets', async () => {
  const azure = keyAuthenticator({ type: 'AzureAPIKey', key: 'k1', override: { header: 'x-aigw-azure-api-key', fallbackToConfigured: true } }, BEARER);
  assert.deepEqual(await azure.apply(request()), { headers: [['api-key', 'k1']], secrets: ['k1'] });
  assert.deepEqual(await azure.apply(request({ 'x-aigw-azure-api-key': ' k2 ' })), { headers: [['api-key', 'k2']], secrets: ['k2', 'k1'] });
  assert.deepEqual(azure.removeHeaders, ['x-aigw-azure-api-key']);
  const strict = keyAuthenticator({ type: 'APIKey', key: 'k1', override: { header: 'x-aigw-api-key', fallbackToConfigured: false } }, BEARER);
  assert.deepEqual(await strict.apply(request({ 'x-aigw-api-key': 'k3' })), { headers: [['authorization', 'Bearer k3']], secrets: ['k3', 'k1'] });
  await assert.rejects(strict.apply(request()), (error: unknown) => GatewayError.isInstance(error) && error.status === 401 && error.message === 'missing upstream credential');
  assert.deepEqual(await createAuthenticator(undefined, 'OpenAI').apply(request()), { headers: [], secrets: [] });
});

test('key credentials: APIKey goes where the schema takes it (Bearer for every upstream schema); the typed key types ignore the schema', async () => {
  const ownHeader = keyAuthenticator({ type: 'APIKey', key: 'k1' }, { header: 'x-acme-key' });
  assert.deepEqual(await ownHeader.apply(request()), { headers: [['x-acme-key', 'k1']], secrets: ['k1'] });
  assert.deepEqual(ownHeader.setHeaders, ['x-acme-key']);
  for (const schema of SCHEMA_NAMES) {
    assert.deepEqual(await createAuthenticator({ type: 'APIKey', key: 'k1' }, schema).apply(request()), { headers: [['authorization', 'Bearer k1']], secrets: ['k1'] }, schema);
    assert.deepEqual(await createAuthenticator({ type: 'AnthropicAPIKey', key: 'k1' }, schema).apply(request()), { headers: [['x-api-key', 'k1']], secrets: ['k1'] }, schema);
  }
});

/** Re-signs what the authenticator signed, as AWS would check it. */
async function verify(headers: [string, string][], secret: string, body: string, path: string): Promise<boolean> {
  const values = Object.fromEntries(headers);
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(values['x-amz-date'] ?? '');
  assert.ok(date);
  const accessKeyId = /Credential=([^/]+)\//.exec(values.authorization ?? '')?.[1] ?? '';
  const token = values['x-amz-security-token'];
  const signer = new SignatureV4({ service: 'bedrock', region: 'us-east-1', sha256: Sha256, applyChecksum: false, credentials: { accessKeyId, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) } });
  const signed = await signer.sign(
    { method: 'POST', protocol: 'https:', hostname: 'bedrock-runtime.us-east-1.amazonaws.com', path, query: {}, headers: { host: 'bedrock-runtime.us-east-1.amazonaws.com' }, body: Buffer.from(body) },
    { signingDate: new Date(`${date[1]}-${date[2]}-${date[3]}T${date[4]}:${date[5]}:${date[6]}Z`) },
  );
  return signed.headers.authorization === values.authorization;
}

test('SigV4: static credentials sign the final body; override headers win, are removed, and must come in pairs', async () => {
  const aws = awsSigV4Authenticator({
    type: 'AWSCredentials',
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIASTATIC', secretAccessKey: 'static-secret' },
    override: { header: 'x-aigw-aws-', fallbackToConfigured: true },
  });
  assert.equal(aws.needsBody, true);
  const signed = await aws.apply(request());
  assert.match(Object.fromEntries(signed.headers).authorization ?? '', /^AWS4-HMAC-SHA256 Credential=AKIASTATIC\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=host;x-amz-date, Signature=[0-9a-f]{64}$/);
  assert.ok(await verify(signed.headers, 'static-secret', '{"x":1}', '/model/m:0/converse'), 'the signature verifies (region from the Bedrock host)');
  assert.ok(!(await verify(signed.headers, 'static-secret', '{"x":2}', '/model/m:0/converse')), 'a changed body does not verify');
  assert.deepEqual(signed.secrets, ['static-secret'], 'reported for scrubbing responses');

  const overridden = await aws.apply(request({ 'x-aigw-aws-access-key-id': 'AKIAUSER', 'x-aigw-aws-secret-access-key': 'user-secret', 'x-aigw-aws-session-token': 'tok' }));
  const values = Object.fromEntries(overridden.headers);
  assert.match(values.authorization ?? '', /Credential=AKIAUSER\//);
  assert.equal(values['x-amz-security-token'], 'tok');
  assert.deepEqual(overridden.secrets, ['user-secret', 'tok', 'static-secret']);
  assert.ok(await verify(overridden.headers, 'user-secret', '{"x":1}', '/model/m:0/converse'));
  assert.deepEqual(aws.removeHeaders, ['x-aigw-aws-access-key-id', 'x-aigw-aws-secret-access-key', 'x-aigw-aws-session-token']);
  await assert.rejects(aws.apply(request({ 'x-aigw-aws-access-key-id': 'AKIAUSER' })), (error: unknown) => GatewayError.isInstance(error) && error.status === 401);
});

test('SigV4 without credentials anywhere: a 502 naming the problem, no secret', async () => {
  const saved = { ...process.env };
  try {
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete process.env[name];
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const aws = awsSigV4Authenticator({ type: 'AWSCredentials', region: 'us-east-1' });
    await assert.rejects(aws.apply(request()), (error: unknown) => GatewayError.isInstance(error) && error.status === 502 && /no AWS credentials/.test(error.message));
  } finally {
    process.env = saved;
  }
});

test('token cache: one fetch for concurrent callers, refresh near expiry, failures not cached', async () => {
  let fetches = 0;
  let expiresIn = 60 * 60 * 1000;
  let fail = false;
  const cache = new TokenCache(() => {
    fetches++;
    if (fail) return Promise.reject(new Error('token endpoint down'));
    return Promise.resolve({ token: `t${fetches}`, expiresAt: Date.now() + expiresIn });
  });
  assert.deepEqual(await Promise.all([cache.get(), cache.get(), cache.get()]), ['t1', 't1', 't1']);
  assert.equal(fetches, 1);
  assert.equal(await cache.get(), 't1');
  expiresIn = 60 * 1000; // inside the refresh margin: every get fetches
  const cache2 = new TokenCache(() => Promise.resolve({ token: `u${++fetches}`, expiresAt: Date.now() + expiresIn }));
  const first = await cache2.get();
  assert.notEqual(await cache2.get(), first);
  fail = true;
  const failing = new TokenCache(() => (fail ? Promise.reject(new Error('down')) : Promise.resolve({ token: 'ok', expiresAt: Date.now() + 3_600_000 })));
  await assert.rejects(failing.get(), /down/);
  fail = false;
  assert.equal(await failing.get(), 'ok');
});

test('GCP: the Vertex path prefix; a key that cannot sign is a 502 that shows neither key nor token', async () => {
  const gcp = createAuthenticator({
    type: 'GCPCredentials',
    projectName: 'my project',
    region: 'europe-west4',
    serviceAccountKey: JSON.stringify({ type: 'service_account', client_email: 'gw@p.iam.gserviceaccount.com', private_key: 'not-a-pem-private-key-SECRET' }),
    override: { header: 'x-aigw-gcp-access-token', fallbackToConfigured: true },
  }, 'GCPVertexAI');
  const overridden = await gcp.apply({ ...request({ 'x-aigw-gcp-access-token': 'ya29.token' }), path: 'publishers/google/models/gemini:generateContent' });
  assert.deepEqual(overridden, { path: '/v1/projects/my%20project/locations/europe-west4/publishers/google/models/gemini:generateContent', headers: [['authorization', 'Bearer ya29.token']], secrets: ['ya29.token', 'not-a-pem-private-key-SECRET'] });
  await assert.rejects(
    gcp.apply({ ...request(), path: 'publishers/google/models/gemini:generateContent' }),
    (error: unknown) => GatewayError.isInstance(error) && error.status === 502 && /could not get a GCP access token/.test(error.message) && !error.message.includes('SECRET'),
  );
});
