/**
 * An OTLP trace receiver for tests, speaking all three protocols exporters use: HTTP with JSON
 * or protobuf bodies on /v1/traces, and gRPC (TraceService/Export). It collects the spans,
 * with attribute values flattened to plain JS values and ids as hex.
 */
import { Server as GrpcServer, ServerCredentials, loadPackageDefinition, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isRecord } from '../../common/json-guards.js';

// Resolved from the compiled file (dist/test/support) back to the source tree.
const PROTO = fileURLToPath(new URL('../../../test/support/proto/otlp-trace.proto', import.meta.url));
const LOGS_PROTO = fileURLToPath(new URL('../../../test/support/proto/otlp-logs.proto', import.meta.url));
const SERVICE = 'opentelemetry.proto.collector.trace.v1.TraceService';
const LOGS_SERVICE = 'opentelemetry.proto.collector.logs.v1.LogsService';

/** One log record (Envoy's OpenTelemetry access log sink sends these over gRPC). */
export interface ReceivedLog {
  body: AttributeValue;
  attributes: Record<string, AttributeValue>;
  resource: Record<string, AttributeValue>;
}

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

/** One histogram data point of an exported metric (OTLP/HTTP JSON). */
export interface ReceivedMetricPoint {
  name: string;
  unit: string;
  attributes: Record<string, AttributeValue>;
  count: number;
  sum: number;
  explicitBounds: number[];
  resource: Record<string, AttributeValue>;
}

