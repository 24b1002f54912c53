import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayError } from '../errors/gateway-error.js';
import type { JsonRecord } from '../../common/json-guards.js';
import { tokenizeChatRequest } from './tokenize-chat-request.js';

function refusal(json: JsonRecord): string | undefined {
  try {
    tokenizeChatRequest(json);
    return undefined;
  } catch (error) {
    assert.ok(GatewayError.isInstance(error), String(error));
    return `${error.status} ${error.message}`;
  }
}

test('a completion prompt is one user message; a chat keeps its messages and tools', () => {
  assert.deepEqual(tokenizeChatRequest({ model: 'm', prompt: 'Once upon a time', add_special_tokens: true }).messages, [{ role: 'user', content: [{ type: 'text', text: 'Once upon a time' }] }]);
  const chat = tokenizeChatRequest({
    model: 'm',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ],
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
    add_generation_prompt: true,
    chat_template: '{{ messages }}',
  });
  assert.deepEqual(
    chat.messages.map((message) => message.role),
    ['system', 'user'],
  );
  assert.deepEqual(chat.tools, [{ name: 'f', parameters: { type: 'object' } }]);
  assert.equal(chat.json.chat_template, undefined, "vLLM's template options are not sent to providers");
});

test('requests vLLM refuses are 400s', () => {
  assert.match(refusal({ model: 'm', prompt: 'a', messages: [] }) ?? '', /^400 .*either "prompt" or "messages", not both/);
  assert.match(refusal({ model: 'm' }) ?? '', /^400 .*needs "prompt"/);
  assert.match(refusal({ model: 'm', prompt: [1, 2] }) ?? '', /^400 .*"prompt" must be a string/);
  assert.match(refusal({ model: 'm', messages: 'hi' }) ?? '', /^400 /);
  assert.match(refusal({ model: 'm', messages: [{ role: 'user', content: 'hi' }], continue_final_message: true }) ?? '', /^400 .*cannot both be true/);
  assert.equal(refusal({ model: 'm', messages: [{ role: 'user', content: 'hi' }], continue_final_message: true, add_generation_prompt: false }), undefined);
});
