import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { percentile, probe, runLoad } from './load-generator.js';

void describe('load generator', () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await startFakeOpenAI({ record: false });
  });
  after(() => fake.close());
  const body = Buffer.from(JSON.stringify({ model: 'm', messages: [] }));
  const ok = (status: number): string | undefined => (status === 200 ? undefined : 'bad status');

  void it('computes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 0.5), 50);
    assert.equal(percentile(values, 0.99), 99);
    assert.equal(percentile([7], 0.99), 7);
    assert.ok(Number.isNaN(percentile([], 0.5)));
  });

  void it('measures a fixed duration and counts successes', async () => {
    const started = Date.now();
    const result = await runLoad({ url: `${fake.url}/v1/chat/completions`, body, concurrency: 4, durationMs: 300, warmupMs: 100, validate: ok });
    assert.ok(Date.now() - started < 2_000);
    assert.equal(result.errors, 0);
    assert.ok(result.requests > 10, `only ${result.requests} requests`);
    assert.ok(result.p50Ms <= result.p99Ms && result.p99Ms <= result.maxMs);
    assert.ok(result.rps > 0);
  });

  void it('reports failed requests with a sample', async () => {
    const result = await runLoad({ url: `${fake.url}/v1/unknown`, body, concurrency: 2, durationMs: 100, warmupMs: 0, validate: ok });
    assert.equal(result.requests, 0);
    assert.ok(result.errors > 0);
    assert.match(result.errorSamples[0] ?? '', /HTTP 404: bad status/);
    assert.match((await probe({ url: 'http://127.0.0.1:1/', body, validate: ok })) ?? '', /ECONNREFUSED/);
    assert.equal(await probe({ url: `${fake.url}/v1/chat/completions`, body, validate: ok }), undefined);
  });
});
