import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findEnvoyTarball } from './envoy-versions-index.js';
import { envoyPlatform } from './envoy-platform.js';

const SUM = 'ab'.repeat(32);
const URL_AMD64 = 'https://archive.tetratelabs.io/envoy/download/v1.38.3/envoy-v1.38.3-linux-amd64.tar.xz';
const index = {
  latestVersion: '1.38.3',
  versions: {
    '1.38.3': { releaseDate: '2025-01-01', tarballs: { 'linux/amd64': URL_AMD64 } },
    '1.0.0': 'garbage that must not matter',
  },
  sha256sums: { 'envoy-v1.38.3-linux-amd64.tar.xz': SUM },
};

describe('findEnvoyTarball', () => {
  it('finds the URL and the checksum keyed by the URL base name', () => {
    assert.deepEqual(findEnvoyTarball(index, '1.38.3', 'linux/amd64'), {
      url: URL_AMD64,
      fileName: 'envoy-v1.38.3-linux-amd64.tar.xz',
      sha256: SUM,
    });
  });

  it('accepts keys in other letter cases, as Go json decoding does', () => {
    const upper = { Versions: { '1.38.3': { Tarballs: { 'linux/amd64': URL_AMD64 } } }, SHA256Sums: index.sha256sums };
    assert.equal(findEnvoyTarball(upper, '1.38.3', 'linux/amd64').sha256, SUM);
  });

  it('explains what is missing', () => {
    assert.throws(() => findEnvoyTarball([], '1.38.3', 'linux/amd64'), /not a JSON object/);
    assert.throws(() => findEnvoyTarball(index, '9.9.9', 'linux/amd64'), /9\.9\.9 is not listed/);
    assert.throws(() => findEnvoyTarball(index, '1.38.3', 'darwin/arm64'), /no Envoy 1\.38\.3 build for platform darwin\/arm64/);
    const noSum = { ...index, sha256sums: { 'envoy-v1.38.3-linux-amd64.tar.xz': 'short' } };
    assert.throws(() => findEnvoyTarball(noSum, '1.38.3', 'linux/amd64'), /no valid sha256sums entry/);
  });
});

describe('envoyPlatform', () => {
  it('maps node platform/arch to GOOS/GOARCH', () => {
    assert.equal(envoyPlatform('linux', 'x64'), 'linux/amd64');
    assert.equal(envoyPlatform('linux', 'arm64'), 'linux/arm64');
    assert.equal(envoyPlatform('darwin', 'x64'), 'darwin/amd64');
    assert.equal(envoyPlatform('darwin', 'arm64'), 'darwin/arm64');
    assert.equal(envoyPlatform('win32', 'x64'), undefined);
    assert.equal(envoyPlatform('linux', 'ia32'), undefined);
  });
});
