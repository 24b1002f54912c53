import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileToolSelector } from './mcp-tool-selector.js';

const noInvalid = (pattern: string): void => assert.fail(`unexpected invalid pattern ${pattern}`);

test('no selector exposes everything', () => {
  assert.equal(compileToolSelector(undefined, noInvalid)('anything'), true);
});

test('include and includeRegex select; regexes match whole names', () => {
  const allows = compileToolSelector({ include: ['get_issue'], includeRegex: ['list_.*'] }, noInvalid);
  assert.deepEqual(['get_issue', 'list_issues', 'xlist_issues', 'get_issue2'].map(allows), [true, true, false, false]);
});

test('exclude wins over include', () => {
  const allows = compileToolSelector({ include: ['a', 'b'], includeRegex: ['c.*'], exclude: ['b'], excludeRegex: ['c2'] }, noInvalid);
  assert.deepEqual(['a', 'b', 'c1', 'c2'].map(allows), [true, false, true, false]);
  const excludeOnly = compileToolSelector({ excludeRegex: ['danger.*'] }, noInvalid);
  assert.deepEqual(['safe', 'danger_zone'].map(excludeOnly), [true, false]);
});

test('an invalid regex is reported and matches nothing', () => {
  const reported: string[] = [];
  const allows = compileToolSelector({ includeRegex: ['(', 'ok'] }, (pattern) => reported.push(pattern));
  assert.deepEqual(reported, ['(']);
  assert.deepEqual(['ok', '('].map(allows), [true, false]);
});
