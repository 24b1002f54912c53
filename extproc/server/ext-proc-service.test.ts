import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { handleProcessStream, type ProcessCall } from './ext-proc-service.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { ProcessingRequest__Output } from '../generated/envoy/service/ext_proc/v3/ProcessingRequest.js';
import { headersMessage, testRuntime } from '../../test/support/test-runtime.js';
import { BACKEND_NAME_ATTRIBUTE } from '../../contract/filter-config.js';

/** A ProcessCall that records what the handler answers; tests drive it with emit('data' | 'end' | 'error'). */
class FakeCall extends EventEmitter implements ProcessCall {
  readonly written: ProcessingResponse[] = [];
  ended = false;
  errors: string[] = [];
  metadata(key: string): string | undefined {
    return key === 'x-aigw-listener' ? 'default/gw/http' : undefined;
  }
  write(response: ProcessingResponse): void {
    this.written.push(response);
  }
  end(): void {
    this.ended = true;
  }
  abort(details: string): void {
    this.errors.push(details);
  }
  onMessage(listener: (request: ProcessingRequest__Output) => void): void {
    this.on('data', listener);
  }
  onEnd(listener: () => void): void {
    this.on('end', listener);
  }
  onError(listener: () => void): void {
    this.on('error', listener);
  }
}

function start(call: FakeCall): void {
  handleProcessStream(call, () => testRuntime());
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
