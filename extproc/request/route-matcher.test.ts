import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RuleConfig } from '../../contract/filter-config.js';
import { compileRules, matchRule, pickBackend } from './route-matcher.js';

const rule = (name: string, headers: RuleConfig['headers'], backends: RuleConfig['backends'] = [{ name: `${name}-b`, weight: 1, priority: 0 }]): RuleConfig => ({
  name,
  route: 'default/r',
  listeners: ['l1'],
  hostnames: [],
  headers,
  backends,
  mode: 'router',
});

test('the first rule whose every condition holds wins; regular expressions match the whole value', () => {
  const rules = compileRules([
    rule('tenant', [{ name: 'x-ai-eg-model', type: 'RegularExpression', value: 'llama.*' }, { name: 'x-tenant', type: 'Exact', value: 'blue' }]),
    rule('exact', [{ name: 'x-ai-eg-model', type: 'Exact', value: 'gpt-4o-mini' }]),
    rule('llama', [{ name: 'x-ai-eg-model', type: 'RegularExpression', value: 'llama|mistral' }]),
  ]);
  const headers = (values: Record<string, string>) => (name: string) => values[name];
  assert.equal(matchRule(rules, 'l1', headers({ 'x-ai-eg-model': 'llama3', 'x-tenant': 'blue' }))?.config.name, 'tenant');
  assert.equal(matchRule(rules, 'l1', headers({ 'x-ai-eg-model': 'llama', 'x-tenant': 'red' }))?.config.name, 'llama');
  assert.equal(matchRule(rules, 'l1', headers({ 'x-ai-eg-model': 'llama3' })), undefined, 'regex is a full match');
  assert.equal(matchRule(rules, 'l1', headers({ 'x-ai-eg-model': 'gpt-4o-mini' }))?.config.name, 'exact');
  assert.equal(matchRule(rules, 'l1', headers({ 'x-ai-eg-model': 'gpt-4o' })), undefined);
  assert.equal(matchRule(compileRules([rule('all', [])]), 'l1', headers({}))?.config.name, 'all');
});

test('backends are picked by weight among the most preferred priority', () => {
  const weighted = rule('w', [], [
    { name: 'a', weight: 1, priority: 0 },
    { name: 'b', weight: 3, priority: 0 },
    { name: 'fallback', weight: 100, priority: 1 },
  ]);
  assert.equal(pickBackend(weighted, () => 0), 'a');
  assert.equal(pickBackend(weighted, () => 0.24), 'a');
  assert.equal(pickBackend(weighted, () => 0.26), 'b');
  assert.equal(pickBackend(weighted, () => 0.999), 'b');
  const counts = new Map<string, number>();
  for (let i = 0; i < 4000; i++) {
    const name = pickBackend(weighted) ?? '';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  assert.equal(counts.get('fallback'), undefined);
  const share = (counts.get('b') ?? 0) / 4000;
  assert.ok(share > 0.7 && share < 0.8, `b got ${share}`);
  assert.equal(pickBackend(rule('none', [], [])), undefined);
});

test('hostnames restrict a rule to matching hosts (exact, or *.suffix), ignoring the port', () => {
  const scoped = { ...rule('scoped', [{ name: 'x-ai-eg-model', type: 'Exact', value: 'm' }]), hostnames: ['api.example.com', '*.corp.example'] };
  const rules = compileRules([scoped, rule('any', [])]);
  const at = (authority: string) => (name: string) => (name === ':authority' ? authority : name === 'x-ai-eg-model' ? 'm' : undefined);
  assert.equal(matchRule(rules, 'l1', at('api.example.com:1975'))?.config.name, 'scoped');
  assert.equal(matchRule(rules, 'l1', at('API.example.com'))?.config.name, 'scoped');
  assert.equal(matchRule(rules, 'l1', at('a.b.corp.example'))?.config.name, 'scoped');
  assert.equal(matchRule(rules, 'l1', at('corp.example'))?.config.name, 'any');
  assert.equal(matchRule(rules, 'l1', at('localhost:1975'))?.config.name, 'any');
});

test('a rule applies only on the listeners its route is attached to', () => {
  const rules = compileRules([{ ...rule('other', []), listeners: ['l2'] }, rule('mine', [])]);
  assert.equal(matchRule(rules, 'l1', () => undefined)?.config.name, 'mine');
  assert.equal(matchRule(rules, 'l2', () => undefined)?.config.name, 'other');
});
