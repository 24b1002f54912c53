import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJsonRpcMessage, parseJsonRpcMessages, serialize } from './mcp-jsonrpc.js';

test('classifies requests, notifications and responses', () => {
  assert.deepEqual(parseJsonRpcMessage('{"jsonrpc":"2.0","id":1,"method":"ping"}'), { message: { kind: 'request', id: 1, method: 'ping' } });
  assert.deepEqual(parseJsonRpcMessage('{"jsonrpc":"2.0","method":"n","params":{"a":1}}'), { message: { kind: 'notification', method: 'n', params: { a: 1 } } });
  assert.deepEqual(parseJsonRpcMessage('{"jsonrpc":"2.0","id":"x","result":{}}'), { message: { kind: 'response', id: 'x', result: {} } });
  assert.deepEqual(parseJsonRpcMessage('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}'), {
    message: { kind: 'response', id: null, error: { code: -32700, message: 'bad' } },
  });
});

test('explains what is wrong', () => {
  for (const [text, problem] of [
    ['[]', /batches/],
    ['{"id":1,"method":"x"}', /jsonrpc/],
    ['{"jsonrpc":"2.0","id":{},"method":"x"}', /id/],
    ['{"jsonrpc":"2.0","id":1,"method":"x","params":[1]}', /params/],
    ['{"jsonrpc":"2.0","id":1}', /result or an error/],
    ['{', /JSON/],
  ] as const) {
    const parsed = parseJsonRpcMessage(text);
    assert.ok('problem' in parsed && problem.test(parsed.problem), `${text}: ${JSON.stringify(parsed)}`);
  }
});

test('backend payloads: batches split, junk skipped; serialisation', () => {
  assert.equal(parseJsonRpcMessages('[{"jsonrpc":"2.0","method":"a"},{"nope":1},{"jsonrpc":"2.0","id":2,"result":{}}]').length, 2);
  assert.deepEqual(parseJsonRpcMessages('not json'), []);
  assert.equal(serialize({ kind: 'response', id: 1, result: { ok: true } }), '{"jsonrpc":"2.0","id":1,"result":{"ok":true}}');
});
