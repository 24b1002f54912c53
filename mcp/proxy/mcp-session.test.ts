import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CAPABILITY, capabilitiesOf, capabilityBits, formatEventIds, formatSessionPlaintext, parseEventIds, parseSessionPlaintext } from './mcp-session.js';

test('session plaintext round-trips, with subjects containing @ and opaque backend ids', () => {
  const session = {
    route: 'default/mcp-route',
    subject: 'alice@example.com',
    backends: [
      { backend: 'alpha', sessionId: 'a:b,c@d', capabilities: CAPABILITY.tools | CAPABILITY.logging },
      { backend: 'stateless', sessionId: '', capabilities: 0 },
    ],
  };
  const text = formatSessionPlaintext(session);
  assert.equal(text, `default/mcp-route@alice@example.com@alpha:${Buffer.from('a:b,c@d').toString('base64')}:11,stateless::0`);
  assert.deepEqual(parseSessionPlaintext(text), session);
});

test('rejects text that is not a session', () => {
  assert.equal(parseSessionPlaintext('no-at-sign'), undefined);
  assert.equal(parseSessionPlaintext('route@backend:x'), undefined);
  assert.equal(parseSessionPlaintext('route@@:abc:1'), undefined);
  assert.equal(parseSessionPlaintext('route@@a:abc:zz'), undefined);
});

test('capability bits follow upstream order and rebuild the announced capabilities', () => {
  const bits = capabilityBits({ tools: { listChanged: true }, prompts: {}, resources: { subscribe: true }, logging: {}, completions: {}, experimental: {} });
  assert.equal(bits, 0b110110111);
  assert.deepEqual(capabilitiesOf(bits), { tools: { listChanged: true }, prompts: {}, resources: { subscribe: true }, logging: {}, completions: {} });
  assert.equal(capabilityBits(undefined), 0);
});

test('event ids round-trip per backend', () => {
  const ids = new Map([['alpha', '17'], ['beta', 'x,y:z']]);
  assert.deepEqual(parseEventIds(formatEventIds(ids)), ids);
});
