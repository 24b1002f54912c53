import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { mergeUsage } from './token-usage.js';

test('reads counts and details, leaving unreported fields undefined', () => {
  assert.deepEqual(
    convertOpenAIUsage({ prompt_tokens: 8, completion_tokens: 377, total_tokens: 385, completion_tokens_details: { reasoning_tokens: 320 }, prompt_tokens_details: { cached_tokens: 0 } }),
    { inputTokens: 8, outputTokens: 377, totalTokens: 385, cachedInputTokens: 0, reasoningTokens: 320 },
  );
  assert.deepEqual(convertOpenAIUsage({ prompt_tokens: 5, total_tokens: 5 }), { inputTokens: 5, totalTokens: 5 });
  assert.equal(convertOpenAIUsage(null), undefined);
  assert.equal(convertOpenAIUsage('x'), undefined);
});

test('mergeUsage keeps known counts when a later report omits them', () => {
  assert.deepEqual(mergeUsage({ inputTokens: 3, outputTokens: 1 }, { outputTokens: 7 }), { inputTokens: 3, outputTokens: 7 });
});
