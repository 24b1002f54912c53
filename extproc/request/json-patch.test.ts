import assert from 'node:assert/strict';
import { test } from 'node:test';
import { removeTopLevelField, setTopLevelField } from './json-patch.js';

test('replaces a top-level field and keeps every other byte', () => {
  const body = '{"messages":[{"role":"user","content":"model \\"x\\""}],  "model" : "gpt-4o", "n":1.0}';
  assert.equal(setTopLevelField(body, 'model', '"gpt-4o-mini"'), '{"messages":[{"role":"user","content":"model \\"x\\""}],  "model" : "gpt-4o-mini", "n":1.0}');
});

test('ignores nested keys with the same name', () => {
  const body = '{"metadata":{"model":"a"},"model":"b"}';
  assert.equal(setTopLevelField(body, 'model', '"c"'), '{"metadata":{"model":"a"},"model":"c"}');
});

test('adds a missing field at the start', () => {
  assert.equal(setTopLevelField('{"a":1}', 'stream_options', '{"include_usage":true}'), '{"stream_options":{"include_usage":true},"a":1}');
  assert.equal(setTopLevelField('{ }', 'b', '2'), '{"b":2 }');
});

test('replaces object values whole', () => {
  const body = '{"stream":true,"stream_options":{"x":[1,{"y":"}"}]},"z":0}';
  assert.equal(setTopLevelField(body, 'stream_options', '{"include_usage":true}'), '{"stream":true,"stream_options":{"include_usage":true},"z":0}');
});

test('the result is valid JSON with the new value', () => {
  const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 }, null, 2);
  const patched: unknown = JSON.parse(setTopLevelField(body, 'model', JSON.stringify('m2')));
  assert.deepEqual(patched, { model: 'm2', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 });
});

test('removes a top-level field wherever it is, keeping valid JSON', () => {
  assert.equal(removeTopLevelField('{"a":1,"b":{"c":2},"d":3}', 'b'), '{"a":1,"d":3}');
  assert.equal(removeTopLevelField('{"a":1, "b":2}', 'b'), '{"a":1}');
  assert.equal(removeTopLevelField('{"b":2}', 'b'), '{}');
  assert.equal(removeTopLevelField('{"a":{"b":1}}', 'b'), '{"a":{"b":1}}');
  for (const text of ['{"a":1,"b":2,"c":3}', '{ "b" : [1,2] , "c":"}" }', '{"c":1,"b":2}']) {
    const parsed: unknown = JSON.parse(removeTopLevelField(text, 'b'));
    assert.ok(typeof parsed === 'object' && parsed !== null && !('b' in parsed));
  }
});
