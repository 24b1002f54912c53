import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namespaceUri, prefixName, splitNamespacedUri, splitPrefixedName } from './mcp-names.js';
import { namespaceResult, rewriteServerMessage } from './mcp-rewrites.js';

test('names split at the first separator', () => {
  assert.equal(prefixName('github', 'get_issue'), 'github__get_issue');
  assert.deepEqual(splitPrefixedName('github__get__issue'), { backend: 'github', name: 'get__issue' });
  assert.equal(splitPrefixedName('plain'), undefined);
});

test('URIs are namespaced with + except ui:// ones', () => {
  assert.equal(namespaceUri('fs', 'file:///a.txt'), 'fs+file:///a.txt');
  assert.deepEqual(splitNamespacedUri('fs+file:///a+b.txt'), { backend: 'fs', uri: 'file:///a+b.txt' });
  assert.equal(namespaceUri('app', 'ui://widget/main'), 'ui://app/widget/main');
  assert.deepEqual(splitNamespacedUri('ui://app/widget/main'), { backend: 'app', uri: 'ui://widget/main' });
  assert.equal(splitNamespacedUri('file:///x'), undefined);
  assert.equal(splitNamespacedUri('ui://nobackend'), undefined);
});

test('tool results, reads and prompts get namespaced URIs', () => {
  const result = namespaceResult('tools/call', {
    content: [{ type: 'text', text: 'x' }, { type: 'resource_link', uri: 'file:///l' }, { type: 'resource', resource: { uri: 'file:///e', text: 'e' } }],
    _meta: { ui: { resourceUri: 'ui://w' } },
  }, 'b');
  assert.deepEqual(result, {
    content: [{ type: 'text', text: 'x' }, { type: 'resource_link', uri: 'b+file:///l' }, { type: 'resource', resource: { uri: 'b+file:///e', text: 'e' } }],
    _meta: { ui: { resourceUri: 'ui://b/w' } },
  });
  assert.deepEqual(namespaceResult('resources/read', { contents: [{ uri: 'file:///a', text: '' }] }, 'b'), { contents: [{ uri: 'b+file:///a', text: '' }] });
  assert.deepEqual(namespaceResult('prompts/get', { messages: [{ role: 'user', content: { type: 'resource_link', uri: 'x://y' } }] }, 'b'), {
    messages: [{ role: 'user', content: { type: 'resource_link', uri: 'b+x://y' } }],
  });
});

test('server requests get routed ids and progress tokens; resource updates get namespaced URIs', () => {
  assert.deepEqual(rewriteServerMessage({ kind: 'request', id: 3, method: 'roots/list', params: { _meta: { progressToken: 'p' } } }, 'b'), {
    kind: 'request', id: '3__i__b', method: 'roots/list', params: { _meta: { progressToken: `${Buffer.from('p').toString('base64')}__s__b` } },
  });
  assert.deepEqual(rewriteServerMessage({ kind: 'notification', method: 'notifications/resources/updated', params: { uri: 'file:///a' } }, 'b'), {
    kind: 'notification', method: 'notifications/resources/updated', params: { uri: 'b+file:///a' },
  });
  const log = { kind: 'notification' as const, method: 'notifications/message', params: { level: 'info', data: 'x' } };
  assert.equal(rewriteServerMessage(log, 'b'), log);
});
