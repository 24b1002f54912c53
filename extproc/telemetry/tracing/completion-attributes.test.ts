import assert from 'node:assert/strict';
import { test } from 'node:test';
import { completionRequestAttributes, completionResponseAttributes, completionStreamAttributes } from './completion-attributes.js';
import { DEFAULT_OPENINFERENCE_CONFIG } from './open-inference-config.js';
import { spanAttributesToRecord } from './span-attributes.js';

const config = DEFAULT_OPENINFERENCE_CONFIG;

test('request: prompts (string or list), invocation parameters without the prompt; token-id prompts are not decoded', () => {
  const body = { model: 'gpt-3.5-turbo-instruct', prompt: ['one', 'two'], max_tokens: 5 };
  const raw = JSON.stringify(body);
  assert.deepEqual(spanAttributesToRecord(completionRequestAttributes(body, raw, config)), {
    'openinference.span.kind': 'LLM',
    'llm.system': 'openai',
    'llm.model_name': 'gpt-3.5-turbo-instruct',
    'input.value': raw,
    'input.mime_type': 'application/json',
    'llm.invocation_parameters': '{"model":"gpt-3.5-turbo-instruct","max_tokens":5}',
    'llm.prompts.0.prompt.text': 'one',
    'llm.prompts.1.prompt.text': 'two',
  });
  const tokens = spanAttributesToRecord(completionRequestAttributes({ model: 'm', prompt: [1, 2, 3] }, '{}', config));
  assert.ok(!('llm.prompts.0.prompt.text' in tokens));
  const hidden = spanAttributesToRecord(completionRequestAttributes(body, raw, { ...config, hidePrompts: true }));
  assert.ok(!('llm.prompts.0.prompt.text' in hidden));
  assert.equal(hidden['input.value'], raw);
});

test('response: choices, tokens (kept when outputs are hidden), output.value', () => {
  const body = { id: 'c1', model: 'gpt-3.5-turbo-instruct-0914', choices: [{ index: 0, text: 'Hello' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } };
  const outcome = completionResponseAttributes(body, JSON.stringify(body), config);
  const attrs = spanAttributesToRecord(outcome.attributes);
  assert.equal(attrs['llm.model_name'], 'gpt-3.5-turbo-instruct-0914');
  assert.equal(attrs['llm.choices.0.completion.text'], 'Hello');
  assert.equal(attrs['llm.token_count.total'], 4);
  assert.deepEqual(outcome.status, { code: 'OK' });
  const hidden = spanAttributesToRecord(completionResponseAttributes(body, JSON.stringify(body), { ...config, hideOutputs: true }).attributes);
  assert.equal(hidden['output.value'], '__REDACTED__');
  assert.ok(!('llm.choices.0.completion.text' in hidden));
  assert.equal(hidden['llm.token_count.prompt'], 3);
});

test('stream: text deltas joined per choice, last chunk id/model/usage, first-token event', () => {
  const chunks = [
    { id: 'a', model: 'm', choices: [{ index: 0, text: 'Hel', finish_reason: null }] },
    { id: 'a', model: 'm', choices: [{ index: 0, text: 'lo', finish_reason: 'stop' }] },
    { id: 'b', model: 'm-final', choices: [], usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 } },
  ];
  const outcome = completionStreamAttributes(chunks, config);
  const attrs = spanAttributesToRecord(outcome.attributes);
  assert.equal(attrs['llm.choices.0.completion.text'], 'Hello');
  assert.equal(attrs['llm.model_name'], 'm-final');
  assert.equal(attrs['llm.token_count.total'], 4);
  assert.deepEqual(JSON.parse(String(attrs['output.value'])), {
    id: 'b', model: 'm-final', choices: [{ index: 0, text: 'Hello', finish_reason: 'stop' }], usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 },
  });
  assert.deepEqual(outcome.events.map((event) => event.name), ['First Token Stream Event']);
});
