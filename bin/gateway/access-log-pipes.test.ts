import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../common/logger.js';
import { openAccessLogPipes } from './access-log-pipes.js';
import { isAigwError } from '../../common/errors.js';

const SECRET = 'sk-configured-secret-1234';
const RULES = { secrets: [SECRET], isCredentialHeader: () => false };

test('lines Envoy writes to the pipe reach the file redacted, in order and complete, existing content kept', { skip: process.platform === 'win32' ? 'FIFOs' : false }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-pipes-'));
  try {
    const file = join(dir, 'access.log');
    await writeFile(file, 'from before\n');
    const pipe = join(dir, 'access-log-0.pipe');
    const logged: string[] = [];
    const pipes = await openAccessLogPipes([{ pipe, file }], RULES, createLogger('debug', (line) => void logged.push(line)));
    assert.ok(statSync(pipe).isFIFO());
    // Envoy's side: it opens the pipe for writing and writes whole flushes (here split mid-line).
    const envoy = openSync(pipe, 'w');
    writeSync(envoy, `{"auth":"Bearer ${SECRET}","echo":"${SECRET}"}\n{"auth":"Bearer client-tok`);
    writeSync(envoy, 'en-5678","path":"/v1/chat/completions"}\n');
    await waitFor(async () => (await readFile(file, 'utf8')).includes('/v1/chat/completions'), 'lines copied while Envoy runs');
    writeSync(envoy, 'last line, no newline');
    closeSync(envoy); // Envoy exits
    await pipes.close();
    assert.equal(await readFile(file, 'utf8'), 'from before\n{"auth":"Bearer <redacted>","echo":"<redacted>"}\n{"auth":"Bearer <redacted>","path":"/v1/chat/completions"}\nlast line, no newline');
    assert.equal(existsSync(pipe), false, 'the pipe is removed');
    assert.deepEqual(logged, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a file that cannot be opened fails the start, naming it (no parent directory is created, as with Envoy)', { skip: process.platform === 'win32' ? 'FIFOs' : false }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-pipes-'));
  try {
    const file = join(dir, 'missing', 'access.log');
    await assert.rejects(openAccessLogPipes([{ pipe: join(dir, 'p.pipe'), file }], RULES, createLogger('debug', () => undefined)), (error: unknown) => {
      assert.ok(isAigwError(error, 'RUN'));
      assert.match(error.message, new RegExp(`^cannot open the access log file ${file.replace(/[/.]/g, '\\$&')} \\(an EnvoyProxy File sink\\): ENOENT`));
      return true;
    });
    assert.equal(existsSync(join(dir, 'missing')), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('close() does not wait for ever when something still holds the pipe open', { skip: process.platform === 'win32' ? 'FIFOs' : false }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-pipes-'));
  try {
    const file = join(dir, 'access.log');
    const pipe = join(dir, 'p.pipe');
    const logged: string[] = [];
    const pipes = await openAccessLogPipes([{ pipe, file }], RULES, createLogger('debug', (line) => void logged.push(line)));
    const stuck = openSync(pipe, 'w');
    writeSync(stuck, 'one\n');
    const started = Date.now();
    await pipes.close(300);
    assert.ok(Date.now() - started < 2000);
    closeSync(stuck);
    assert.equal(await readFile(file, 'utf8'), 'one\n');
    assert.match(logged.join('\n'), /its pipe was still open 300 ms after Envoy exited; stopped copying/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('add: a reloaded configuration’s new file gets its pipe, a file already piped keeps its own, an unopenable one is refused naming it', { skip: process.platform === 'win32' ? 'FIFOs' : false }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-pipes-'));
  try {
    const first = { pipe: join(dir, 'a.pipe'), file: join(dir, 'a.log') };
    const second = { pipe: join(dir, 'b.pipe'), file: join(dir, 'b.log') };
    const pipes = await openAccessLogPipes([first], RULES, createLogger('debug', () => undefined));
    const envoyA = openSync(first.pipe, 'w');
    await pipes.add([first, second]);
    assert.ok(statSync(second.pipe).isFIFO());
    const envoyB = openSync(second.pipe, 'w');
    writeSync(envoyA, 'to a\n');
    writeSync(envoyB, `to b ${SECRET}\n`);
    await waitFor(async () => existsSync(second.file) && (await readFile(second.file, 'utf8')).includes('to b'), 'the added pipe copied');
    await assert.rejects(pipes.add([{ pipe: join(dir, 'c.pipe'), file: join(dir, 'missing', 'c.log') }]), /cannot open the access log file .*missing/);
    closeSync(envoyA);
    closeSync(envoyB);
    await pipes.close();
    assert.equal(await readFile(first.file, 'utf8'), 'to a\n');
    assert.equal(await readFile(second.file, 'utf8'), 'to b <redacted>\n');
    assert.equal(existsSync(second.pipe), false, 'close removes the added pipes too');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
