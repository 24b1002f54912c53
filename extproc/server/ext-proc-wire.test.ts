import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadExtProcService } from '../../test/support/load-ext-proc-service.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { dynamicMetadata, headerMutation, immediateResponse, setHeader, appendHeader } from './envoy-messages.js';
import { decodeProcessingRequest, encodeProcessingResponse, encodeProcessingResponseFrame, MalformedProcessingRequest } from './ext-proc-wire.js';

// The generic protobuf codec from the vendored protos (what grpc-js used): the reference both directions are checked against.
const method = loadExtProcService().Process;
assert.ok(method);
const genericEncodeRequest = (request: object): Buffer => method.requestSerialize(request);
const genericDecodeRequest = (bytes: Buffer): unknown => method.requestDeserialize(bytes);
const genericEncodeResponse = (response: object): Buffer => method.responseSerialize(response);
const genericDecodeResponse = (bytes: Buffer): unknown => method.responseDeserialize(bytes);

const header = (key: string, value: string): { key: string; raw_value: Buffer } => ({ key, raw_value: Buffer.from(value) });

const REQUESTS: Record<string, object> = {
  'request headers with attributes': {
    request_headers: { headers: { headers: [header(':path', '/v1/chat/completions'), header(':method', 'POST'), header('x-tenant', 'ä-ü'), { key: 'legacy', value: 'v' }] }, end_of_stream: false },
    attributes: {
      'envoy.filters.http.ext_proc': {
        fields: {
          'source.address': { stringValue: '127.0.0.1:5555' },
          n: { numberValue: 2.5 },
          b: { boolValue: true },
          z: { nullValue: 'NULL_VALUE' },
          s: { structValue: { fields: { inner: { stringValue: 'x' } } } },
          l: { listValue: { values: [{ numberValue: 1 }, { stringValue: 'two' }] } },
        },
      },
    },
  },
  'a request body (end of stream)': { request_body: { body: Buffer.from('{"model":"m"}'), end_of_stream: true } },
  'an empty body chunk': { response_body: { body: Buffer.alloc(0), end_of_stream: true } },
  'response headers (end of stream)': { response_headers: { headers: { headers: [header(':status', '200')] }, end_of_stream: true } },
  'request trailers': { request_trailers: { trailers: { headers: [header('grpc-status', '0')] } } },
  'response trailers and observability mode': { response_trailers: { trailers: { headers: [] } }, observability_mode: true },
  'metadata context (skipped) and an empty attribute struct': {
    response_body: { body: Buffer.from('data: x\n\n') },
    metadata_context: { filter_metadata: { ns: { fields: { k: { stringValue: 'v' } } } } },
    attributes: { empty: {} },
  },
};

for (const [name, request] of Object.entries(REQUESTS)) {
  test(`decodeProcessingRequest reads what the generic encoder writes: ${name}`, { timeout: 5000 }, () => {
    const bytes = genericEncodeRequest(request);
    const generic = genericDecodeRequest(bytes);
    // metadata_context is the one field the gateway never reads, so the codec skips it.
    if (typeof generic === 'object' && generic !== null) Reflect.deleteProperty(generic, 'metadata_context');
    assert.deepEqual(decodeProcessingRequest(bytes), generic);
  });
}

test('decodeProcessingRequest skips fields it does not know and refuses malformed messages', { timeout: 5000 }, () => {
  const known = genericEncodeRequest({ request_body: { body: Buffer.from('b'), end_of_stream: true } });
  // field 11 (protocol_config, newer than the vendored protos), length-delimited: 0x5a, length 2, two bytes.
  const withUnknown = Buffer.concat([known, Buffer.from([0x5a, 0x02, 0x08, 0x01])]);
  assert.deepEqual(decodeProcessingRequest(withUnknown), { request: 'request_body', request_body: { body: Buffer.from('b'), end_of_stream: true } });
  for (const bytes of [known.subarray(0, known.length - 1), Buffer.from([0x22, 0x05, 0x0a]), Buffer.from([0x00]), Buffer.from([0x27])]) {
    assert.throws(() => decodeProcessingRequest(bytes), MalformedProcessingRequest);
  }
});

