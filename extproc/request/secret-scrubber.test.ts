import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scrubbedResponseHeaders } from './scrubbed-response-headers.js';
import { SecretScrubber, SECRET_MARKER } from './secret-scrubber.js';
import { headersMessage } from '../../test/support/test-runtime.js';

const KEY = 'sk-proj-0123456789abcdef';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCY<&>"key';

function scrubber(...secrets: string[]): SecretScrubber {
  const made = SecretScrubber.for(secrets);
  assert.ok(made);
  return made;
}

const text = (bytes: Buffer | undefined): string | undefined => bytes?.toString('utf8');

test('every occurrence is replaced; a body without one is not copied', () => {
  const scrub = scrubber(KEY);
  const body = `{"error":{"message":"Incorrect API key provided: ${KEY}. Key ${KEY} is invalid."}}`;
  assert.equal(text(scrub.scrub(Buffer.from(body))), body.replaceAll(KEY, SECRET_MARKER));
  assert.equal(scrub.scrub(Buffer.from('{"error":{"message":"Incorrect API key provided: sk-proj-****cdef"}}')), undefined);
});

test('JSON- and URL-encoded forms of a secret are found too', () => {
  const scrub = scrubber(AWS_SECRET);
  const json = JSON.stringify(AWS_SECRET).slice(1, -1);
  for (const form of [AWS_SECRET, json, json.replaceAll('/', '\\/'), json.replaceAll('<', '\\u003c').replaceAll('>', '\\u003e').replaceAll('&', '\\u0026'), encodeURIComponent(AWS_SECRET)]) {
    assert.equal(text(scrub.scrub(Buffer.from(`before ${form} after`))), `before ${SECRET_MARKER} after`, form);
  }
});

test('placeholders shorter than 8 characters are not secrets: no scrubber at all', () => {
  assert.equal(SecretScrubber.for(['unused', 'none', '']), undefined);
  assert.equal(text(scrubber('unused', KEY).scrub(Buffer.from(`unused ${KEY}`))), `unused ${SECRET_MARKER}`);
});

test('a secret containing another is replaced whole', () => {
  const scrub = scrubber(KEY, KEY.slice(0, 12));
  assert.equal(text(scrub.scrub(Buffer.from(`${KEY} ${KEY.slice(0, 12)}`))), `${SECRET_MARKER} ${SECRET_MARKER}`);
});

test('a stream: a secret split at any point across two chunks is replaced, nothing is lost or reordered', () => {
  const scrub = scrubber(KEY, AWS_SECRET);
  const whole = `data: {"error":{"message":"bad key ${KEY}"}}\n\ndata: {"x":"${AWS_SECRET}"}\n\n`;
  const expected = whole.replaceAll(KEY, SECRET_MARKER).replaceAll(AWS_SECRET, SECRET_MARKER);
  for (let cut = 0; cut <= whole.length; cut++) {
    for (const second of [cut, Math.min(whole.length, cut + 5)]) {
      const stream = scrub.stream();
      const out = [stream.push(Buffer.from(whole.slice(0, cut)), false), stream.push(Buffer.from(whole.slice(cut, second)), false), stream.push(Buffer.from(whole.slice(second)), true)];
      assert.equal(Buffer.concat(out).toString('utf8'), expected, `cut at ${cut}/${second}`);
    }
  }
});

test('a stream: chunks that cannot begin a secret pass at once, as the same Buffer', () => {
  const stream = scrubber(KEY).stream();
  const chunk = Buffer.from('data: {"choices":[{"delta":{"content":"hello"}}]}\n\n');
  assert.equal(stream.push(chunk, false), chunk);
  const held = stream.push(Buffer.from('data: {"content":"sk-pr'), false);
  assert.equal(held.toString(), 'data: {"content":"', 'the possible start of the key waits for the next chunk');
  assert.equal(stream.push(Buffer.from('ank"}\n\n'), false).toString(), 'sk-prank"}\n\n', 'and goes out with it when it is not the key');
  assert.equal(stream.push(Buffer.from('sk-proj-0'), true).toString(), 'sk-proj-0', 'the end of the stream flushes everything');
});

test('response headers: only the ones with a secret are rewritten, repeated ones keep their other values', () => {
  const scrub = scrubber(KEY);
  assert.deepEqual(scrubbedResponseHeaders(scrub, headersMessage({ ':status': '401', 'content-type': 'application/json' })), []);
  const message = headersMessage({ ':status': '401', 'x-debug-key': `Bearer ${KEY}` });
  message.headers?.headers?.push({ key: 'set-cookie', raw_value: Buffer.from('a=1') }, { key: 'set-cookie', raw_value: Buffer.from(`k=${KEY}`) });
  const edits = scrubbedResponseHeaders(scrub, message).map((edit) => [edit.header?.key, Buffer.from(edit.header?.raw_value ?? '').toString(), edit.append_action]);
  assert.deepEqual(edits, [
    ['x-debug-key', `Bearer ${SECRET_MARKER}`, 'OVERWRITE_IF_EXISTS_OR_ADD'],
    ['set-cookie', 'a=1', 'OVERWRITE_IF_EXISTS_OR_ADD'],
    ['set-cookie', `k=${SECRET_MARKER}`, 'APPEND_IF_EXISTS_OR_ADD'],
  ]);
});
