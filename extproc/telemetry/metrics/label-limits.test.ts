import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LABEL_LIMITS, labelLimitsFromEnv } from './label-limits.js';
import { isAigwError } from '../../../common/errors.js';

test('defaults, and the AIGW_METRICS_* overrides', () => {
  assert.deepEqual(labelLimitsFromEnv({}), DEFAULT_LABEL_LIMITS);
  assert.deepEqual(labelLimitsFromEnv({ AIGW_METRICS_MAX_LABEL_VALUES: '', AIGW_METRICS_MAX_LABEL_SETS: ' ' }), DEFAULT_LABEL_LIMITS);
  assert.deepEqual(labelLimitsFromEnv({ AIGW_METRICS_MAX_LABEL_VALUES: '500', AIGW_METRICS_MAX_LABEL_SETS: '0' }), { ...DEFAULT_LABEL_LIMITS, maxValues: 500, maxLabelSets: 0 });
});

test('a value that is not a non-negative integer is an error naming the variable', () => {
  for (const bad of ['-1', '1.5', 'ten', '1e3', '99999999999999999999']) {
    assert.throws(
      () => labelLimitsFromEnv({ AIGW_METRICS_MAX_LABEL_VALUES: bad }),
      (error: unknown) => isAigwError(error, 'ENV') && error.message.startsWith('AIGW_METRICS_MAX_LABEL_VALUES must be a non-negative integer'),
    );
  }
  assert.throws(() => labelLimitsFromEnv({ AIGW_METRICS_MAX_LABEL_SETS: 'x' }), /AIGW_METRICS_MAX_LABEL_SETS must be a non-negative integer, got "x"/);
});
