import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertGeminiUsage } from './convert-gemini-usage.js';

test('completion counts thoughts; reasoning is the thoughts alone; total is Gemini’s', () => {
  assert.deepEqual(
    convertGeminiUsage({ promptTokenCount: 15, candidatesTokenCount: 10, thoughtsTokenCount: 10, totalTokenCount: 35, cachedContentTokenCount: 10 }),
    { inputTokens: 15, outputTokens: 20, totalTokens: 35, cachedInputTokens: 10, reasoningTokens: 10 },
  );
});

test('unreported counts stay unknown, not 0', () => {
  assert.deepEqual(convertGeminiUsage({ promptTokenCount: 7 }), { inputTokens: 7 });
  assert.deepEqual(convertGeminiUsage({ candidatesTokenCount: 3 }), { outputTokens: 3 });
  assert.deepEqual(convertGeminiUsage({}), {});
  assert.equal(convertGeminiUsage(undefined), undefined);
  assert.equal(convertGeminiUsage([1]), undefined);
});
