import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonBodyEditor } from './json-body-editor.js';
import { scanJsonBody } from './scan-json.js';

function edited(text: string, edit: (editor: JsonBodyEditor) => void): string {
  const bytes = Buffer.from(text);
  const editor = new JsonBodyEditor(bytes, scanJsonBody(bytes).index);
  edit(editor);
  return editor.toBuffer().toString();
}

/** One edit on a fresh editor (which scans the text itself): what sequential edits give. */
function setTopLevelField(text: string, key: string, jsonValue: string): string {
  return new JsonBodyEditor(Buffer.from(text, 'utf8')).set(key, jsonValue).toBuffer().toString('utf8');
}
function removeTopLevelField(text: string, key: string): string {
  return new JsonBodyEditor(Buffer.from(text, 'utf8')).remove(key).toBuffer().toString('utf8');
}

/** The same edits one at a time, each on a fresh editor: one splice must give the same bytes. */
type Edit = ['set', string, string] | ['remove', string];
function oneByOne(text: string, edits: Edit[]): string {
  return edits.reduce((current, edit) => (edit[0] === 'set' ? setTopLevelField(current, edit[1], edit[2]) : removeTopLevelField(current, edit[1])), text);
}
function inOneSplice(text: string, edits: Edit[]): string {
  return edited(text, (editor) => {
    for (const edit of edits) {
      if (edit[0] === 'set') editor.set(edit[1], edit[2]);
      else editor.remove(edit[1]);
    }
  });
}

test('several edits in one splice: the bytes of sequential edits, untouched parts as sent', () => {
  const body = '{ "model" : "claude",\n  "stream": true, "max_tokens":1.50e1, "messages":[{"content":"é \\u00e9 \\"}"}] }';
  const edits: Edit[] = [
    ['remove', 'model'],
    ['remove', 'stream'],
    ['set', 'anthropic_beta', '["a"]'],
    ['set', 'anthropic_version', '"bedrock-2023-05-31"'],
  ];
  assert.equal(inOneSplice(body, edits), '{"anthropic_version":"bedrock-2023-05-31","anthropic_beta":["a"], "max_tokens":1.50e1, "messages":[{"content":"é \\u00e9 \\"}"}] }');
  assert.equal(inOneSplice(body, edits), oneByOne(body, edits));
});

test('edits in any order and mix give the bytes of applying them one by one', () => {
  const bodies = ['{"a":1,"b":{"c":[1,2]},"d":"x"}', '{ "a" : 1 , "b" : 2 }', '{"a":1}', '{ }', '{\n\t"a": null,\n\t"b": false\n}\n', ' {"a":"}","b":"\\\\"} '];
  const edits: Edit[][] = [
    [['remove', 'a'], ['remove', 'b']],
    [['remove', 'b'], ['set', 'a', '2']],
    [['set', 'n', '1'], ['remove', 'a'], ['set', 'm', '"x"']],
    [['remove', 'a'], ['set', 'a', '3']],
    [['set', 'b', '[]'], ['remove', 'b'], ['set', 'z', '{}']],
    [['remove', 'd'], ['remove', 'a'], ['remove', 'b'], ['set', 'q', 'true']],
    [['set', 'a', '0'], ['set', 'a', '1']],
  ];
  for (const body of bodies) {
    for (const sequence of edits) {
      const result = inOneSplice(body, sequence);
      assert.equal(result, oneByOne(body, sequence), `${body} ${JSON.stringify(sequence)}`);
      assert.doesNotThrow(() => JSON.parse(result), result);
    }
  }
});

test('inserts go first; into an empty object without a comma', () => {
  assert.equal(edited('{}', (editor) => editor.set('a', '1').set('b', '2')), '{"b":2,"a":1}');
  assert.equal(edited('{ }', (editor) => editor.set('a', '1')), '{"a":1 }');
  assert.equal(edited('{"x":0}', (editor) => editor.remove('x').set('y', '1')), '{"y":1}');
});

