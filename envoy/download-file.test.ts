import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAigwError } from '../common/errors.js';
import { downloadFile, fetchJson } from './download-file.js';
import { makeTempDir, removeDir } from '../test/support/fake-envoy-fixtures.js';

describe('downloadFile / fetchJson', () => {
  const body = Buffer.alloc(300_000, 7);
  let base = '';
  let work = '';
  const server = createServer((req, res) => {
    if (req.url === '/redirect') res.writeHead(302, { location: '/file' }).end();
    else if (req.url === '/file') res.writeHead(200, { 'content-length': String(body.length) }).end(body);
    else if (req.url === '/json') res.writeHead(200).end('{"a":1}');
    else if (req.url === '/bad-json') res.writeHead(200).end('{nope');
    else if (req.url === '/stall') {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial'); // then never finishes
    } else res.writeHead(404).end();
  });

  before(async () => {
    work = await makeTempDir('dlfile');
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    base = `http://127.0.0.1:${address.port}`;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await removeDir(work);
  });

  it('follows redirects, hashes and reports progress', async () => {
    const dest = join(work, 'f');
    const seen: number[] = [];
    let total: number | undefined;
    const got = await downloadFile(`${base}/redirect`, dest, { onStart: (t) => (total = t), onProgress: (n) => seen.push(n) });
    assert.equal(total, body.length);
    assert.equal(got.bytes, body.length);
    assert.equal(got.sha256, createHash('sha256').update(body).digest('hex'));
    assert.deepEqual(await readFile(dest), body);
    assert.equal(seen.at(-1), body.length);
  });

  it('turns HTTP errors into ENVOY errors naming the status and the URL', async () => {
    await assert.rejects(downloadFile(`${base}/missing`, join(work, 'g')), (err: unknown) => {
      assert.ok(isAigwError(err, 'ENVOY'));
      assert.match(err.message, new RegExp(`^HTTP 404( Not Found)? from ${base}/missing$`));
      return true;
    });
  });

  it('times out a stalled body instead of hanging', async () => {
    await assert.rejects(downloadFile(`${base}/stall`, join(work, 'h'), { idleTimeoutMs: 200 }), /timed out/);
  });

  it('parses JSON bodies as unknown and rejects invalid JSON', async () => {
    assert.deepEqual(await fetchJson(`${base}/json`), { a: 1 });
    await assert.rejects(fetchJson(`${base}/bad-json`), /did not return valid JSON/);
  });
});
