import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRoutedId, encodeRoutedId } from './mcp-routed-id.js';

test('ids carry their backend in upstream format and come back with their type', () => {
  assert.equal(encodeRoutedId(42, 'alpha'), '42__i__alpha');
  assert.equal(encodeRoutedId('req-1', 'alpha'), `${Buffer.from('req-1').toString('base64')}__s__alpha`);
  assert.match(encodeRoutedId(1.5, 'alpha'), /^[0-9a-f]{16}__f__alpha$/);
  for (const id of [0, -3, 42, 1.5, 'req-1', '', 'with__underscores']) {
    assert.deepEqual(decodeRoutedId(encodeRoutedId(id, 'my-backend')), { id, backend: 'my-backend' });
  }
});

test('rejects ids the gateway did not make', () => {
  for (const bad of ['42', 'x__q__alpha', 'abc__i__alpha', 'zz__f__alpha', '42__i__']) assert.equal(decodeRoutedId(bad), undefined, bad);
});
