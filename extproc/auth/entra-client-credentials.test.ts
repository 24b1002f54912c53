import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entraTokenSource, type EntraClientCredentials } from './entra-client-credentials.js';
import { isAigwError } from '../../common/errors.js';

const CREDENTIALS: EntraClientCredentials = { tenantId: 'tenant-1', clientId: 'client-1', clientSecret: 'the-secret' };
const SCOPE = 'https://cognitiveservices.azure.com/.default';

interface Recorded {
  url: string;
  method: string;
  form: URLSearchParams | undefined;
  redirect: RequestInit['redirect'];
}

/** A fetch that answers from a list of [status, body] in order and records each request. */
function scriptedFetch(answers: ([number, unknown] | Error)[]): { fetch: typeof fetch; requests: Recorded[] } {
  const requests: Recorded[] = [];
  const fake = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    requests.push({ url, method: init?.method ?? 'GET', form: typeof init?.body === 'string' ? new URLSearchParams(init.body) : undefined, redirect: init?.redirect });
    const answer = answers.shift();
    if (answer === undefined) return Promise.reject(new Error('unexpected request'));
    if (answer instanceof Error) return Promise.reject(answer);
    const [status, body] = answer;
    return Promise.resolve(new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  };
  return { fetch: fake, requests };
}

test('public cloud: one form POST to the tenant v2.0 token endpoint, no discovery', async () => {
  const { fetch, requests } = scriptedFetch([[200, { token_type: 'Bearer', expires_in: 3599, access_token: 'tok' }]]);
  const source = entraTokenSource(CREDENTIALS, { scope: SCOPE, fetch, now: () => 1_000 });
  assert.deepEqual(await source(), { token: 'tok', expiresAt: 1_000 + 3_599_000 });
  assert.equal(requests.length, 1);
  const [request] = requests;
  assert.equal(request?.url, 'https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token');
  assert.equal(request?.method, 'POST');
  assert.equal(request?.redirect, 'error', 'a redirect must not resend the secret elsewhere');
  assert.deepEqual(Object.fromEntries(request?.form ?? []), { client_id: 'client-1', client_secret: 'the-secret', scope: SCOPE, grant_type: 'client_credentials' });
});

test('a sovereign cloud authority host keeps its fixed endpoint', async () => {
  const { fetch, requests } = scriptedFetch([[200, { expires_in: '60', access_token: 'tok' }]]);
  const source = entraTokenSource(CREDENTIALS, { scope: SCOPE, authorityHost: 'https://login.microsoftonline.us/', fetch, now: () => 0 });
  assert.deepEqual(await source(), { token: 'tok', expiresAt: 60_000 }, 'expires_in as a string (ADFS) is accepted');
  assert.equal(requests[0]?.url, 'https://login.microsoftonline.us/tenant-1/oauth2/v2.0/token');
});

test('a private authority is asked for its OpenID configuration once', async () => {
  const { fetch, requests } = scriptedFetch([
    [200, { token_endpoint: 'https://stack.example/tenant-1/oauth2/v2.0/token' }],
    [200, { expires_in: 100, access_token: 'a' }],
    [200, { expires_in: 100, access_token: 'b' }],
  ]);
  const source = entraTokenSource(CREDENTIALS, { scope: SCOPE, authorityHost: 'https://stack.example', fetch, now: () => 0 });
  assert.equal((await source()).token, 'a');
  assert.equal((await source()).token, 'b');
  assert.deepEqual(
    requests.map((request) => `${request.method} ${request.url}`),
    ['GET https://stack.example/tenant-1/v2.0/.well-known/openid-configuration', 'POST https://stack.example/tenant-1/oauth2/v2.0/token', 'POST https://stack.example/tenant-1/oauth2/v2.0/token'],
  );
});

test('ADFS publishes its configuration under /adfs', async () => {
  const { fetch, requests } = scriptedFetch([[200, { token_endpoint: 'https://adfs.example/adfs/oauth2/token' }], [200, { expires_in: 100, access_token: 'a' }]]);
  await entraTokenSource({ ...CREDENTIALS, tenantId: 'adfs' }, { scope: SCOPE, authorityHost: 'https://adfs.example', fetch })();
  assert.equal(requests[0]?.url, 'https://adfs.example/adfs/.well-known/openid-configuration');
  assert.equal(requests[1]?.url, 'https://adfs.example/adfs/oauth2/token');
});

test('a refused request reports the OAuth error and the first line of its description, never the secret', async () => {
  const description = 'AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1\r\nCorrelation ID: 2';
  const { fetch } = scriptedFetch([[401, { error: 'invalid_client', error_description: description }]]);
  const error = await entraTokenSource(CREDENTIALS, { scope: SCOPE, fetch })().then(
    () => assert.fail('expected a rejection'),
    (rejection: unknown) => rejection,
  );
  assert.ok(isAigwError(error, 'UPSTREAM'));
  assert.equal(error.message, 'invalid_client: AADSTS7000215: Invalid client secret provided.');
  assert.ok(!error.message.includes('the-secret'));
});

test('throttling, server errors and network failures are retried, then reported', async () => {
  const transient = scriptedFetch([[429, ''], new TypeError('fetch failed'), [200, { expires_in: 100, access_token: 'tok' }]]);
  assert.equal((await entraTokenSource(CREDENTIALS, { scope: SCOPE, fetch: transient.fetch, retryDelaysMs: [0, 0] })()).token, 'tok');
  assert.equal(transient.requests.length, 3);

  const down = scriptedFetch([[503, 'busy'], [503, 'busy'], [503, 'busy']]);
  await assert.rejects(entraTokenSource(CREDENTIALS, { scope: SCOPE, fetch: down.fetch, retryDelaysMs: [0, 0] })(), /HTTP 503 from https:\/\/login\.microsoftonline\.com/);
  assert.equal(down.requests.length, 3);

  const unreachable = scriptedFetch([new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') })]);
  await assert.rejects(entraTokenSource(CREDENTIALS, { scope: SCOPE, fetch: unreachable.fetch, retryDelaysMs: [] })(), /unreachable: fetch failed \(connect ECONNREFUSED\)/);
});

test('plain-HTTP authorities, odd tenant ids and answers without a token are refused', async () => {
  const { fetch, requests } = scriptedFetch([[200, { expires_in: 100 }]]);
  await assert.rejects(entraTokenSource(CREDENTIALS, { scope: SCOPE, authorityHost: 'http://login.microsoftonline.com', fetch })(), /must use https/);
  await assert.rejects(entraTokenSource({ ...CREDENTIALS, tenantId: '../x' }, { scope: SCOPE, fetch })(), /invalid tenant id/);
  assert.equal(requests.length, 0, 'nothing is sent before the authority and tenant are checked');
  await assert.rejects(entraTokenSource(CREDENTIALS, { scope: SCOPE, fetch })(), /without access_token and expires_in/);
});
