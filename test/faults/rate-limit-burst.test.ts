/**
 * A burst through a rate-limited route: 1500 concurrent requests, each checked by the rate-limit
 * service before it goes upstream and charged when it ends (3000 calls, many in flight at once).
 * With `--ratelimit-failure-mode-deny` any failed call would be a 503, so every request must get
 * its 200: the calls are not capped by Envoy's default circuit breaker (1024) nor dropped by the
 * service. The counters then hold exactly what was charged.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { globalRateLimitDocument, postChat, TEST_GATEWAY, tokenCost, type ChatResult } from '../support/rate-limit-yaml.js';

const REQUESTS = 1500;
/** Tokens per request (the fake's usage: 11 prompt + 7 completion). */
const TOKENS = 18;

let upstream: FakeOpenAI;
let aigw: AigwProcess;

/** One budget for everyone, large enough for the burst and exactly spent by it plus one request. */
const budget = globalRateLimitDocument('burst-budget', [{ headers: [{ name: 'x-ai-eg-model', type: 'Distinct' }], requests: REQUESTS * TOKENS, unit: 'Hour', cost: tokenCost('llm_total_token') }], TEST_GATEWAY);

before(async () => {
  upstream = await startFakeOpenAI({ delayMs: 3000, record: false });
  aigw = await startAigw({ configYaml: (port) => gatewayConfigYaml({ port, upstreamPort: upstream.port, accessLog: false, extraDocuments: [budget] }), captureStdout: false, extraArgs: ['--ratelimit-failure-mode-deny'] });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
});

function chat(): Promise<ChatResult> {
  return postChat(aigw.port, 'gpt-4o-mini', {}, 90_000);
}

test(`${REQUESTS} concurrent rate-limited requests (fail closed) all get their 200; then the budget they spent is exactly used up`, { timeout: 180_000 }, async () => {
  const outcomes = await Promise.all(Array.from({ length: REQUESTS }, () => chat().then((answer) => (answer.status === 200 ? undefined : `${answer.status} ${answer.body.slice(0, 200)}`), (error: unknown) => String(error))));
  const failures = outcomes.filter((outcome) => outcome !== undefined);
  assert.equal(failures.length, 0, `${failures.length} of ${REQUESTS} failed, e.g. ${failures.slice(0, 3).join(' | ')}`);
  // Every charge landed (none lost in the burst): the budget is spent to the token. The last
  // charges go out as the last responses end: give them a moment (bounded) to land.
  upstream.configure({ delayMs: 0 });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const atLimit = await chat();
  assert.equal(atLimit.status, 200, `exactly at the limit is not over it: ${atLimit.body}`);
  const over = await chat();
  assert.equal(over.status, 429, `one request past the budget is refused (a lost charge would let it through): ${over.body}`);
});
