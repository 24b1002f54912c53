/**
 * A minimal OTLP/HTTP receiver (JSON encoding) for tests: collects the spans exporters POST to
 * /v1/traces, flattening attribute values to plain JS values.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRecord } from '../../extproc/json-guards.js';

export type AttributeValue = string | number | boolean | AttributeValue[];

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, AttributeValue>;
  events: { name: string; attributes: Record<string, AttributeValue> }[];
  status: { code: number; message?: string };
  /** Resource attributes of the batch the span came in. */
  resource: Record<string, AttributeValue>;
}

export interface OtlpReceiver {
  /** http://127.0.0.1:<port> (the OTEL_EXPORTER_OTLP_ENDPOINT base) */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** Resolves with the first span matching `predicate`, waiting for it if needed. */
  waitForSpan(predicate: (span: ReceivedSpan) => boolean, timeoutMs?: number): Promise<ReceivedSpan>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const waiters = new Set<() => void>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url !== '/v1/traces' || !(request.headers['content-type'] ?? '').includes('json')) {
        response.writeHead(415).end();
        return;
      }
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        spans.push(...readSpans(parsed));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        for (const wake of waiters) wake();
      } catch (error) {
        response.writeHead(400).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    waitForSpan(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = spans.find(predicate);
          if (!found) return false;
          waiters.delete(wake);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const wake = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no matching span within ${timeoutMs} ms; got ${JSON.stringify(spans.map((span) => span.name))}`));
        }, timeoutMs);
        waiters.add(wake);
        check();
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function readSpans(body: unknown): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const resourceSpans of arrayField(body, 'resourceSpans')) {
    const resource = attributesOf(isRecord(resourceSpans) ? resourceSpans.resource : undefined);
    for (const scopeSpans of arrayField(resourceSpans, 'scopeSpans')) {
      for (const span of arrayField(scopeSpans, 'spans')) {
        if (!isRecord(span)) continue;
        const status = isRecord(span.status) ? span.status : {};
        out.push({
          traceId: text(span.traceId),
          spanId: text(span.spanId),
          parentSpanId: text(span.parentSpanId),
          name: text(span.name),
          kind: Number(span.kind ?? 0),
          attributes: attributesOf(span),
          events: arrayField(span, 'events').map((event) => ({ name: isRecord(event) ? text(event.name) : '', attributes: attributesOf(event) })),
          status: { code: Number(status.code ?? 0), ...(typeof status.message === 'string' ? { message: status.message } : {}) },
          resource,
        });
      }
    }
  }
  return out;
}

function arrayField(value: unknown, key: string): unknown[] {
  if (!isRecord(value)) return [];
  const field = value[key];
  return Array.isArray(field) ? field : [];
}

function attributesOf(holder: unknown): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const entry of arrayField(holder, 'attributes')) {
    if (isRecord(entry) && typeof entry.key === 'string') out[entry.key] = anyValue(entry.value);
  }
  return out;
}

function anyValue(value: unknown): AttributeValue {
  if (!isRecord(value)) return '';
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (typeof value.doubleValue === 'number') return value.doubleValue;
  if (isRecord(value.arrayValue)) return arrayField(value.arrayValue, 'values').map(anyValue);
  return '';
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
