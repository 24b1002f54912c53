/**
 * Compressed request bodies through the real gateway (aigw CLI, Envoy, ext_proc), with a 2Mi
 * ClientTrafficPolicy buffer limit, an untranslated (OpenAI) and a translated, SigV4-signed
 * (AWS Bedrock Converse) backend: gzip, deflate, br and stacked codings are read for routing;
 * the OpenAI provider gets the client's bytes and `content-encoding` unchanged, Bedrock gets the
 * translated body plain (signed over what it receives). zstd or an unknown coding is a 415,
 * a body decoding past the buffer limit (a decompression bomb) a 413, corrupt data a 400, each in
 * the client API's error shape and none reaching the provider.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as zlib from 'node:zlib';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { isRecord } from '../../common/json-guards.js';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { instructions, startInstructedUpstream, type InstructedUpstream } from '../support/instructed-upstream.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';

const MiB = 1024 * 1024;
const AWS_KEY = 'AKIAAIGWENCODED';
const AWS_SECRET = 'aigw-encoded-secret';
const CHAT = '/v1/chat/completions';
const MESSAGES = '/anthropic/v1/messages';
const CHAT_RESPONSE = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
const CONVERSE_RESPONSE = JSON.stringify({ output: { message: { role: 'assistant', content: [{ text: 'ok' }] } }, stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } });
const BODY = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'compressed héllo' }] });

type Backend = 'openai' | 'bedrock';

let upstream: InstructedUpstream;
let aigw: AigwProcess;
let port: number;

before(async () => {
  upstream = await startInstructedUpstream({ awsSecrets: { [AWS_KEY]: AWS_SECRET } });
  port = await freePort();
  const yaml = providerGatewayYaml(port, [
    { name: 'openai', schema: { name: 'OpenAI' }, port: upstream.port },
    {
      name: 'bedrock',
      schema: { name: 'AWSBedrock' },
      port: upstream.port,
      fqdn: true,
      security: { type: 'AWSCredentials', awsCredentials: { region: 'us-east-1', credentialsFile: { secretRef: { name: 'aws-credentials' } } } },
      secrets: { 'aws-credentials': { credentials: `[default]\naws_access_key_id = ${AWS_KEY}\naws_secret_access_key = ${AWS_SECRET}\n` } },
    },
  ]);
  const bufferLimit = {
    apiVersion: 'gateway.envoyproxy.io/v1alpha1',
    kind: 'ClientTrafficPolicy',
    metadata: { name: 'buffer-limit', namespace: 'default' },
    spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'aigw-run' }], connection: { bufferLimit: '2Mi' } },
  };
  aigw = await startAigw({ configYaml: `${yaml}---\n${stringify(bufferLimit)}`, captureStdout: false });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
});

interface Answer {
  status: number;
  json: unknown;
  text: string;
}

async function send(path: string, body: Buffer, encoding: string, backend: Backend = 'openai'): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-encoding': encoding,
      [BACKEND_SELECTOR_HEADER]: backend,
      ...instructions({ responseBody: backend === 'bedrock' ? CONVERSE_RESPONSE : CHAT_RESPONSE }),
    },
    body,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

/** Sends a body the gateway must refuse; checks the provider never saw it; returns the error's message. */
async function refused(path: string, body: Buffer, encoding: string, status: number, type: string): Promise<string> {
  const before = upstream.requests.length;
  const answer = await send(path, body, encoding);
  assert.equal(upstream.requests.length, before, `${path} ${answer.status}: the provider must not see a refused body`);
  assert.equal(answer.status, status, answer.text);
  assert.ok(isRecord(answer.json) && isRecord(answer.json.error), answer.text);
  assert.equal(answer.json.type, 'error', answer.text);
  assert.equal(answer.json.error.type, type);
  return String(answer.json.error.message);
}

const encoders: Record<string, (body: string | Buffer) => Buffer> = {
  gzip: (body) => zlib.gzipSync(body),
  deflate: (body) => zlib.deflateSync(body),
  br: (body) => zlib.brotliCompressSync(body),
  'X-GZIP': (body) => zlib.gzipSync(body),
  // Applied in order: gzip first, then br.
  'gzip, br': (body) => zlib.brotliCompressSync(zlib.gzipSync(body)),
};

