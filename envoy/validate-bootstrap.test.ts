import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ENVOY_BINARY, ENVOY_BINARY_MISSING } from '../test/support/envoy-binary.js';
import { createLineRedactor } from './log-redactor.js';
import { validateBootstrap } from './validate-bootstrap.js';

const SECRET = 'sk-validate-secret-0123456789';
const redact = createLineRedactor({ secrets: [SECRET], isCredentialHeader: () => false });

test('the real Envoy accepts a valid bootstrap and refuses a bad one with its reason, secrets redacted', { skip: ENVOY_BINARY_MISSING, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aigw-validate-'));
  try {
    const cluster = (type: string): unknown => ({ static_resources: { clusters: [{ name: 'c', type, connect_timeout: '1s' }] } });
    assert.equal(await validateBootstrap(ENVOY_BINARY, cluster('STATIC'), join(dir, 'ok.json'), redact), undefined);
    const lines = await validateBootstrap(ENVOY_BINARY, cluster(SECRET), join(dir, 'bad.json'), redact);
    assert.ok(lines, 'refused');
    const text = lines.join('\n');
    assert.match(text, /unknown enum value/);
    assert.ok(!text.includes(SECRET), text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
