import assert from 'node:assert/strict';
import { test } from 'node:test';
import { suggestNames, unknownTargetError } from './mcp-unknown-target.js';

const TOOLS = ['everything__echo', 'everything__get-sum', 'github__search_issues', 'github__echo', 'docs__search'];

test('a name without its prefix suggests every server’s tool of that name', () => {
  assert.deepEqual(suggestNames('echo', TOOLS), ['everything__echo', 'github__echo']);
  assert.deepEqual(suggestNames('get-sum', TOOLS), ['everything__get-sum']);
  // A wrong prefix on the right tool name: the servers that have it.
  assert.deepEqual(suggestNames('nobody__search', TOOLS), ['docs__search']);
});

test('a typo in the server or the tool suggests the nearest name; nothing close suggests nothing', () => {
  assert.deepEqual(suggestNames('everythin__echo', TOOLS), ['everything__echo']);
  assert.deepEqual(suggestNames('search_issue', TOOLS), ['github__search_issues']);
  assert.deepEqual(suggestNames('get_sum', TOOLS), ['everything__get-sum']);
  assert.deepEqual(suggestNames('completely-different', TOOLS), []);
  assert.deepEqual(suggestNames('echo', []), []);
  // The name itself is never suggested (a tool the selector hides, say).
  assert.deepEqual(suggestNames('docs__search', ['docs__search']), []);
});

test('the error message ends with the suggestions', () => {
  const error = unknownTargetError(7, 'tool', 'echo', ['everything', 'github'], undefined, ['everything__echo', 'github__echo']);
  assert.deepEqual(error.jsonRpc, { id: 7, code: -32602 });
  assert.equal(
    error.message,
    'unknown tool "echo": tool names are <server>__<tool>; this session\'s servers: everything__, github__; did you mean "everything__echo" or "github__echo"?',
  );
  assert.doesNotMatch(unknownTargetError(7, 'tool', 'zzz', ['a']).message, /did you mean/);
});
