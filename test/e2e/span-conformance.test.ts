/**
 * Span conformance: each upstream cassette with a recorded span is replayed through the real
 * gateway (fake upstream answering with the recording), and the span aigw exports over OTLP
 * must equal the recorded one, ids and timestamps aside (JSON attribute values compared as JSON;
 * for the error case, the normalisation upstream's own span comparison applies).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isRecord } from '../../common/json-guards.js';
import type { SpanAttributeValue, SpanAttributes } from '../../extproc/telemetry/tracing/span-attributes.js';
import { gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { cassetteDir, loadCassette, type Cassette } from '../support/cassette.js';
import { CASSETTE_NAME_HEADER } from '../support/cassette-player.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { assertAttributesEqual, errorCodePrefix, loadGolden, SPANS_DIR } from '../support/golden-span.js';
import { startOtlpReceiver, type AttributeValue, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { missingFixtures } from '../support/upstream-fixtures.js';

const CASES = ['chat-basic', 'chat-streaming', 'chat-bad-request', 'embeddings-basic'] as const;
const missing = missingFixtures(...CASES.flatMap((name) => [join(SPANS_DIR, `${name}.json`), join(cassetteDir(), `${name}.yaml`)]));

let upstream: FakeOpenAI;
let receiver: OtlpReceiver;
let aigw: AigwProcess;
let port: number;
const cassettes = new Map<string, Cassette>();

before(async () => {
  if (missing !== false) return;
  for (const name of CASES) cassettes.set(name, loadCassette(join(cassetteDir(), `${name}.yaml`)));
  const models = new Set<string>();
  for (const cassette of cassettes.values()) {
    const body: unknown = JSON.parse(cassette.interactions[0]?.request.body ?? '{}');
    if (isRecord(body) && typeof body.model === 'string') models.add(body.model);
  }
  upstream = await startFakeOpenAI({ cassettes: [...cassettes.values()] });
  receiver = await startOtlpReceiver();
  aigw = await startAigw({
    configYaml: (port) => gatewayConfigYaml({ port, upstreamPort: upstream.port, models: [...models], accessLog: false }),
    env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '50' },
  });
  port = aigw.port;
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
  await receiver?.close();
});

async function replay(name: string): Promise<ReceivedSpan> {
  const interaction = cassettes.get(name)?.interactions[0];
  assert.ok(interaction, name);
  const traceId = randomBytes(16).toString('hex');
  const response = await fetch(`http://127.0.0.1:${port}${interaction.request.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [CASSETTE_NAME_HEADER]: name, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    body: interaction.request.body,
  });
  await response.text();
  return receiver.waitForSpan((span) => span.traceId === traceId);
}

function asSpanAttributes(record: Record<string, AttributeValue>): SpanAttributes {
  return Object.entries(record).map(([key, value]) => [key, flat(value)] as const);
}

function flat(value: AttributeValue): SpanAttributeValue {
  if (!Array.isArray(value)) return value;
  if (value.every((item): item is number => typeof item === 'number')) return value;
  return value.map(String);
}

describe('exported spans equal the recorded upstream spans', { skip: missing }, () => {
  for (const name of ['chat-basic', 'chat-streaming', 'embeddings-basic'] as const) {
    test(name, async () => {
      const golden = loadGolden(name);
      const span = await replay(name);
      assert.equal(span.name, golden.name);
      assert.equal(span.kind, 1, 'SPAN_KIND_INTERNAL');
      assertAttributesEqual(asSpanAttributes(span.attributes), golden.attributes);
      assert.deepEqual(span.events.map((event) => ({ name: event.name, attributes: asSpanAttributes(event.attributes) })), golden.events);
      assert.equal(span.status.code === 2 ? 'ERROR' : span.status.code === 1 ? 'OK' : 'UNSET', golden.status.code);
    });
  }

  test('chat-bad-request (upstream error normalisation: request model and Python-only exception fields)', async () => {
    const golden = loadGolden('chat-bad-request');
    const span = await replay('chat-bad-request');
    assert.equal(span.name, golden.name);
    assertAttributesEqual(asSpanAttributes(span.attributes), golden.attributes, ['llm.model_name']);
    assert.equal(span.status.code, 2);
    assert.equal(errorCodePrefix(span.status.message ?? ''), errorCodePrefix(golden.status.message ?? ''));
    const [event] = span.events;
    const [goldenEvent] = golden.events;
    assert.equal(event?.name, goldenEvent?.name);
    assert.equal(event?.attributes['exception.type'], String(new Map(goldenEvent?.attributes).get('exception.type')).replace(/^openai\./, ''));
  });
});
