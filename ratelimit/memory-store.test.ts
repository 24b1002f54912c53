import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from './memory-store.js';
import type { CounterIncrement } from './rate-limit-store.js';

const counter = (key: string, hits: number, windowEndMs: number): CounterIncrement => ({ key, hits, windowSeconds: 60, windowEndMs });

test('counts per key, drops a counter when its window ends', { timeout: 5000 }, async () => {
  const clock = { now: 1000 };
  const store = new MemoryStore({ now: () => clock.now });
  assert.deepEqual(await store.increment([counter('a', 1, 60_000), counter('a', 2, 60_000), counter('b', 0, 120_000)]), [1, 3, 0]);
  assert.equal(store.size, 2);
  clock.now = 60_000;
  assert.deepEqual(await store.increment([counter('b', 1, 120_000)]), [1]);
  assert.equal(store.size, 1, 'the ended window of a is gone');
  clock.now = 120_000;
  assert.deepEqual(await store.increment([]), []);
  assert.equal(store.size, 0);
});

test('bounded: a million distinct values in one window never hold more than maxCounters; the oldest go first', { timeout: 30_000 }, async () => {
  let evicted = 0;
  const store = new MemoryStore({ maxCounters: 1000, now: () => 0, onEvict: (count) => (evicted += count) });
  const yearEnd = 365 * 86_400_000;
  for (let batch = 0; batch < 1000; batch++) {
    await store.increment(Array.from({ length: 1000 }, (_, i) => counter(`tenant-${batch * 1000 + i}`, 1, yearEnd)));
    assert.ok(store.size <= 1000, `${store.size} counters held`);
  }
  assert.equal(store.size, 1000);
  assert.equal(evicted, 999_000);
  // The newest are kept (and keep counting), the oldest restart from zero.
  assert.deepEqual(await store.increment([counter('tenant-999999', 1, yearEnd), counter('tenant-0', 1, yearEnd)]), [2, 1]);
});

test('a full store drops ended windows before evicting live counters', { timeout: 5000 }, async () => {
  const clock = { now: 0 };
  let evicted = 0;
  const store = new MemoryStore({ maxCounters: 2, now: () => clock.now, onEvict: (count) => (evicted += count) });
  await store.increment([counter('short', 1, 1000), counter('long', 1, 100_000)]);
  clock.now = 1000;
  assert.deepEqual(await store.increment([counter('new', 1, 100_000), counter('long', 1, 100_000)]), [1, 2]);
  assert.equal(evicted, 0);
});

test('maxCounters must be a positive integer', { timeout: 5000 }, () => {
  assert.throws(() => new MemoryStore({ maxCounters: 0 }), /maxCounters/);
});
