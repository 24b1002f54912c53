import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GenAILabelBounds } from './genai-label-bounds.js';
import type { RequestAttributes } from './genai-metrics.js';
import { OVERFLOW_LABEL_VALUE } from './label-limits.js';

const request = (originalModel: string, team?: string, responseModel?: string): RequestAttributes => ({
  operation: 'chat',
  schema: 'OpenAI',
  originalModel,
  requestModel: originalModel,
  ...(responseModel !== undefined ? { responseModel } : {}),
  headerLabels: team === undefined ? {} : { team_id: team },
});

test('the three model labels share one cap; the response model defaults to the request model', () => {
  const bounds = new GenAILabelBounds([], ['gpt-4o-mini'], { maxValues: 2, maxLabelSets: 100, maxLength: 128 });
  assert.deepEqual(pick(bounds.bound(request('a', undefined, 'a-2024'))), ['a', 'a', 'a-2024']);
  assert.deepEqual(pick(bounds.bound(request('b'))), [OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE]);
  assert.deepEqual(pick(bounds.bound(request('gpt-4o-mini', undefined, 'whatever-the-provider-says'))), ['gpt-4o-mini', 'gpt-4o-mini', OVERFLOW_LABEL_VALUE]);
  assert.deepEqual(pick(bounds.bound(request(''))), ['unknown', 'unknown', 'unknown'], 'no model: the placeholder, not a slot');
});

test('header-mapped labels are bounded each on their own; an absent header is "" and takes no slot', () => {
  const bounds = new GenAILabelBounds(['team_id'], [], { maxValues: 1, maxLabelSets: 100, maxLength: 4 });
  assert.equal(bounds.bound(request('m', 'red-team')).attributes.headerLabels.team_id, 'red-');
  assert.equal(bounds.bound(request('m', 'blue')).attributes.headerLabels.team_id, OVERFLOW_LABEL_VALUE);
  assert.equal(bounds.bound(request('m')).attributes.headerLabels.team_id, '');
});

test('past maxLabelSets, a new combination keeps only its configured values', () => {
  const bounds = new GenAILabelBounds(['team_id'], ['gpt-4o-mini'], { maxValues: 100, maxLabelSets: 2, maxLength: 128 });
  const first = bounds.bound(request('m1', 't1'));
  bounds.bound(request('m2', 't2'));
  const third = bounds.bound(request('m3', 't3'));
  assert.deepEqual([...pick(third), third.attributes.headerLabels.team_id], [OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE]);
  const configured = bounds.bound(request('gpt-4o-mini', 't4'));
  assert.deepEqual([...pick(configured), configured.attributes.headerLabels.team_id], ['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o-mini', OVERFLOW_LABEL_VALUE]);
  assert.equal(bounds.bound(request('m1', 't1')).key, first.key, 'combinations seen before keep their series');
  assert.notEqual(third.key, first.key);
});

function pick(bounded: ReturnType<GenAILabelBounds['bound']>): string[] {
  return [bounded.attributes.originalModel, bounded.attributes.requestModel, bounded.attributes.responseModel];
}
