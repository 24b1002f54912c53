import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isAigwError } from '../common/errors.js';
import { getEnvoyBinaryVersion, parseEnvoyVersionOutput } from './envoy-binary-version.js';
import { makeTempDir, removeDir, writeExecutable } from '../test/support/fake-envoy-fixtures.js';

describe('envoy --version', () => {
  it('parses the real 1.38.3 output', () => {
    const out = '\n./envoy/_bin/envoy  version: 0ebfcfe5b0484b89ca85b761da9e05ce75dbda8d/1.38.3/Modified/RELEASE/BoringSSL\n\n';
    assert.deepEqual(parseEnvoyVersionOutput(out), {
      commit: '0ebfcfe5b0484b89ca85b761da9e05ce75dbda8d',
      version: '1.38.3',
      line: './envoy/_bin/envoy  version: 0ebfcfe5b0484b89ca85b761da9e05ce75dbda8d/1.38.3/Modified/RELEASE/BoringSSL',
    });
    assert.equal(parseEnvoyVersionOutput('envoy  version: abcdef1/1.39.0-dev/Clean/DEBUG/BoringSSL')?.version, '1.39.0-dev');
    assert.equal(parseEnvoyVersionOutput('hello'), undefined);
  });

  it('reports a binary that does not behave like Envoy', async () => {
    const dir = await makeTempDir('badbin');
    try {
      const path = join(dir, 'envoy');
      await writeExecutable(path, '#!/bin/sh\necho "cannot execute: wrong ELF class" >&2\nexit 126\n');
      await assert.rejects(getEnvoyBinaryVersion(path), (err: unknown) => {
        assert.ok(isAigwError(err, 'ENVOY'));
        assert.match(err.message, /exit 126.*wrong ELF class/);
        return true;
      });
    } finally {
      await removeDir(dir);
    }
  });
});
