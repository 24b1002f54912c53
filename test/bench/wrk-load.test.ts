import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWrkOutput } from './wrk-load.js';

// Reports as wrk 4.1 prints them with --latency.
const OK_REPORT = `Running 1s test @ http://127.0.0.1:34573/v1/chat/completions
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   208.98us  547.61us   6.22ms   93.75%
    Req/Sec    24.93k    12.18k   37.06k    72.73%
  Latency Distribution
     50%   61.00us
     75%  109.00us
     90%  298.00us
     99%    3.14ms
  27220 requests in 1.10s, 12.88MB read
Requests/sec:  24742.78
Transfer/sec:     11.70MB
`;

const FAILING_REPORT = `Running 1s test @ http://127.0.0.1:34573/nope
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   122.81us  324.79us   1.01s    95.40%
    Req/Sec    34.01k    14.64k   45.61k    72.73%
  Latency Distribution
     50%   46.00us
     75%   67.00us
     90%  153.00us
     99%    1.99ms
  37109 requests in 1.10s, 10.44MB read
  Socket errors: connect 0, read 2, write 1, timeout 4
  Non-2xx or 3xx responses: 37000
Requests/sec:  33736.07
Transfer/sec:      9.49MB
`;

test('parseWrkOutput reads throughput, percentiles in ms and no errors from a clean report', () => {
  const result = parseWrkOutput(OK_REPORT);
  assert.equal(result.requests, 27220);
  assert.equal(result.errors, 0);
  assert.equal(result.elapsedMs, 1100);
  assert.ok(Math.abs(result.rps - 27220 / 1.1) < 1e-6);
  assert.ok(Math.abs(result.p50Ms - 0.061) < 1e-9);
  assert.equal(result.p99Ms, 3.14);
  assert.ok(Math.abs(result.meanMs - 0.20898) < 1e-9);
  assert.equal(result.maxMs, 6.22);
});

test('parseWrkOutput counts non-2xx answers and socket errors as errors, and only 2xx as requests', () => {
  const result = parseWrkOutput(FAILING_REPORT);
  assert.equal(result.errors, 37000 + 7);
  assert.equal(result.requests, 109);
  assert.equal(result.maxMs, 1010);
  assert.match(result.errorSamples[0] ?? '', /37000 non-2xx responses, 7 socket errors/);
});

test('parseWrkOutput refuses output without a summary (wrk failed to run)', () => {
  assert.throws(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused\n'), /no summary line/);
});
