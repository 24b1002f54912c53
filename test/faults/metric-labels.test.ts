/**
 * Client-chosen metric labels through the real gateway (aigw CLI, Envoy, ext_proc, Prometheus
 * and OTLP): a route that takes any model, 5,000 requests with distinct model names (some of
 * them 1000 characters long) and distinct values of a header-mapped label. `/metrics` stays
 * small, configured model names still appear as themselves, the rest past the cap is the
 * overflow value, long values are truncated, and the ext_proc's memory stays flat.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_LABEL_LIMITS, OVERFLOW_LABEL_VALUE } from '../../extproc/telemetry/metrics/label-limits.js';
import { freePort, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { gatewayPids, rssBytes } from '../support/process-tree.js';

const linuxOnly = process.platform !== 'linux' ? 'needs /proc (Linux)' : false;
const MiB = 1024 * 1024;
/** An Exact rule's model: always a label value of its own. */
const CONFIGURED = 'gpt-4o-mini';
/** An Exact rule whose backend has a modelNameOverride: both names are configured. */
const ALIAS = 'team-alias';
const OVERRIDE = 'override-target';
/**
 * As many as the measured batch: the ext_proc reaches its working size at this concurrency (heap,
 * pools, JIT) and the label caps fill, so what the measured batch adds is only what it keeps.
 */
const WARM_UP = 5000;
const REQUESTS = 5000;
const CONCURRENCY = 32;
const { maxLength, maxValues } = DEFAULT_LABEL_LIMITS;

let upstream: FakeOpenAI;
let receiver: OtlpReceiver;
let aigw: AigwProcess;
let port: number;

