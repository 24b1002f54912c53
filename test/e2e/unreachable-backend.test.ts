/**
 * A backend nobody listens on: the client's error names the AIServiceBackend and the address
 * aigw tried (as written in the Backend, hostname included), in the client API's error shape
 * with Envoy's 503, and none of Envoy's internals (`UF`, "upstream connect error", "delayed
 * connect error: 111").
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { anthropicError, NO_HANG_MS, openAIError, post, rejection } from '../support/fault-client.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';

let aigw: AigwProcess;
let port: number;
let closedPort: number;

const UNRESOLVABLE_PORT = 9;
const ENVOY_INTERNALS = /\bUF\b|upstream connect error|delayed connect|reset reason/;
const via = (backend: string): { headers: Record<string, string> } => ({ headers: { [BACKEND_SELECTOR_HEADER]: backend } });

before(async () => {
  closedPort = await freePort(); // nothing listens there
  port = await freePort();
  aigw = await startAigw({
    configYaml: providerGatewayYaml(port, [
      { name: 'closed-ip', schema: { name: 'OpenAI' }, port: closedPort },
      { name: 'closed-host', schema: { name: 'OpenAI' }, port: closedPort, fqdn: true },
      { name: 'closed-anthropic', schema: { name: 'Anthropic' }, port: closedPort },
      { name: 'unresolvable', schema: { name: 'OpenAI' }, port: UNRESOLVABLE_PORT, fqdn: true },
      // `.invalid` never resolves (RFC 6761), with or without a network.
    ]).replace(new RegExp(`hostname: localhost(\\s+port: ${UNRESOLVABLE_PORT}\\b)`), 'hostname: aigw-test.invalid$1'),
  });
});

after(async () => {
  await aigw?.stop();
});

test('OpenAI SDK: 503 whose message names the backend and host:port, not Envoy flags', async () => {
  const openai = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0, timeout: NO_HANG_MS });
  const error = await rejection(() => openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, via('closed-ip')));
  assert.ok(error instanceof OpenAI.APIError, String(error));
  assert.equal(error.status, 503);
  assert.match(error.message, new RegExp(`backend default/closed-ip \\(127\\.0\\.0\\.1:${closedPort}\\) is unreachable`));
  assert.doesNotMatch(error.message, ENVOY_INTERNALS);

  // A hostname is named as written, not as the IP it resolved to; streaming requests alike.
  const answer = await post(port, '/v1/chat/completions', 'closed-host', { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(answer.status, 503);
  const message = String(openAIError(answer).message);
  assert.match(message, new RegExp(`backend default/closed-host \\(localhost:${closedPort}\\) is unreachable`));
  assert.doesNotMatch(message, ENVOY_INTERNALS);
});

test("Anthropic client: the same message in Anthropic's error shape", async () => {
  const answer = await post(port, '/anthropic/v1/messages', 'closed-anthropic', { model: 'm', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(answer.status, 503);
  const message = String(anthropicError(answer).message);
  assert.match(message, new RegExp(`backend default/closed-anthropic \\(127\\.0\\.0\\.1:${closedPort}\\) is unreachable`));
  assert.doesNotMatch(message, ENVOY_INTERNALS);
  const anthropic = new Anthropic({ baseURL: `http://127.0.0.1:${port}/anthropic`, apiKey: 'unused', maxRetries: 0, timeout: NO_HANG_MS });
  const error = await rejection(() => anthropic.messages.create({ model: 'm', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }, via('closed-anthropic')));
  assert.ok(error instanceof Anthropic.APIError && error.status === 503, String(error));
});

test('a hostname that does not resolve: the backend and its address, not "no healthy upstream"', async () => {
  const answer = await post(port, '/v1/chat/completions', 'unresolvable', { model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(answer.status, 503);
  const message = String(openAIError(answer).message);
  assert.match(message, new RegExp(`backend default/unresolvable \\(aigw-test\\.invalid:${UNRESOLVABLE_PORT}\\) has no reachable address`));
  assert.doesNotMatch(message, /no healthy upstream|\bUH\b/);
});
