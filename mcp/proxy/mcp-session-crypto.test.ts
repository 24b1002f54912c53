import assert from 'node:assert/strict';
import { createCipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createLogger } from '../../common/logger.js';
import { McpSessionCrypto, mcpSessionCryptoFromEnv } from './mcp-session-crypto.js';

const FAST = 1000;

test('round-trips and never shows the plaintext', async () => {
  const crypto = new McpSessionCrypto({ seed: 'seed-a', iterations: FAST });
  const encrypted = await crypto.encrypt('route@alice@backend:c2lk:1');
  assert.ok(!encrypted.includes('backend'));
  assert.equal(await crypto.decrypt(encrypted), 'route@alice@backend:c2lk:1');
  // Random nonces: the same plaintext never encrypts to the same text.
  assert.notEqual(await crypto.encrypt('x'), await crypto.encrypt('x'));
});

test('another process with the same seed decrypts; another seed does not', async () => {
  const encrypted = await new McpSessionCrypto({ seed: 'shared', iterations: FAST }).encrypt('hello');
  assert.equal(await new McpSessionCrypto({ seed: 'shared', iterations: FAST }).decrypt(encrypted), 'hello');
  assert.equal(await new McpSessionCrypto({ seed: 'other', iterations: FAST }).decrypt(encrypted), undefined);
  assert.equal(await new McpSessionCrypto({ seed: 'shared', iterations: FAST + 1 }).decrypt(encrypted), undefined);
});

test('the fallback seed decrypts ids made before a rotation', async () => {
  const old = await new McpSessionCrypto({ seed: 'old', iterations: FAST }).encrypt('kept');
  const rotated = new McpSessionCrypto({ seed: 'new', iterations: FAST }, { seed: 'old', iterations: FAST });
  assert.equal(await rotated.decrypt(old), 'kept');
  assert.equal(await new McpSessionCrypto({ seed: 'old', iterations: FAST }).decrypt(await rotated.encrypt('fresh')), undefined);
});

test('reads the upstream format: base64(salt16 | nonce12 | ciphertext | tag16), PBKDF2-SHA256 key', async () => {
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const key = pbkdf2Sync('default-insecure-seed', salt, FAST, 32, 'sha256');
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const sealed = Buffer.concat([cipher.update('upstream', 'utf8'), cipher.final(), cipher.getAuthTag()]);
  const encrypted = Buffer.concat([salt, nonce, sealed]).toString('base64');
  assert.equal(await new McpSessionCrypto({ seed: 'default-insecure-seed', iterations: FAST }).decrypt(encrypted), 'upstream');
});

test('rejects garbage and tampering without throwing', async () => {
  const crypto = new McpSessionCrypto({ seed: 's', iterations: FAST });
  assert.equal(await crypto.decrypt('not base64!'), undefined);
  assert.equal(await crypto.decrypt('AAAA'), undefined);
  const bytes = Buffer.from(await crypto.encrypt('abc'), 'base64');
  bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
  assert.equal(await crypto.decrypt(bytes.toString('base64')), undefined);
});

test('environment: default seed warns once, iterations validated', () => {
  const lines: string[] = [];
  const logger = createLogger('warn', (line) => lines.push(line));
  mcpSessionCryptoFromEnv({}, logger);
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /AIGW_MCP_SESSION_SEED/);
  mcpSessionCryptoFromEnv({ AIGW_MCP_SESSION_SEED: 'x', AIGW_MCP_FALLBACK_SESSION_SEED: 'y', AIGW_MCP_SESSION_ITERATIONS: '10' }, logger);
  assert.equal(lines.length, 1);
  assert.throws(() => mcpSessionCryptoFromEnv({ AIGW_MCP_SESSION_SEED: 'x', AIGW_MCP_SESSION_ITERATIONS: 'many' }, logger), /AIGW_MCP_SESSION_ITERATIONS/);
});

test('epochs: a value tells the epoch it was encrypted for, only to the crypto that made it', async () => {
  const crypto = new McpSessionCrypto({ seed: 'seed-e', iterations: FAST });
  const first = await crypto.encrypt('a', 0);
  const second = await crypto.encrypt('b', 3);
  assert.equal(crypto.epochOf(first), 0);
  assert.equal(crypto.epochOf(second), 3);
  // Without an epoch: the newest asked for so far (event ids, whose epoch nobody reads).
  assert.equal(crypto.epochOf(await crypto.encrypt('c')), 3);
  // An older epoch asked for again (a request begun before a reload) is still dated with it.
  assert.equal(crypto.epochOf(await crypto.encrypt('d', 0)), 0);
  for (let epoch = 4; epoch < 12; epoch++) await crypto.encrypt('x', epoch);
  const late = await crypto.encrypt('e', 1);
  assert.equal(crypto.epochOf(late), 1);
  assert.equal(await crypto.decrypt(late), 'e');
  // Another process (same seed) decrypts, but cannot date: the session is taken as current.
  const twin = new McpSessionCrypto({ seed: 'seed-e', iterations: FAST });
  assert.equal(await twin.decrypt(second), 'b');
  assert.equal(twin.epochOf(second), undefined);
  assert.equal(crypto.epochOf('not base64!'), undefined);
  assert.equal(crypto.epochOf('AAAA'), undefined);
});
