import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParsedBodyCache } from './parsed-body-cache.js';
import type { ParsedRequestBody } from './request-body.js';

const parsed = (model: string): ParsedRequestBody => ({ model, stream: false, json: { model } });

test('a parse is reused only for the same endpoint and exactly the same bytes, until forgotten', () => {
  const cache = new ParsedBodyCache();
  const body = Buffer.from(`{"model":"a","x":"${'y'.repeat(100)}"}`);
  const forget = cache.remember('chat-completions', body, parsed('a'));
  assert.equal(cache.recall('chat-completions', Buffer.from(body))?.model, 'a', 'equal bytes in another buffer');
  assert.equal(cache.recall('embeddings', body), undefined);
  const sameEnds = Buffer.from(body);
  sameEnds[60] = 0x7a; // same length, head and tail: found by key, refused by the comparison
  assert.equal(cache.recall('chat-completions', sameEnds), undefined);
  const forgetTwin = cache.remember('chat-completions', Buffer.from(body), parsed('a'));
  forget();
  forget();
  assert.equal(cache.recall('chat-completions', body)?.model, 'a', "a concurrent identical body keeps its own entry");
  forgetTwin();
  assert.equal(cache.recall('chat-completions', body), undefined);
  assert.equal(cache.size, 0);
});