before(async () => {
  upstream = await startFakeOpenAI({ record: false });
  receiver = await startOtlpReceiver();
  port = await freePort();
  const anyModelRoute = {
    apiVersion: 'aigateway.envoyproxy.io/v1beta1',
    kind: 'AIGatewayRoute',
    metadata: { name: 'any-model', namespace: 'default' },
    spec: {
      parentRefs: [{ name: 'aigw-run', kind: 'Gateway', group: 'gateway.networking.k8s.io' }],
      rules: [
        { matches: [{ headers: [{ type: 'Exact', name: 'x-ai-eg-model', value: ALIAS }] }], backendRefs: [{ name: 'openai', modelNameOverride: OVERRIDE }] },
        { matches: [{ headers: [{ type: 'RegularExpression', name: 'x-ai-eg-model', value: '.*' }] }], backendRefs: [{ name: 'openai' }] },
      ],
    },
  };
  aigw = await startAigw({
    configYaml: gatewayConfigYaml({ port, upstreamPort: upstream.port, models: [CONFIGURED], accessLog: false, extraDocuments: [anyModelRoute] }),
    captureStdout: false,
    env: {
      OTEL_AIGW_METRICS_REQUEST_HEADER_ATTRIBUTES: 'x-team-id:team.id',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${receiver.url}/v1/metrics`,
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
      OTEL_METRIC_EXPORT_INTERVAL: '2000',
    },
  });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
  await receiver?.close();
});

async function chat(model: string, team: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-team-id': team },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(20_000),
  });
  await response.arrayBuffer();
  return response.status;
}

/** Sends requests `from` to `to - 1` (model and team named by `name(i)`), CONCURRENCY at a time; returns the statuses that were not 200. */
async function sendMany(from: number, to: number, name: (i: number) => { model: string; team: string }): Promise<number[]> {
  const failures: number[] = [];
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) {
      const { model, team } = name(next++);
      const status = await chat(model, team).catch(() => 0);
      if (status !== 200) failures.push(status);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return failures;
}

/** A 1000-character model name starting with `long-<i>-`. */
const longName = (i: number): string => `long-${i}-`.padEnd(1000, 'x');

/** Distinct names; every 25th is 1000 characters long; every team id is new. */
const distinct = (prefix: string) => (i: number) => ({ model: i % 25 === 0 ? longName(i) : `${prefix}-${i}`, team: `${prefix}-team-${i}` });

/** Every value of `label` in Prometheus text (label values here need no unescaping). */
function labelValues(text: string, label: string): Set<string> {
  const values = new Set<string>();
  for (const match of text.matchAll(new RegExp(`[{,]${label}="([^"]*)"`, 'g'))) values.add(match[1] ?? '');
  return values;
}

test('5,000 distinct model names and header values: /metrics stays small, configured names stay, memory stays flat', { skip: linuxOnly, timeout: 240_000 }, async (t) => {
  const { extProc } = await gatewayPids(aigw.pid);
  // Long names first, one at a time, so they are admitted before the cap fills.
  for (const i of [1, 2, 3]) assert.equal(await chat(longName(i), `first-${i}`), 200);
  assert.deepEqual(await sendMany(0, WARM_UP, distinct('warm')), []);
  const rssWarm = (await rssBytes(extProc)) ?? 0;

  const started = performance.now();
  assert.deepEqual(await sendMany(0, REQUESTS, distinct('model')), []);
  const seconds = (performance.now() - started) / 1000;
  // Configured names after the cap is full: still themselves.
  assert.equal(await chat(CONFIGURED, 'late-team'), 200);
  assert.equal(await chat(ALIAS, 'late-team'), 200);
  const rssAfter = (await rssBytes(extProc)) ?? 0;

  const response = await fetch(`http://127.0.0.1:${aigw.adminPort}/metrics`, { signal: AbortSignal.timeout(20_000) });
  const text = await response.text();
  const bytes = Buffer.byteLength(text);
  const models = labelValues(text, 'gen_ai_original_model');
  const teams = labelValues(text, 'team_id');
  t.diagnostic(
    `${REQUESTS} requests in ${seconds.toFixed(1)} s; /metrics ${(bytes / 1024).toFixed(0)} KiB, ${models.size} original models, ${teams.size} teams; ` +
      `ext_proc RSS ${(rssWarm / MiB).toFixed(1)} MiB after ${WARM_UP} warm-up requests, ${(rssAfter / MiB).toFixed(1)} MiB after ${REQUESTS} more`,
  );

  assert.equal(response.status, 200);
  assert.ok(bytes < 2 * MiB, `/metrics is ${bytes} bytes`);
  // The gen_ai_request_model of the alias is the override; both are configured names.
  assert.match(text, new RegExp(`gen_ai_original_model="${CONFIGURED}",gen_ai_request_model="${CONFIGURED}",gen_ai_response_model="${CONFIGURED}",team_id="${OVERFLOW_LABEL_VALUE}"`));
  assert.match(text, new RegExp(`gen_ai_original_model="${ALIAS}",gen_ai_request_model="${OVERRIDE}",gen_ai_response_model="${OVERRIDE}"`));
  assert.ok(models.has(OVERFLOW_LABEL_VALUE), 'model names past the cap are the overflow value');
  assert.ok(teams.has(OVERFLOW_LABEL_VALUE), 'team ids past the cap are the overflow value');
  // The cap, plus the configured names and the overflow value.
  assert.ok(models.size <= maxValues + 3, `${models.size} original model values`);
  assert.ok(teams.size <= maxValues + 1, `${teams.size} team values`);
  for (const i of [1, 2, 3]) assert.ok(models.has(longName(i).slice(0, maxLength)), `long-${i}-… truncated to ${maxLength} characters`);
  for (const label of ['gen_ai_original_model', 'gen_ai_request_model', 'gen_ai_response_model', 'team_id']) {
    for (const value of labelValues(text, label)) assert.ok(value.length <= maxLength, `${label} value of ${value.length} characters`);
  }
  // Flat: unbounded labels took ~390 MiB per 5,000 names; with the caps the RSS moves only with
  // garbage-collection timing (±20 MiB in repeated 5,000-name rounds, more on a loaded machine).
  assert.ok(rssAfter - rssWarm < 64 * MiB, `ext_proc RSS grew from ${rssWarm} to ${rssAfter} bytes`);

  // The OTLP export carries the same bounded values.
  const exported = await receiver.waitForMetric((point) => point.attributes['gen_ai.original.model'] === ALIAS, 15_000);
  assert.equal(exported.attributes['gen_ai.request.model'], OVERRIDE);
  const exportedModels = new Set(receiver.metricPoints.map((point) => String(point.attributes['gen_ai.original.model'])));
  assert.ok(exportedModels.has(OVERFLOW_LABEL_VALUE));
  assert.ok(exportedModels.size <= maxValues + 3, `${exportedModels.size} exported original model values`);
  for (const point of receiver.metricPoints) {
    for (const [name, value] of Object.entries(point.attributes)) assert.ok(String(value).length <= maxLength, `exported ${name} of ${String(value).length} characters`);
  }
});
