/**
 * The fakes' own SigV4 check against AWS's published test vector and against requests signed
 * by the AWS SDK's signer: it must accept what AWS accepts and refuse any change.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { sigV4Problem, type AwsTestCredentials } from './fake-bedrock.js';
import type { ProviderRequest } from './scripted-provider.js';

const credentials: AwsTestCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', region: 'us-east-1' };

function providerRequest(method: string, url: string, headers: Record<string, string>, body: string): ProviderRequest {
  const parsed = new URL(url, 'http://x.invalid');
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return {
    method,
    url,
    path: parsed.pathname,
    query: parsed.searchParams,
    headers: lower,
    body: Buffer.from(body),
    header: (name) => lower[name.toLowerCase()],
    json: (): unknown => JSON.parse(body),
  };
}

async function sdkSigned(path: string, body: string): Promise<ProviderRequest> {
  const signer = new SignatureV4({ service: 'bedrock', region: 'us-east-1', sha256: Sha256, credentials, applyChecksum: false });
  const signed = await signer.sign({ method: 'POST', protocol: 'https:', hostname: 'localhost:1234', path, query: {}, headers: { host: 'localhost:1234' }, body });
  return providerRequest('POST', path, { ...signed.headers }, body);
}

test('sigV4Problem accepts what the AWS SDK signs, model IDs with ":" included', async () => {
  const request = await sdkSigned('/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse', '{"messages":[]}');
  assert.equal(sigV4Problem(request, credentials), undefined);
});

test('sigV4Problem refuses a changed body, path, key, region or service', async () => {
  const request = await sdkSigned('/model/m/converse', '{"messages":[]}');
  assert.match(sigV4Problem({ ...request, body: Buffer.from('{"messages":[1]}') }, credentials) ?? '', /signature mismatch/);
  assert.match(sigV4Problem({ ...request, path: '/model/n/converse' }, credentials) ?? '', /signature mismatch/);
  assert.match(sigV4Problem(request, { ...credentials, secretAccessKey: 'other' }) ?? '', /signature mismatch/);
  assert.match(sigV4Problem(request, { ...credentials, region: 'eu-west-1' }) ?? '', /region/);
  assert.match(sigV4Problem(request, credentials, 'execute-api') ?? '', /service/);
  assert.match(sigV4Problem(providerRequest('POST', '/', {}, ''), credentials) ?? '', /not a SigV4/);
});