test('gzip, deflate, br and stacked codings: routed, and the pass-through provider gets the bytes as sent', async () => {
  for (const [encoding, encode] of Object.entries(encoders)) {
    const compressed = encode(BODY);
    const before = upstream.requests.length;
    const answer = await send(CHAT, compressed, encoding);
    assert.equal(answer.status, 200, `${encoding}: ${answer.text}`);
    const received = upstream.requests[before];
    assert.ok(received, encoding);
    assert.deepEqual(received.body, compressed, `${encoding}: the compressed bytes, unchanged`);
    assert.equal(received.headers['content-encoding'], encoding, `${encoding}: and their content-encoding`);
    assert.equal(received.headers['content-length'], String(compressed.length));
  }
});

test('a translated, signed backend gets the rewritten body plain, without content-encoding', async () => {
  for (const [encoding, encode] of Object.entries(encoders)) {
    const before = upstream.requests.length;
    const answer = await send(CHAT, encode(BODY), encoding, 'bedrock');
    assert.equal(answer.status, 200, `${encoding}: ${answer.text}`);
    const received = upstream.requests[before];
    assert.ok(received, encoding);
    assert.equal(received.headers['content-encoding'], undefined, encoding);
    assert.equal(received.signature, 'valid', `${encoding}: SigV4 over the body Bedrock got`);
    assert.deepEqual(JSON.parse(received.body.toString('utf8')), { inferenceConfig: {}, messages: [{ role: 'user', content: [{ text: 'compressed héllo' }] }] });
    assert.equal(received.headers['content-length'], String(received.body.length));
  }
});

test('the official OpenAI SDK with a gzip body (a custom fetch compresses it) gets its answer', async () => {
  const client = new OpenAI({
    baseURL: `http://127.0.0.1:${port}/v1`,
    apiKey: 'unused',
    maxRetries: 0,
    fetch: (url, init) => {
      const body = typeof init?.body === 'string' ? zlib.gzipSync(init.body) : init?.body;
      return fetch(url, { ...init, body, headers: { ...Object.fromEntries(new Headers(init?.headers)), 'content-encoding': 'gzip' } });
    },
  });
  const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { headers: { [BACKEND_SELECTOR_HEADER]: 'bedrock', ...instructions({ responseBody: CONVERSE_RESPONSE }) } });
  assert.equal(completion.choices[0]?.message.content, 'ok');
});

test('zstd and unknown codings are a 415 naming the coding and the supported ones, in each client API shape', async () => {
  const zstdMessage = `content-encoding "zstd" of the body for ${CHAT} is not supported: send it uncompressed or as gzip, deflate, br`;
  assert.equal(await refused(CHAT, Buffer.from(BODY), 'zstd', 415, 'UnsupportedMediaType'), zstdMessage);
  assert.match(await refused(CHAT, Buffer.from(BODY), 'gzip, compress', 415, 'UnsupportedMediaType'), /"compress"/);
  assert.match(await refused(MESSAGES, Buffer.from(BODY), 'zstd', 415, 'invalid_request_error'), /content-encoding "zstd" .* gzip, deflate, br/);
});

test('a body that decodes past the 2Mi buffer limit (a bomb) is a 413; one that stays under it passes', async () => {
  const bomb = zlib.gzipSync(Buffer.alloc(64 * MiB, 0x20));
  assert.ok(bomb.length < 100 * 1024, 'small on the wire');
  assert.match(await refused(CHAT, bomb, 'gzip', 413, 'PayloadTooLarge'), /gzip-encoded body for \/v1\/chat\/completions decodes to more than the gateway's buffer limit of 2097152 bytes/);
  assert.match(await refused(MESSAGES, zlib.brotliCompressSync(Buffer.alloc(3 * MiB, 0x20)), 'br', 413, 'request_too_large'), /br-encoded body/);
  const large = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(Math.floor(1.5 * MiB)) }] });
  assert.equal((await send(CHAT, zlib.gzipSync(large), 'gzip', 'bedrock')).status, 200);
});

test('corrupt or truncated compressed data is a 400 naming the coding', async () => {
  assert.match(await refused(CHAT, Buffer.from(BODY), 'gzip', 400, 'BadRequest'), /^malformed request: the body for \/v1\/chat\/completions is not valid gzip data/);
  assert.match(await refused(CHAT, zlib.brotliCompressSync(BODY).subarray(0, 10), 'br', 400, 'BadRequest'), /not valid br data/);
  assert.match(await refused(MESSAGES, zlib.gzipSync(BODY).subarray(0, 30), 'gzip', 400, 'invalid_request_error'), /not valid gzip data/);
});

test('after all that the gateway still serves, and nothing was an internal error', async () => {
  assert.equal((await send(CHAT, zlib.gzipSync(BODY), 'gzip')).status, 200);
  assert.doesNotMatch(aigw.stderr, /ext_proc phase failed|internal error/);
});
