/**
 * Bad request bodies through the real gateway (aigw CLI, Envoy, ext_proc), with tracing on and
 * both an untranslated (OpenAI) and a translated (AWS Bedrock Converse) backend: a body at half
 * the ClientTrafficPolicy buffer limit passes, one over it gets Envoy's 413 in the client API's
 * error shape, and JSON that JSON.parse would take but the gateway must not (bytes that are not
 * UTF-8, 10,000 levels of nesting, numbers out of range, a key twice, a `model` that is not a
 * header-safe string) gets a 400 in the client API's shape. None of them reaches the provider,
 * none is an internal error, and the gateway keeps serving.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { isRecord } from '../../common/json-guards.js';
import { MAX_JSON_DEPTH } from '../../extproc/request/request-body.js';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { instructions, startInstructedUpstream, type InstructedUpstream } from '../support/instructed-upstream.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';

const MiB = 1024 * 1024;
const AWS_KEY = 'AKIAAIGWBODIES';
const AWS_SECRET = 'aigw-bodies-secret';
const CHAT = '/v1/chat/completions';
const MESSAGES = '/anthropic/v1/messages';

const CHAT_RESPONSE = JSON.stringify({ id: 'c1', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
const CONVERSE_RESPONSE = JSON.stringify({ output: { message: { role: 'assistant', content: [{ text: 'ok' }] } }, stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } });

type Backend = 'openai' | 'bedrock';

let upstream: InstructedUpstream;
let receiver: OtlpReceiver;
let aigw: AigwProcess;
let port: number;

before(async () => {
  upstream = await startInstructedUpstream({ awsSecrets: { [AWS_KEY]: AWS_SECRET } });
  receiver = await startOtlpReceiver();
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
    spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'aigw-run' }], connection: { bufferLimit: '50Mi' } },
  };
  aigw = await startAigw({
    configYaml: `${yaml}---\n${stringify(bufferLimit)}`,
    captureStdout: false,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '50' },
  });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
  await receiver?.close();
});

interface Answer {
  status: number;
  json: unknown;
  text: string;
}

async function send(path: string, body: string | Buffer, backend: Backend = 'openai'): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
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

/** The 400 in upstream aigw's OpenAI-compatible shape; returns its message. */
function openAIError(answer: Answer, status = 400): string {
  assert.equal(answer.status, status, answer.text);
  assert.ok(isRecord(answer.json) && isRecord(answer.json.error), answer.text);
  assert.equal(answer.json.type, 'error');
  assert.equal(answer.json.error.code, String(status));
  assert.equal(answer.json.error.type, 'BadRequest');
  return String(answer.json.error.message);
}

/** Anthropic's error shape (what Anthropic SDKs parse); returns its message. */
function anthropicError(answer: Answer, status: number, type: string): string {
  assert.equal(answer.status, status, answer.text);
  assert.ok(isRecord(answer.json) && isRecord(answer.json.error), answer.text);
  assert.deepEqual(Object.keys(answer.json).sort(), ['error', 'type']);
  assert.equal(answer.json.type, 'error');
  assert.equal(answer.json.error.type, type);
  return String(answer.json.error.message);
}

/** Sends a body the gateway must refuse and checks the provider never saw it. */
async function refused(path: string, body: string | Buffer, backend: Backend = 'openai'): Promise<Answer> {
  const before = upstream.requests.length;
  const answer = await send(path, body, backend);
  assert.equal(upstream.requests.length, before, `${path} ${answer.status}: the provider must not see a refused body`);
  return answer;
}

const chatBody = (extra: string, model = '"m"'): string => `{"model":${model},"messages":[{"role":"user","content":"hi"}]${extra}}`;
const nested = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;

test('a 25 MB request under a 50Mi bufferLimit passes, byte for byte and translated', async () => {
  const prompt = 'x'.repeat(25 * 1000 * 1000);
  const body = `{"model":"m","messages":[{"role":"user","content":"${prompt}"}]}`;
  const before = upstream.requests.length;
  const direct = await send(CHAT, body);
  assert.equal(direct.status, 200, direct.text.slice(0, 300));
  const forwarded = upstream.requests[before];
  assert.ok(forwarded);
  assert.equal(forwarded.body.length, Buffer.byteLength(body), 'forwarded unchanged');

  const translated = await send(CHAT, body, 'bedrock');
  assert.equal(translated.status, 200, translated.text.slice(0, 300));
  const converse = upstream.requests[before + 1];
  assert.ok(converse);
  assert.equal(converse.signature, 'valid', 'SigV4 over the 25 MB translated body');
  assert.ok(converse.body.includes(prompt), 'the prompt reached Bedrock');
});

test('a body over the limit gets a 413 that says so, in each client API\'s shape', async () => {
  const over = Buffer.alloc(51 * MiB, 0x20);
  over.write('{"model":"m","messages":[{"role":"user","content":"', 0);
  over.write('"}]}', over.length - 4);
  const message = "request body is larger than the gateway's buffer limit of 50Mi (52428800 bytes); raise it with a ClientTrafficPolicy spec.connection.bufferLimit";

  const openai = await refused(CHAT, over);
  assert.equal(openai.status, 413);
  assert.deepEqual(openai.json, { type: 'error', error: { type: 'PayloadTooLarge', code: '413', message } });

  assert.equal(anthropicError(await refused(MESSAGES, over), 413, 'request_too_large'), message);

  const cohere = await refused('/cohere/v2/rerank', over);
  assert.equal(cohere.status, 413);
  assert.deepEqual(cohere.json, { message });
});

