import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ENVOY_VERSION, findEnvoyVersionFile, parseEnvoyVersionFile } from './envoy-version.js';

describe('ENVOY_VERSION', () => {
  it('is the pin from envoy-version.json', () => {
    const file = findEnvoyVersionFile(dirname(fileURLToPath(import.meta.url)));
    const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
    assert.ok(typeof raw === 'object' && raw !== null && 'version' in raw);
    assert.equal(ENVOY_VERSION, raw.version);
    assert.match(ENVOY_VERSION, /^\d+\.\d+\.\d+$/);
  });

  it('rejects malformed pins', () => {
    assert.equal(parseEnvoyVersionFile({ version: '1.2.3', '//': 'comment' }), '1.2.3');
    assert.throws(() => parseEnvoyVersionFile([]), /"version" field/);
    assert.throws(() => parseEnvoyVersionFile({ version: 'v1.2' }), /must look like/);
    assert.throws(() => parseEnvoyVersionFile({ version: 1 }), /must look like/);
  });
});
