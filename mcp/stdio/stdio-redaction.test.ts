// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stdioServerRedactor } from './stdio-redaction.js';

test('redacts the server’s env values, credential-named variables and Bearer tokens; keeps short values and the rest', () => {
  const redact = stdioServerRedactor({ GITHUB_PAT: 'ghp_abcdefghijklmnop', OPENAI_API_KEY: 'sk-live-1234567890', HOME: '/home/someone', MODE: 'unused' }, ['GITHUB_PAT', 'MODE']);
  assert.equal(redact('auth failed for ghp_abcdefghijklmnop (home /home/someone, mode unused)'), 'auth failed for <redacted> (home /home/someone, mode unused)');
  assert.equal(redact('using sk-live-1234567890'), 'using <redacted>');
  assert.equal(redact('header Authorization: Bearer abc.def-ghi'), 'header Authorization: Bearer <redacted>');
});
