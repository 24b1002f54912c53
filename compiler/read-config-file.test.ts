import assert from 'node:assert/strict';
import { mkdtemp, open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, type Diagnostic } from './diagnostic.js';
import { decodeConfigText, MAX_CONFIG_BYTES, readConfigFile, sizeProblem } from './read-config-file.js';

/** The one diagnostic of the ConfigError `promise` rejects with; its message is the error's. */
async function refusal(promise: Promise<unknown>): Promise<Diagnostic> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.diagnostics.length, 1);
    const [diagnostic] = error.diagnostics;
    assert.ok(diagnostic);
    assert.equal(error.message, diagnostic.message);
    return diagnostic;
  }
  assert.fail('expected a ConfigError');
}

test('reads a UTF-8 file as text', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-read-'));
  await writeFile(join(dir, 'ok.yaml'), 'kind: Gateway # é 😀\n');
  assert.equal(await readConfigFile(join(dir, 'ok.yaml')), 'kind: Gateway # é 😀\n');
});

test('a file over the limit is refused from its size, without reading it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-read-'));
  const path = join(dir, 'huge.yaml');
  // A sparse 100 MiB file: reading it would take time and memory, stat does not.
  const handle = await open(path, 'w');
  await handle.truncate(100 * 1024 * 1024);
  await handle.close();
  const started = Date.now();
  const error = await refusal(readConfigFile(path, 'huge.yaml'));
  assert.ok(Date.now() - started < 500);
  assert.deepEqual(error, {
    severity: 'error',
    file: 'huge.yaml',
    message: 'the file is 100 MiB; aigw reads configuration files of at most 4 MiB',
    hint: 'is this the right file? a real configuration is a few kilobytes',
  });
});

test('a stream with no size (/dev/zero) is cut off at the limit', async () => {
  const error = await refusal(readConfigFile('/dev/zero'));
  assert.equal(error.message, 'the file is more than 4 MiB; aigw reads configuration files of at most 4 MiB');
});

test('bytes that are not UTF-8 are refused at their line and column', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-read-'));
  const path = join(dir, 'latin1.yaml');
  await writeFile(path, Buffer.concat([Buffer.from('kind: Gateway\nname: caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
  const error = await refusal(readConfigFile(path, 'latin1.yaml'));
  assert.deepEqual(error, {
    severity: 'error',
    file: 'latin1.yaml',
    line: 2,
    column: 10,
    message: 'invalid YAML: the file is not valid UTF-8 (byte 0xe9 at offset 23)',
    hint: 'save it as UTF-8; is it a binary file?',
  });
  assert.throws(() => decodeConfigText(Buffer.from([0x61, 0xff]), 'x'), ConfigError);
});

test('other failures are thrown as they are', async () => {
  await assert.rejects(readConfigFile('/nonexistent/aigw.yaml'), (error: unknown) => error instanceof Error && 'code' in error && error.code === 'ENOENT');
});

test('sizeProblem: exact or at-least sizes', () => {
  assert.equal(sizeProblem(MAX_CONFIG_BYTES), undefined);
  assert.match(sizeProblem(MAX_CONFIG_BYTES + 1)?.message ?? '', /^the file is 4 MiB; /);
  assert.match(sizeProblem(MAX_CONFIG_BYTES + 1, true)?.message ?? '', /^the file is more than 4 MiB; /);
});