const RESPONSES: Record<string, ProcessingResponse> = {
  'request headers: route header, removals, clear_route_cache, mode override': {
    request_headers: { response: { header_mutation: headerMutation([setHeader('x-ai-eg-route', 'default/r'), appendHeader('x-a', 'ä')], ['x-ai-eg-model', 'content-length']), clear_route_cache: true } },
    mode_override: { request_header_mode: 'SEND', response_header_mode: 'SKIP', request_body_mode: 'BUFFERED', response_body_mode: 'FULL_DUPLEX_STREAMED', request_trailer_mode: 'SKIP', response_trailer_mode: 'SEND' },
  },
  'request headers: an empty answer': { request_headers: { response: {} } },
  'request headers: no common response at all': { request_headers: {} },
  'request body: replaced body and headers': {
    request_body: { response: { status: 'CONTINUE_AND_REPLACE', header_mutation: headerMutation([setHeader(':path', '/model/x/converse')]), body_mutation: { body: Buffer.from('{"messages":[]}') }, clear_route_cache: true } },
    dynamic_metadata: dynamicMetadata({ backend_name: 'default/b', model_name_override: 'gpt-4o', input_token: 11, cost: 0 }),
  },
  'response body: an emptied body (presence of the empty oneof member)': { response_body: { response: { body_mutation: { body: Buffer.alloc(0) } } } },
  'response body: clear_body': { response_body: { response: { body_mutation: { clear_body: true } } } },
  'response body: a streamed chunk': { response_body: { response: { body_mutation: { streamed_response: { body: Buffer.from('data: {}\n\n'), end_of_stream: true } } } } },
  'response body: an empty streamed end': { response_body: { response: { body_mutation: { streamed_response: { end_of_stream: true } } } } },
  'response headers: status, append flag, keep_empty_value, trailers': {
    response_headers: {
      response: {
        header_mutation: { set_headers: [{ header: { key: 'x-e', value: '' }, append: { value: false }, keep_empty_value: true, append_action: 'ADD_IF_ABSENT' }], remove_headers: [] },
        trailers: { headers: [{ key: 't', raw_value: Buffer.from('v') }] },
      },
    },
  },
  'trailers responses': { response_trailers: { header_mutation: headerMutation([setHeader('x-t', '1')]) } },
  'immediate response with every field': {
    immediate_response: { status: { code: 'TooManyRequests' }, headers: headerMutation([setHeader('retry-after', '5')]), body: Buffer.from('{"error":{}}'), grpc_status: { status: 8 }, details: 'rate limited' },
  },
  'immediate response built by immediateResponse': immediateResponse(404, '{"error":{"message":"no route"}}', 'application/json'),
  'immediate response with a numeric status': { immediate_response: { status: { code: 503 } } },
  'nested dynamic metadata values and a timeout override': {
    response_body: { response: {} },
    dynamic_metadata: {
      fields: {
        ns: {
          structValue: {
            fields: {
              n: { numberValue: -1.25 },
              t: { boolValue: true },
              f: { boolValue: false },
              z: { nullValue: 'NULL_VALUE' },
              e: { stringValue: '' },
              l: { listValue: { values: [{ stringValue: 'a' }, { numberValue: 0 }] } },
            },
          },
        },
      },
    },
    override_message_timeout: { seconds: 3, nanos: 500 },
  },
};

/** Enum values that are their type's zero: proto3 does not write them, protobufjs does. */
const ZERO_ENUMS = new Set(['CONTINUE', 'APPEND_IF_EXISTS_OR_ADD', 'DEFAULT', 'NONE', 'Empty']);

/**
 * A decoded message without its default-valued fields: the generic encoder writes a field that
 * is set to its default, this codec (like Envoy's C++ one) does not, and proto3 reads both the
 * same. A oneof member keeps its presence through the decoder's virtual oneof field.
 */
function withoutDefaults(value: unknown): unknown {
  if (Buffer.isBuffer(value) || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(withoutDefaults);
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const normalised = withoutDefaults(field);
    const isDefault =
      normalised === false ||
      normalised === 0 ||
      normalised === '' ||
      normalised === '0' ||
      (typeof normalised === 'string' && ZERO_ENUMS.has(normalised)) ||
      (Buffer.isBuffer(normalised) && normalised.length === 0) ||
      (Array.isArray(normalised) && normalised.length === 0);
    if (!isDefault) result[key] = normalised;
  }
  return result;
}

for (const [name, response] of Object.entries(RESPONSES)) {
  test(`encodeProcessingResponse writes what the generic decoder reads as the generic encoding: ${name}`, { timeout: 5000 }, () => {
    assert.deepEqual(withoutDefaults(genericDecodeResponse(encodeProcessingResponse(response))), withoutDefaults(genericDecodeResponse(genericEncodeResponse(response))));
  });
}

test('a large body is written once, with a gRPC frame prefix of its length', { timeout: 5000 }, () => {
  const body = Buffer.alloc(3 * 1024 * 1024, 0x61);
  const frame = encodeProcessingResponseFrame({ request_body: { response: { status: 'CONTINUE_AND_REPLACE', body_mutation: { body } } } });
  assert.equal(frame[0], 0);
  assert.equal(frame.readUInt32BE(1), frame.length - 5);
  const decoded = genericDecodeResponse(frame.subarray(5));
  assert.ok(typeof decoded === 'object' && decoded !== null && 'request_body' in decoded);
  assert.deepEqual(decoded.request_body, { response: { status: 'CONTINUE_AND_REPLACE', body_mutation: { body, mutation: 'body' } } });
});