test('removes take one neighbouring comma: first, middle, last, only', () => {
  assert.equal(edited('{"a":1, "b":2, "c":3}', (editor) => editor.remove('a')), '{"b":2, "c":3}');
  assert.equal(edited('{"a":1, "b":2, "c":3}', (editor) => editor.remove('b')), '{"a":1, "c":3}');
  assert.equal(edited('{"a":1, "b":2, "c":3}', (editor) => editor.remove('c')), '{"a":1, "b":2}');
  assert.equal(edited('{ "a":1 }', (editor) => editor.remove('a')), '{  }');
  assert.equal(edited('{"a":1,"b":2}', (editor) => editor.remove('a').remove('b')), '{}');
});

test('a nested edit replaces the whole top-level value; nested keys of the same name are left alone', () => {
  const body = '{"stream_options":{"x":[1,{"model":"}"}]},"metadata":{"model":"a"},"model":"b"}';
  assert.equal(
    edited(body, (editor) => editor.set('stream_options', '{"x":[1,{"model":"}"}],"include_usage":true}').set('model', '"c"')),
    '{"stream_options":{"x":[1,{"model":"}"}],"include_usage":true},"metadata":{"model":"a"},"model":"c"}',
  );
});

test('escaped and non-ASCII keys are matched by their value; new values may be any Unicode', () => {
  assert.equal(edited('{"mod\\u0065l":"a","ключ":1}', (editor) => editor.set('model', '"b"').remove('ключ')), '{"mod\\u0065l":"b"}');
  assert.equal(edited('{"a":1}', (editor) => editor.set('ü', '"😀"')), '{"ü":"😀","a":1}');
});

test('a key twice (refused by the router before any edit): set writes the last, the one JSON.parse reads, and drops the others', () => {
  assert.equal(edited('{"m":1,"x":0,"m":2}', (editor) => editor.set('m', '3')), '{"x":0,"m":3}');
  assert.equal(edited('{"m":1,"x":0,"m":2}', (editor) => editor.remove('m')), '{"x":0}');
});

test('no edit, or removing an absent key: the original buffer itself, never a copy', () => {
  const bytes = Buffer.from('{"a":1}');
  const editor = new JsonBodyEditor(bytes);
  assert.equal(editor.toBuffer(), bytes);
  assert.equal(editor.remove('b').toBuffer(), bytes);
  assert.equal(editor.changed, false);
  const written = editor.set('a', '2').toBuffer();
  assert.equal(written.toString(), '{"a":2}');
  assert.equal(bytes.toString(), '{"a":1}', 'the original is never written to');
  assert.equal(editor.toBuffer(), written, 'written once until the next edit');
});

test('without an index the body is scanned once on the first edit (translated bodies, any depth)', () => {
  const deep = `{"a":${'['.repeat(300)}${']'.repeat(300)},"b":1}`;
  assert.equal(new JsonBodyEditor(Buffer.from(deep)).remove('b').toBuffer().toString(), `{"a":${'['.repeat(300)}${']'.repeat(300)}}`);
  assert.throws(() => new JsonBodyEditor(Buffer.from('[1]')).set('a', '1'), /not a JSON object/);
});

test('the scan indexes top-level members only, with the offsets of their keys and ends', () => {
  const bytes = Buffer.from(' { "a" : [1,{"b":2}] , "c":"x,}" }');
  assert.deepEqual(scanJsonBody(bytes).index, {
    open: 1,
    close: 33,
    members: [
      { key: 'a', keyStart: 3, keyEnd: 6, end: 21 },
      { key: 'c', keyStart: 23, keyEnd: 26, end: 33 },
    ],
  });
  assert.equal(scanJsonBody(Buffer.from('[1,2]')).index, undefined);
});

// Single edits, byte for byte (the cases the per-edit string patcher this editor replaced was held to).

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
