import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findEndpoint, type Endpoint } from './endpoints.js';
import { GatewayError } from '../errors/gateway-error.js';
import { firstInvalidUtf8Offset, isStackOverflow, MAX_JSON_DEPTH, MAX_MODEL_LENGTH, modelProblem, parseRequestBody, scanJson } from './request-body.js';

const CHAT = findEndpoint('/v1/chat/completions');
const PATH = '/v1/chat/completions';

function chat(): Endpoint {
  assert.ok(CHAT);
  return CHAT;
}

/** The 400's message, or 'ok' when the body is accepted. */
function verdict(body: string | Buffer): string {
  try {
    parseRequestBody(chat(), PATH, Buffer.isBuffer(body) ? body : Buffer.from(body));
    return 'ok';
  } catch (error) {
    assert.ok(GatewayError.isInstance(error), `expected a GatewayError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.replyCode, 'MALFORMED_REQUEST');
    return error.message;
  }
}

const nested = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;

test('an ordinary body: model, stream flags, the parsed JSON', () => {
  const parsed = parseRequestBody(chat(), PATH, Buffer.from('{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":false},"messages":[{"role":"user","content":"hé 😀"}]}'));
  assert.equal(parsed.model, 'gpt-4o');
  assert.equal(parsed.stream, true);
  assert.deepEqual(parsed.streamOptions, { include_usage: false });
});

test('bytes that are not UTF-8 are refused with the offset of the first bad one (no lossy decode)', () => {
  const bad = Buffer.concat([Buffer.from('{"model":"m","x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
  assert.equal(verdict(bad), `the body for ${PATH} is not valid UTF-8 (invalid byte sequence at byte 18)`);
  // Overlong encodings, UTF-16 surrogates encoded as UTF-8 and truncated sequences are not UTF-8 either.
  for (const bytes of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]]) {
    assert.match(verdict(Buffer.concat([Buffer.from('{"model":"'), Buffer.from(bytes), Buffer.from('"}')])), /not valid UTF-8 \(invalid byte sequence at byte 10\)/);
  }
  assert.equal(firstInvalidUtf8Offset(Buffer.from('héllo 😀 ✓')), Buffer.byteLength('héllo 😀 ✓'));
});

test(`nesting deeper than ${MAX_JSON_DEPTH} levels is refused before JSON.parse, however deep`, () => {
  assert.equal(verdict(`{"model":"m","x":${nested(MAX_JSON_DEPTH - 1)}}`), 'ok');
  assert.equal(verdict(`{"model":"m","x":${nested(MAX_JSON_DEPTH)}}`), `the body for ${PATH} is nested more than ${MAX_JSON_DEPTH} levels deep (at byte ${17 + MAX_JSON_DEPTH - 1})`);
  // Ten million levels: JSON.parse alone would take seconds; the scan stops at the limit.
  const started = Date.now();
  assert.match(verdict(`{"model":"m","x":${'['.repeat(10_000_000)}`), /nested more than 128 levels deep/);
  assert.ok(Date.now() - started < 1000, 'refused without parsing it');
  // Brackets inside strings are text.
  assert.equal(verdict(`{"model":"m","x":"${'['.repeat(1000)}"}`), 'ok');
});

test('a key twice in one object is refused, wherever it is and however it is escaped', () => {
  assert.match(verdict('{"model":"cheap","model":"expensive"}'), /has the key "model" twice in one object, at \$\.model \(a key may appear only once/);
  assert.match(verdict('{"model":"cheap","mod\\u0065l":"expensive"}'), /the key "model" twice/);
  assert.match(verdict('{"model":"m","tools":[{"a":1},{"function":{"parameters":{"type":"object","type":"string"}}}]}'), /the key "type" twice in one object, at \$\.tools\[1\]\.function\.parameters\.type/);
  assert.match(verdict('{"model":"m","x":{"a b":1,"a b":2}}'), /at \$\.x\["a b"\]/);
  // The same key in sibling objects, keys that differ by an escaped quote or backslash: fine.
  assert.equal(verdict('{"model":"m","messages":[{"role":"user"},{"role":"assistant"}]}'), 'ok');
  assert.equal(verdict('{"model":"m","a\\"":1,"a":2,"a\\\\":3}'), 'ok');
  // Many keys in one object (the Set kicks in past a few).
  const many = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',');
  assert.equal(verdict(`{"model":"m",${many}}`), 'ok');
  assert.match(verdict(`{"model":"m",${many},"k39":0}`), /the key "k39" twice/);
});

test('numbers beyond a double, and integers beyond 64 bits, are refused', () => {
  assert.match(verdict('{"model":"m","temperature":1e400}'), /has the number 1e400 at \$\.temperature, which is out of range/);
  assert.match(verdict('{"model":"m","x":[0,-1E+309]}'), /the number -1E\+309 at \$\.x\[1\]/);
  assert.match(verdict('{"model":"m","max_tokens":123456789012345678901234567890}'), /the number 123456789012345678901234567890 at \$\.max_tokens/);
  assert.match(verdict(`{"model":"m","x":1${'0'.repeat(400)}.5}`), /the number 1000000000000000000000000000000000000000… at \$\.x/);
  assert.match(verdict('{"model":"m","seed":18446744073709551616}'), /out of range/);
  assert.match(verdict('{"model":"m","seed":-9223372036854775809}'), /out of range/);
  // int64 / uint64 seeds, tiny and precise numbers are fine.
  for (const n of ['9223372036854775807', '-9223372036854775808', '18446744073709551615', '1e-400', '0.1000000000000000055511151231257827', '1.7976931348623157e308']) {
    assert.equal(verdict(`{"model":"m","seed":${n}}`), 'ok', n);
  }
});

test('syntax errors are JSON.parse\'s message; the scan never reports over a syntax error', () => {
  assert.match(verdict('{"model":"m","model":'), /^failed to parse JSON for \/v1\/chat\/completions: /);
  assert.match(verdict('{"model":"m"} trailing'), /^failed to parse JSON/);
  assert.equal(verdict('[1,2]'), `the body for ${PATH} must be a JSON object`);
});

test('model must be a non-empty, header-safe string; the message says what it was', () => {
  assert.equal(verdict('{"messages":[]}'), `missing required field "model" for ${PATH}`);
  assert.equal(verdict('{"model":42}'), 'field "model" must be a non-empty string (got a number 42)');
  assert.equal(verdict('{"model":null}'), 'field "model" must be a non-empty string (got null)');
  assert.equal(verdict('{"model":{"name":"x"}}'), 'field "model" must be a non-empty string (got an object)');
  assert.equal(verdict('{"model":["x"]}'), 'field "model" must be a non-empty string (got an array)');
  assert.equal(verdict('{"model":false}'), 'field "model" must be a non-empty string (got a boolean false)');
  assert.equal(verdict('{"model":""}'), 'field "model" must be a non-empty string (got "")');
  assert.equal(verdict('{"model":"a\\nb"}'), 'field "model" must not contain control characters (U+000A at index 1)');
  assert.equal(verdict('{"model":"\\u0000"}'), 'field "model" must not contain control characters (U+0000 at index 0)');
  assert.match(verdict('{"model":"x\\ud800"}'), /must be well-formed Unicode/);
  assert.equal(verdict(JSON.stringify({ model: 'x'.repeat(MAX_MODEL_LENGTH + 1) })), `field "model" must be at most ${MAX_MODEL_LENGTH} characters (got ${MAX_MODEL_LENGTH + 1})`);
  for (const model of ['gpt-4o', 'модель', 'claude 😀', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0', 'x'.repeat(MAX_MODEL_LENGTH)]) {
    assert.equal(modelProblem(model), undefined, model);
  }
});

test('scanJson on invalid input ends quietly', () => {
  for (const text of ['', '"', '{"a', '}}]]', '{"a":--1}', '{"\\', '-', '[1e', `"${'\\'.repeat(10)}`]) {
    assert.doesNotThrow(() => scanJson(Buffer.from(text)), text);
  }
});

test('isStackOverflow recognises only V8 stack overflows', () => {
  const recurse = (n: number): number => (n === 0 ? 0 : 1 + recurse(n - 1));
  let overflow: unknown;
  try {
    recurse(1e7);
  } catch (error) {
    overflow = error;
  }
  assert.equal(isStackOverflow(overflow), true);
  assert.equal(isStackOverflow(new RangeError('Invalid array length')), false);
  assert.equal(isStackOverflow(new Error('Maximum call stack size exceeded')), false);
});
