import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedLabel, truncateLabelValue } from './bounded-label.js';
import { OVERFLOW_LABEL_VALUE } from './label-limits.js';

test('configured values always stay themselves; others are admitted up to the cap, then the overflow value', () => {
  const label = new BoundedLabel(['gpt-4o-mini', 'a-configured-name-longer-than-the-limit'], { maxValues: 2, maxLength: 10 });
  assert.equal(label.value('one'), 'one');
  assert.equal(label.value('two'), 'two');
  assert.equal(label.value('one'), 'one', 'a value seen before takes no new slot');
  assert.equal(label.value('three'), OVERFLOW_LABEL_VALUE);
  assert.equal(label.value('gpt-4o-mini'), 'gpt-4o-mini', 'configured, after the cap is full');
  assert.equal(label.value('a-configured-name-longer-than-the-limit'), 'a-configured-name-longer-than-the-limit', 'configured names are never cut');
  assert.equal(label.value(OVERFLOW_LABEL_VALUE), OVERFLOW_LABEL_VALUE);
});

test('long values are cut; values that cut to an admitted value share its slot', () => {
  const label = new BoundedLabel([], { maxValues: 1, maxLength: 8 });
  assert.equal(label.value('abcdefgh-first'), 'abcdefgh');
  assert.equal(label.value('abcdefgh-second'), 'abcdefgh');
  assert.equal(label.value('other'), OVERFLOW_LABEL_VALUE);
});

test('a cap of 0 keeps configured values only', () => {
  const label = new BoundedLabel(['known'], { maxValues: 0, maxLength: 128 });
  assert.equal(label.value('known'), 'known');
  assert.equal(label.value('anything'), OVERFLOW_LABEL_VALUE);
});

test('configuredOrOverflow: configured values and the overflow value stay, admitted ones do not', () => {
  const label = new BoundedLabel(['known'], { maxValues: 5, maxLength: 128 });
  assert.equal(label.configuredOrOverflow('known'), 'known');
  assert.equal(label.configuredOrOverflow(label.value('admitted')), OVERFLOW_LABEL_VALUE);
  assert.equal(label.configuredOrOverflow(OVERFLOW_LABEL_VALUE), OVERFLOW_LABEL_VALUE);
});

test('configure: a reloaded configuration’s values are themselves from then on, past the cap and uncut; earlier ones stay', () => {
  const label = new BoundedLabel(['old-model'], { maxValues: 1, maxLength: 8 });
  assert.equal(label.value('client-a'), 'client-a');
  assert.equal(label.value('new-model-with-a-long-name'), OVERFLOW_LABEL_VALUE);
  label.configure(['new-model-with-a-long-name', 'client-a']);
  assert.equal(label.value('new-model-with-a-long-name'), 'new-model-with-a-long-name');
  assert.equal(label.value('old-model'), 'old-model');
  assert.equal(label.configuredOrOverflow('client-a'), 'client-a');
  assert.equal(label.value('client-b'), OVERFLOW_LABEL_VALUE, 'the cap still holds for client values');
});

test('truncation counts UTF-16 code units and never splits a surrogate pair', () => {
  assert.equal(truncateLabelValue('short', 8), 'short');
  assert.equal(truncateLabelValue('x'.repeat(1000), 128).length, 128);
  assert.equal(truncateLabelValue('abc😀def', 4), 'abc', 'the emoji would be cut in half: left out');
  assert.equal(truncateLabelValue('abc😀def', 5), 'abc😀');
});