test('bytes that are not UTF-8 are a 400, not a lossy decode', async () => {
  const prefix = '{"model":"m","messages":[{"role":"user","content":"caf';
  const bad = Buffer.concat([Buffer.from(prefix), Buffer.from([0xe9, 0xff]), Buffer.from('"}]}')]);
  assert.equal(openAIError(await refused(CHAT, bad)), `malformed request: the body for ${CHAT} is not valid UTF-8 (invalid byte sequence at byte ${prefix.length})`);
  assert.match(anthropicError(await refused(MESSAGES, bad), 400, 'invalid_request_error'), /is not valid UTF-8/);
});

test('10,000 levels of nesting are a 400 on every path: passed through, translated, traced', async () => {
  for (const backend of ['openai', 'bedrock'] as const) {
    for (const body of [
      chatBody(`,"metadata":${nested(10_000)}`),
      chatBody(`,"tools":[{"type":"function","function":{"name":"f","parameters":${'{"type":"object","properties":{"a":'.repeat(5000)}{}${'}}'.repeat(5000)}}}]`),
    ]) {
      assert.match(openAIError(await refused(CHAT, body, backend)), new RegExp(`is nested more than ${MAX_JSON_DEPTH} levels deep`));
    }
  }
  assert.match(anthropicError(await refused(MESSAGES, `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":${nested(10_000)}}]}`, 'bedrock'), 400, 'invalid_request_error'), /nested more than/);
  // Within the limit the same shapes pass, translated and traced.
  assert.equal((await send(CHAT, chatBody(`,"metadata":${nested(MAX_JSON_DEPTH - 2)}`), 'bedrock')).status, 200);
});

test('JSON nested inside a string (tool-call arguments) that overflows a translator is a 400', async () => {
  const args = JSON.stringify(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`);
  const body = `{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":${args}}}]},{"role":"tool","tool_call_id":"t1","content":"ok"}]}`;
  assert.match(openAIError(await refused(CHAT, body, 'bedrock')), /nested too deeply to process/);
  // Passed through untouched, the provider judges it.
  assert.equal((await send(CHAT, body, 'openai')).status, 200);
});

test('numbers out of range are a 400 naming the number and where it is', async () => {
  assert.equal(openAIError(await refused(CHAT, chatBody(',"temperature":1e400'))), `malformed request: the body for ${CHAT} has the number 1e400 at $.temperature, which is out of range (numbers must fit a double, integers 64 bits)`);
  assert.match(openAIError(await refused(CHAT, chatBody(',"max_tokens":123456789012345678901234567890'), 'bedrock')), /the number 123456789012345678901234567890 at \$\.max_tokens/);
  // A 64-bit seed is a legitimate value.
  assert.equal((await send(CHAT, chatBody(',"seed":9223372036854775807'))).status, 200);
});

test('a key twice is a 400: the gateway and the provider could read different models', async () => {
  assert.match(openAIError(await refused(CHAT, '{"model":"cheap","model":"expensive","messages":[]}')), /has the key "model" twice in one object, at \$\.model/);
  assert.match(openAIError(await refused(CHAT, '{"model":"cheap","mod\\u0065l":"expensive","messages":[]}', 'bedrock')), /the key "model" twice/);
  assert.match(openAIError(await refused(CHAT, chatBody(',"stream":false,"stream":true'))), /the key "stream" twice/);
});

test('a model that is not a header-safe, non-empty string is a 400 in the client API\'s shape', async () => {
  const cases: [string, RegExp][] = [
    ['42', /must be a non-empty string \(got a number 42\)/],
    ['{"id":"m"}', /\(got an object\)/],
    ['null', /\(got null\)/],
    ['""', /\(got ""\)/],
    ['["m"]', /\(got an array\)/],
    ['true', /\(got a boolean true\)/],
    ['"a\\nb"', /must not contain control characters \(U\+000A at index 1\)/],
    ['"a\\u0000b"', /control characters \(U\+0000/],
    ['"\\ud800"', /well-formed Unicode/],
    [JSON.stringify('m'.repeat(100_000)), /must be at most 1024 characters \(got 100000\)/],
  ];
  for (const [model, expected] of cases) {
    assert.match(openAIError(await refused(CHAT, chatBody('', model))), expected, model);
  }
  assert.match(anthropicError(await refused(MESSAGES, '{"model":42,"max_tokens":1,"messages":[]}', 'bedrock'), 400, 'invalid_request_error'), /got a number 42/);
});

test('after all that the gateway still serves, nothing was an internal error, and spans were recorded', async () => {
  assert.equal((await send(CHAT, chatBody(''))).status, 200);
  assert.equal((await send(CHAT, chatBody(''), 'bedrock')).status, 200);
  assert.doesNotMatch(aigw.stderr, /ext_proc phase failed|internal error|Maximum call stack/);
  await receiver.waitForSpan((span) => span.name === 'ChatCompletion' && span.status.code === 2, 10_000);
  await receiver.waitForSpan((span) => span.name === 'ChatCompletion' && span.status.code !== 2, 10_000);
});
