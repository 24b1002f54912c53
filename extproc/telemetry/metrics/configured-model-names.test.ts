import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testFilterConfig } from '../../../test/support/test-runtime.js';
import { configuredModelNames } from './configured-model-names.js';

test('Exact x-ai-eg-model matches and modelNameOverrides are configured names; regular expressions are not', () => {
  assert.deepEqual([...configuredModelNames(testFilterConfig())].sort(), ['alias', 'gpt-4o-mini', 'real-model', 'titan']);
});