export interface OtlpReceiver {
  /** http://127.0.0.1:<port> (the OTEL_EXPORTER_OTLP_ENDPOINT base for http/json and http/protobuf) */
  readonly url: string;
  /** http://127.0.0.1:<port> of the gRPC receiver (OTEL_EXPORTER_OTLP_ENDPOINT for grpc) */
  readonly grpcUrl: string;
  readonly spans: ReceivedSpan[];
  /** Log records received over gRPC (LogsService/Export). */
  readonly logs: ReceivedLog[];
  /** Resolves with the first log record matching `predicate`, waiting for it if needed. */
  waitForLog(predicate: (log: ReceivedLog) => boolean, timeoutMs?: number): Promise<ReceivedLog>;
  /** Histogram points of every metrics export received (/v1/metrics, JSON), in arrival order. */
  readonly metricPoints: ReceivedMetricPoint[];
  /** Every request body received over HTTP (traces and metrics, any encoding), as sent. */
  readonly rawBodies: Buffer[];
  /** Resolves with the first span matching `predicate`, waiting for it if needed. */
  waitForSpan(predicate: (span: ReceivedSpan) => boolean, timeoutMs?: number): Promise<ReceivedSpan>;
  /** Resolves with the first metric point matching `predicate`, waiting for it if needed. */
  waitForMetric(predicate: (point: ReceivedMetricPoint) => boolean, timeoutMs?: number): Promise<ReceivedMetricPoint>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const metricPoints: ReceivedMetricPoint[] = [];
  const logs: ReceivedLog[] = [];
  const rawBodies: Buffer[] = [];
  const waiters = new Set<() => void>();
  const received = (request: unknown): void => {
    spans.push(...readSpans(request));
    for (const wake of waiters) wake();
  };
  const receivedMetrics = (request: unknown): void => {
    metricPoints.push(...readMetricPoints(request));
    for (const wake of waiters) wake();
  };
  const waitFor = <T>(items: T[], predicate: (item: T) => boolean, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = items.find(predicate);
        if (found === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching ${what} within ${timeoutMs} ms (received ${items.length})`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const definition = loadSync(PROTO, { keepCase: false, longs: String, enums: Number, defaults: false, oneofs: false });
  const exportMethod = definition[SERVICE];
  const service = isRecord(exportMethod) ? exportMethod.Export : undefined;
  if (!isRecord(service) || typeof service.requestDeserialize !== 'function') throw new Error('OTLP proto: no TraceService.Export');
  const decodeProtobuf = service.requestDeserialize as (bytes: Buffer) => unknown;

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      rawBodies.push(Buffer.concat(chunks));
      const type = request.headers['content-type'] ?? '';
      if (request.url === '/v1/metrics' && type.includes('json')) {
        try {
          receivedMetrics(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch (error) {
          response.writeHead(400).end(String(error));
        }
        return;
      }
      if (request.url !== '/v1/traces' || !(type.includes('json') || type.includes('protobuf'))) {
        response.writeHead(415).end();
        return;
      }
      try {
        const body = Buffer.concat(chunks);
        received(type.includes('json') ? JSON.parse(body.toString('utf8')) : decodeProtobuf(body));
        response.writeHead(200, { 'content-type': type.includes('json') ? 'application/json' : 'application/x-protobuf' }).end(type.includes('json') ? '{}' : '');
      } catch (error) {
        response.writeHead(400).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const grpc = new GrpcServer();
  const loaded = loadPackageDefinition(definition);
  const serviceDefinition = lookup(loaded, SERVICE.split('.'));
  const implementation: UntypedServiceImplementation = {
    Export: (call: { request: unknown }, callback: (error: null, response: Record<string, never>) => void) => {
      received(call.request);
      callback(null, {});
    },
  };
  grpc.addService(serviceDefinition, implementation);
  const logsDefinition = loadSync(LOGS_PROTO, { keepCase: false, longs: String, enums: Number, defaults: false, oneofs: false });
  grpc.addService(lookup(loadPackageDefinition(logsDefinition), LOGS_SERVICE.split('.')), {
    Export: (call: { request: unknown }, callback: (error: null, response: Record<string, never>) => void) => {
      logs.push(...readLogs(call.request));
      for (const wake of waiters) wake();
      callback(null, {});
    },
  });
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpc.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );

  return {
    url: `http://127.0.0.1:${port}`,
    grpcUrl: `http://127.0.0.1:${grpcPort}`,
    spans,
    metricPoints,
    rawBodies,
    logs,
    waitForLog: (predicate, timeoutMs = 10_000) => waitFor(logs, predicate, timeoutMs, 'log record'),
    waitForSpan: (predicate, timeoutMs = 10_000) => waitFor(spans, predicate, timeoutMs, 'span'),
    waitForMetric: (predicate, timeoutMs = 10_000) => waitFor(metricPoints, predicate, timeoutMs, 'metric point'),
    close: async () => {
      grpc.forceShutdown();
      // An exporter's keep-alive connection would otherwise hold close() open until it idles out.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function lookup(root: unknown, path: string[]): ServiceDefinition {
  let node: unknown = root;
  for (const part of path) node = isRecord(node) || typeof node === 'function' ? (node as Record<string, unknown>)[part] : undefined;
  if (typeof node !== 'function' || !('service' in node)) throw new Error(`OTLP proto: ${path.join('.')} is not a service`);
  return node.service as ServiceDefinition;
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
          traceId: id(span.traceId),
          spanId: id(span.spanId),
          parentSpanId: id(span.parentSpanId),
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

/** Ids are hex strings in OTLP/JSON (as the JS exporter writes them) and bytes in protobuf. */
function id(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('hex');
  return typeof value === 'string' ? value : '';
}

function readMetricPoints(body: unknown): ReceivedMetricPoint[] {
  const out: ReceivedMetricPoint[] = [];
  for (const resourceMetrics of arrayField(body, 'resourceMetrics')) {
    const resource = attributesOf(isRecord(resourceMetrics) ? resourceMetrics.resource : undefined);
    for (const scopeMetrics of arrayField(resourceMetrics, 'scopeMetrics')) {
      for (const metric of arrayField(scopeMetrics, 'metrics')) {
        if (!isRecord(metric)) continue;
        for (const point of arrayField(metric.histogram, 'dataPoints')) {
          if (!isRecord(point)) continue;
          out.push({
            name: text(metric.name),
            unit: text(metric.unit),
            attributes: attributesOf(point),
            count: Number(point.count ?? 0),
            sum: Number(point.sum ?? 0),
            explicitBounds: arrayField(point, 'explicitBounds').map(Number),
            resource,
          });
        }
      }
    }
  }
  return out;
}

function readLogs(body: unknown): ReceivedLog[] {
  const out: ReceivedLog[] = [];
  for (const resourceLogs of arrayField(body, 'resourceLogs')) {
    const resource = attributesOf(isRecord(resourceLogs) ? resourceLogs.resource : undefined);
    for (const scopeLogs of arrayField(resourceLogs, 'scopeLogs')) {
      for (const record of arrayField(scopeLogs, 'logRecords')) {
        if (isRecord(record)) out.push({ body: anyValue(record.body), attributes: attributesOf(record), resource });
      }
    }
  }
  return out;
}
