import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { AccumulatedRedactionRules, accessLogRedactor, createLineRedactor, redactingLineStream, secretVariants } from './log-redactor.js';

const rules = { secrets: ['sk-configured-secret', 'short'], isCredentialHeader: (name: string) => ['authorization', 'x-tenant-key'].includes(name) };

test('Envoy header dumps: credential header values are redacted, others kept', () => {
  const redact = createLineRedactor(rules);
  assert.equal(redact("'authorization', 'Bearer client-token-123'"), "'authorization', '<redacted>'");
  assert.equal(redact("'x-tenant-key', 'tenant-secret'"), "'x-tenant-key', '<redacted>'");
  assert.equal(redact("':path', '/v1/chat/completions'"), "':path', '/v1/chat/completions'");
});

test('protobuf text dumps: the value after a credential key, in header and Struct form', () => {
  const redact = createLineRedactor(rules);
  const lines = ['        header {', '          key: "authorization"', '          raw_value: "Bearer minted-token"', '        }', '          key: ":path"', '          raw_value: "/v1/x"'];
  assert.deepEqual(lines.map(redact), ['        header {', '          key: "authorization"', '          raw_value: "<redacted>"', '        }', '          key: ":path"', '          raw_value: "/v1/x"']);
  const struct = ['          key: "x-tenant-key"', '          value {', '            string_value: "tenant-secret"', '          }', '          key: "model"', '          value {', '            string_value: "gpt"'];
  assert.deepEqual(struct.map(createLineRedactor(rules)), ['          key: "x-tenant-key"', '          value {', '            string_value: "<redacted>"', '          }', '          key: "model"', '          value {', '            string_value: "gpt"']);
});

test('trace-level codec lines, Bearer tokens anywhere and configured secrets anywhere', () => {
  const redact = createLineRedactor(rules);
  assert.equal(redact('[trace][http] completed header: key=x-tenant-key value=tenant-secret'), '[trace][http] completed header: key=x-tenant-key value=<redacted>');
  assert.equal(redact('[trace][http] completed header: key=accept value=*/*'), '[trace][http] completed header: key=accept value=*/*');
  assert.equal(redact('upstream said: Authorization: Bearer abc.def-ghi'), 'upstream said: Authorization: Bearer <redacted>');
  assert.equal(redact('{"note":"key sk-configured-secret in a log"}'), '{"note":"key <redacted> in a log"}');
  assert.equal(redact('a short word stays'), 'a short word stays', 'secrets under 8 characters are not searched for');
});

test('secretVariants: lines of multi-line secrets, the token of a Bearer value, key material of a JSON key file', () => {
  const variants = secretVariants(['Bearer mcp-token-12345', '[default]\naws_secret_access_key=abcdefgh12345\n', JSON.stringify({ type: 'service_account', private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n', client_email: 'a@b.c' })]);
  for (const expected of ['Bearer mcp-token-12345', 'mcp-token-12345', 'aws_secret_access_key=abcdefgh12345', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC']) assert.ok(variants.includes(expected), expected);
  assert.ok(!variants.includes('a@b.c'));
});

test('redactingLineStream: lines split across chunks, a last line without a newline', async () => {
  const seen: string[] = [];
  const stream = Readable.from([Buffer.from("'authorization', 'Bea"), Buffer.from("rer x'\nplain\nlast")]).pipe(redactingLineStream(createLineRedactor(rules), (line) => seen.push(line)));
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  assert.equal(out, "'authorization', '<redacted>'\nplain\nlast");
  assert.deepEqual(seen, ["'authorization', '<redacted>'", 'plain', 'last']);
});

test('accessLogRedactor: configured secrets and Bearer tokens in any field; the line is otherwise left as the format printed it', () => {
  const redact = accessLogRedactor(rules);
  assert.equal(redact('{"auth":"Bearer sk-configured-secret","echo":"sk-configured-secret","path":"/v1/x"}'), '{"auth":"Bearer <redacted>","echo":"<redacted>","path":"/v1/x"}');
  assert.equal(redact("'authorization', 'plain-value'"), "'authorization', 'plain-value'", 'no header-dump rule: a format may print such pairs');
  assert.equal(accessLogRedactor(undefined)('POST /v1 "Bearer client-token-1"'), 'POST /v1 "Bearer <redacted>"', 'bearer tokens even without configured secrets');
});

test('AccumulatedRedactionRules: redactors made before a reload redact the reloaded configuration’s secrets and headers too, and keep the old ones', () => {
  const accumulated = new AccumulatedRedactionRules({ secrets: ['sk-old-secret-1'], isCredentialHeader: (name) => name === 'authorization' });
  const redact = createLineRedactor(accumulated);
  const access = accessLogRedactor(accumulated);
  assert.equal(redact('sk-new-secret-2'), 'sk-new-secret-2');
  accumulated.add({ secrets: ['sk-new-secret-2', 'sk-old-secret-1'], isCredentialHeader: (name) => name === 'x-rotated-key' });
  assert.deepEqual(accumulated.secrets, ['sk-old-secret-1', 'sk-new-secret-2']);
  assert.equal(redact('old sk-old-secret-1 new sk-new-secret-2'), 'old <redacted> new <redacted>');
  assert.equal(access('"sk-new-secret-2"'), '"<redacted>"');
  assert.equal(redact("  'x-rotated-key', 'value-of-it'"), "  'x-rotated-key', '<redacted>'");
  assert.equal(redact("  'authorization', 'value-of-it'"), "  'authorization', '<redacted>'");
});
