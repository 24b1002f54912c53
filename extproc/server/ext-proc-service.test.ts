import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { handleProcessStream, type ProcessCall } from './ext-proc-service.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { headersMessage, testRuntime } from '../../test/support/test-runtime.js';
import { BACKEND_NAME_ATTRIBUTE } from '../../contract/filter-config.js';

/** The parts of a grpc-js duplex call the handler uses, recorded. */
class FakeCall extends EventEmitter {
  readonly written: ProcessingResponse[] = [];
  readonly metadata = { get: (key: string): string[] => (key === 'x-aigw-listener' ? ['default/gw/http'] : []) };
  ended = false;
  errors: unknown[] = [];
  write(response: ProcessingResponse): boolean {
    this.written.push(response);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    // grpc-js turns an emitted 'error' into the stream's status; record it as that.
    if (event === 'error') this.errors.push(args[0]);
    return super.emit(event, ...args);
  }
}

function start(call: FakeCall): void {
  // The handler only uses on/write/end/emit; the fake provides exactly those.
  handleProcessStream(call as unknown as ProcessCall, () => testRuntime());
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('answers every message in order on one stream', async () => {
  const call = new FakeCall();
  start(call);
  call.emit('data', { request: 'request_headers', request_headers: headersMessage({ ':path': '/v1/chat/completions' }) });
  call.emit('data', { request: 'request_body', request_body: { body: Buffer.from('{"model":"gpt-4o-mini"}'), end_of_stream: true } });
  await settle();
  assert.deepEqual(call.written.map((response) => Object.keys(response).filter((key) => key !== 'dynamic_metadata')), [['request_headers'], ['request_body']]);
  call.emit('end');
  await settle();
  assert.equal(call.ended, true);
});

test('an internal failure while handling the request becomes a 500 answer, not a hang', async () => {
  const call = new FakeCall();
  start(call);
  // Envoy names a backend the config does not know: a config bug surfaced as a clean error.
  call.emit('data', {
    request: 'request_headers',
    request_headers: headersMessage({ 'x-ai-eg-model': 'm', 'x-ai-eg-original-path': '/v1/chat/completions' }),
    attributes: { 'envoy.filters.http.ext_proc': { fields: { [BACKEND_NAME_ATTRIBUTE]: { kind: 'stringValue', stringValue: 'default/nope/route/r/rule/0/ref/0' } } } },
  });
  await settle();
  const [response] = call.written;
  assert.equal(response?.immediate_response?.status?.code, 'InternalServerError');
  assert.match(Buffer.from(response?.immediate_response?.body ?? '').toString(), /"type":"InternalServerError","code":"500"/);
  assert.equal(call.ended, true);
});

test('a failure after the response started resets the stream with a gRPC error', async () => {
  const call = new FakeCall();
  start(call);
  call.emit('data', { request: 'request_trailers' });
  call.emit('data', { request: 'unknown_phase' });
  await settle();
  assert.equal(call.errors.length, 1);
});
