import { FIXED64, LENGTH_DELIMITED, ProtoReader, ProtoWriter, VARINT } from '../../common/protobuf-wire.js';
import type { HeaderValue, HeaderValue__Output } from '../generated/envoy/config/core/v3/HeaderValue.js';
import type { HeaderValueOption } from '../generated/envoy/config/core/v3/HeaderValueOption.js';
import type { ProcessingMode } from '../generated/envoy/extensions/filters/http/ext_proc/v3/ProcessingMode.js';
import type { CommonResponse } from '../generated/envoy/service/ext_proc/v3/CommonResponse.js';
import type { HeaderMutation } from '../generated/envoy/service/ext_proc/v3/HeaderMutation.js';
import type { HttpBody__Output } from '../generated/envoy/service/ext_proc/v3/HttpBody.js';
import type { HttpHeaders__Output } from '../generated/envoy/service/ext_proc/v3/HttpHeaders.js';
import type { HttpTrailers__Output } from '../generated/envoy/service/ext_proc/v3/HttpTrailers.js';
import type { ImmediateResponse } from '../generated/envoy/service/ext_proc/v3/ImmediateResponse.js';
import type { ProcessingRequest__Output } from '../generated/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { ListValue__Output } from '../generated/google/protobuf/ListValue.js';
import type { Struct, Struct__Output } from '../generated/google/protobuf/Struct.js';
import type { Value, Value__Output } from '../generated/google/protobuf/Value.js';
import type { StatusCode } from '../generated/envoy/type/v3/StatusCode.js';

/**
 * The ext_proc messages on the wire, read and written directly: every LLM request is two to four
 * of each, and the generic path (protobufjs objects, proto-loader's conversion, grpc-js' codec)
 * allocated several objects per field. The shapes are the generated ones the processors already
 * use (`extproc/generated`, proto-loader with keepCase, enums as strings, oneofs, no defaults),
 * so the processors do not know which codec ran. Field numbers: `extproc/proto/envoy/service/
 * ext_proc/v3/external_processor.proto` and the files it imports; `ext-proc-wire.test.ts` checks
 * both directions against the generic codec built from them.
 */

/** A message Envoy sent that is not a ProcessingRequest (never expected; the stream fails). */
export class MalformedProcessingRequest extends Error {}

const malformed = (message: string): Error => new MalformedProcessingRequest(message);

const REQUEST_KINDS = [undefined, undefined, 'request_headers', 'response_headers', 'request_body', 'response_body', 'request_trailers', 'response_trailers'] as const;

/** Reads a ProcessingRequest into the generated output shape (bodies are views, not copies). */
export function decodeProcessingRequest(bytes: Buffer): ProcessingRequest__Output {
  const reader = new ProtoReader(bytes, malformed);
  const request: ProcessingRequest__Output = {};
  while (!reader.done()) {
    const [field, wire] = reader.tag();
    if (wire === LENGTH_DELIMITED && field >= 2 && field <= 7) {
      const kind = REQUEST_KINDS[field];
      if (kind === 'request_headers' || kind === 'response_headers') request[kind] = reader.message(readHttpHeaders);
      else if (kind === 'request_body' || kind === 'response_body') request[kind] = reader.message(readHttpBody);
      else if (kind === 'request_trailers' || kind === 'response_trailers') request[kind] = reader.message(readHttpTrailers);
      if (kind !== undefined) request.request = kind;
    } else if (field === 9 && wire === LENGTH_DELIMITED) {
      const [key, value] = reader.message(readStructMapEntry);
      (request.attributes ??= {})[key] = value;
    } else if (field === 10 && wire === VARINT) {
      request.observability_mode = reader.bool();
    } else {
      reader.skip(wire); // metadata_context (8; not read by the gateway), protocol_config and newer fields
    }
  }
  return request;
}

function readHttpHeaders(reader: ProtoReader): HttpHeaders__Output {
  const message: HttpHeaders__Output = {};
  while (!reader.done()) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === LENGTH_DELIMITED) message.headers = headerMap(reader.message(readHeaderMap));
    else if (field === 3 && wire === VARINT) message.end_of_stream = reader.bool();
    else reader.skip(wire); // 2: deprecated per-message attributes
  }
  return message;
}

function readHttpBody(reader: ProtoReader): HttpBody__Output {
  const message: HttpBody__Output = {};
  while (!reader.done()) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === LENGTH_DELIMITED) message.body = reader.bytes();
    else if (field === 2 && wire === VARINT) message.end_of_stream = reader.bool();
    else reader.skip(wire);
  }
  return message;
}

function readHttpTrailers(reader: ProtoReader): HttpTrailers__Output {
  const message: HttpTrailers__Output = {};
  while (!reader.done()) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === LENGTH_DELIMITED) message.trailers = headerMap(reader.message(readHeaderMap));
    else reader.skip(wire);
  }
  return message;
}

/** As the generic decoder without defaults: an empty repeated field is absent. */
function headerMap(headers: HeaderValue__Output[]): { headers?: HeaderValue__Output[] } {
  return headers.length > 0 ? { headers } : {};
}

function readHeaderMap(reader: ProtoReader): HeaderValue__Output[] {
  const headers: HeaderValue__Output[] = [];
  while (!reader.done()) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === LENGTH_DELIMITED) headers.push(reader.message(readHeaderValue));
    else reader.skip(wire);
  }
  return headers;
}

function readHeaderValue(reader: ProtoReader): HeaderValue__Output {
  const header: HeaderValue__Output = {};
  while (!reader.done()) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === LENGTH_DELIMITED) header.key = reader.string();
    else if (field === 2 && wire === LENGTH_DELIMITED) header.value = reader.string();
    else if (field === 3 && wire === LENGTH_DELIMITED) header.raw_value = reader.bytes();
    else reader.skip(wire);
  }
  return header;
}

function readStructMapEntry(reader: ProtoReader): [string, Struct__Output] {
  let key = '';
  let value: Struct__Output = {};
  while (!reader.done()) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === LENGTH_DELIMITED) key = reader.string();
    else if (field === 2 && wire === LENGTH_DELIMITED) value = reader.message(readStruct);
    else reader.skip(wire);
  }
  return [key, value];
}

function readStruct(reader: ProtoReader): Struct__Output {
  let fields: Record<string, Value__Output> | undefined;
  while (!reader.done()) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === LENGTH_DELIMITED) {
      const [key, value] = reader.message(readValueMapEntry);
      (fields ??= {})[key] = value;
    } else reader.skip(wire);
  }
  return fields === undefined ? {} : { fields };
}

function readValueMapEntry(reader: ProtoReader): [string, Value__Output] {
  let key = '';
  let value: Value__Output = {};
  while (!reader.done()) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === LENGTH_DELIMITED) key = reader.string();
    else if (field === 2 && wire === LENGTH_DELIMITED) value = reader.message(readValue);
    else reader.skip(wire);
  }
  return [key, value];
}

function readValue(reader: ProtoReader): Value__Output {
  let value: Value__Output = {};
  while (!reader.done()) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === VARINT) {
      reader.varint();
      value = { kind: 'nullValue', nullValue: 'NULL_VALUE' };
    } else if (field === 2 && wire === FIXED64) value = { kind: 'numberValue', numberValue: reader.double() };
    else if (field === 3 && wire === LENGTH_DELIMITED) value = { kind: 'stringValue', stringValue: reader.string() };
    else if (field === 4 && wire === VARINT) value = { kind: 'boolValue', boolValue: reader.bool() };
    else if (field === 5 && wire === LENGTH_DELIMITED) value = { kind: 'structValue', structValue: reader.message(readStruct) };
    else if (field === 6 && wire === LENGTH_DELIMITED) value = { kind: 'listValue', listValue: reader.message(readListValue) };
    else reader.skip(wire);
  }
  return value;
}

function readListValue(reader: ProtoReader): ListValue__Output {
  const values: Value__Output[] = [];
  while (!reader.done()) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === LENGTH_DELIMITED) values.push(reader.message(readValue));
    else reader.skip(wire);
  }
  return values.length > 0 ? { values } : {};
}

/** gRPC's length prefix: 1 byte compressed flag, 4 bytes big-endian length. */
export const GRPC_PREFIX_BYTES = 5;

/**
 * Writes a ProcessingResponse as one gRPC frame (prefix included), in one buffer: a body in it is
 * copied once, from the translator's buffer into the frame.
 */
export function encodeProcessingResponseFrame(response: ProcessingResponse): Buffer {
  const writer = new ProtoWriter(256 + bodyBytes(response), GRPC_PREFIX_BYTES);
  writeProcessingResponse(writer, response);
  const frame = writer.finish();
  frame[0] = 0;
  frame.writeUInt32BE(frame.length - GRPC_PREFIX_BYTES, 1);
  return frame;
}

/** The same message without the frame prefix (what tests compare with the generic codec). */
export function encodeProcessingResponse(response: ProcessingResponse): Buffer {
  return encodeProcessingResponseFrame(response).subarray(GRPC_PREFIX_BYTES);
}

function bodyBytes(response: ProcessingResponse): number {
  const common = response.request_body?.response ?? response.response_body?.response ?? response.request_headers?.response ?? response.response_headers?.response;
  const mutation = common?.body_mutation;
  const body = mutation?.body ?? mutation?.streamed_response?.body ?? response.immediate_response?.body;
  return body === undefined || body === null ? 0 : typeof body === 'string' ? body.length * 3 : body.length;
}

function writeProcessingResponse(writer: ProtoWriter, response: ProcessingResponse): void {
  const { request_headers, response_headers, request_body, response_body, request_trailers, response_trailers, immediate_response } = response;
  // The oneof: the first member set, as protobufjs writes it when `response` is not given.
  if (request_headers) writer.messageField(1, () => writeCommonHolder(writer, request_headers.response));
  else if (response_headers) writer.messageField(2, () => writeCommonHolder(writer, response_headers.response));
  else if (request_body) writer.messageField(3, () => writeCommonHolder(writer, request_body.response));
  else if (response_body) writer.messageField(4, () => writeCommonHolder(writer, response_body.response));
  else if (request_trailers) writer.messageField(5, () => writeHeaderMutationField(writer, 1, request_trailers.header_mutation));
  else if (response_trailers) writer.messageField(6, () => writeHeaderMutationField(writer, 1, response_trailers.header_mutation));
  else if (immediate_response) writer.messageField(7, () => writeImmediateResponse(writer, immediate_response));
  const metadata = response.dynamic_metadata;
  if (metadata) writer.messageField(8, () => writeStruct(writer, metadata));
  const mode = response.mode_override;
  if (mode) writer.messageField(9, () => writeProcessingMode(writer, mode));
  const timeout = response.override_message_timeout;
  if (timeout) {
    writer.messageField(10, () => {
      writer.varintField(1, Number(timeout.seconds ?? 0));
      writer.varintField(2, timeout.nanos ?? 0);
    });
  }
}

/** HeadersResponse and BodyResponse: field 1 is the CommonResponse. */
function writeCommonHolder(writer: ProtoWriter, common: CommonResponse | null | undefined): void {
  if (common) writer.messageField(1, () => writeCommonResponse(writer, common));
}

function writeCommonResponse(writer: ProtoWriter, common: CommonResponse): void {
  writer.varintField(1, enumValue(RESPONSE_STATUS, common.status));
  writeHeaderMutationField(writer, 2, common.header_mutation);
  const mutation = common.body_mutation;
  if (mutation) {
    writer.messageField(3, () => {
      if (mutation.body !== undefined) writer.bytesField(1, mutation.body, true);
      else if (mutation.clear_body !== undefined) writer.boolField(2, mutation.clear_body, true);
      else if (mutation.streamed_response) {
        const streamed = mutation.streamed_response;
        writer.messageField(3, () => {
          writer.bytesField(1, streamed.body);
          writer.boolField(2, streamed.end_of_stream);
        });
      }
    });
  }
  const trailers = common.trailers;
  if (trailers) writer.messageField(4, () => writeHeaderValues(writer, trailers.headers));
  writer.boolField(5, common.clear_route_cache);
}

function writeHeaderMutationField(writer: ProtoWriter, field: number, mutation: HeaderMutation | null | undefined): void {
  if (!mutation) return;
  writer.messageField(field, () => {
    for (const option of mutation.set_headers ?? []) writer.messageField(1, () => writeHeaderValueOption(writer, option));
    for (const name of mutation.remove_headers ?? []) writer.stringField(2, name, true);
  });
}

function writeHeaderValueOption(writer: ProtoWriter, option: HeaderValueOption): void {
  const header = option.header;
  if (header) writer.messageField(1, () => writeHeaderValue(writer, header));
  const append = option.append;
  if (append) writer.messageField(2, () => writer.boolField(1, append.value));
  writer.varintField(3, enumValue(APPEND_ACTIONS, option.append_action));
  writer.boolField(4, option.keep_empty_value);
}

function writeHeaderValues(writer: ProtoWriter, headers: HeaderValue[] | undefined): void {
  for (const header of headers ?? []) writer.messageField(1, () => writeHeaderValue(writer, header));
}

function writeHeaderValue(writer: ProtoWriter, header: HeaderValue): void {
  writer.stringField(1, header.key);
  writer.stringField(2, header.value);
  writer.bytesField(3, header.raw_value);
}

function writeImmediateResponse(writer: ProtoWriter, response: ImmediateResponse): void {
  const status = response.status;
  if (status) writer.messageField(1, () => writer.varintField(1, statusCode(status.code)));
  writeHeaderMutationField(writer, 2, response.headers);
  writer.bytesField(3, response.body);
  const grpcStatus = response.grpc_status;
  if (grpcStatus) writer.messageField(4, () => writer.varintField(1, grpcStatus.status ?? 0));
  writer.stringField(5, response.details);
}

function writeProcessingMode(writer: ProtoWriter, mode: ProcessingMode): void {
  writer.varintField(1, enumValue(HEADER_SEND_MODES, mode.request_header_mode));
  writer.varintField(2, enumValue(HEADER_SEND_MODES, mode.response_header_mode));
  writer.varintField(3, enumValue(BODY_SEND_MODES, mode.request_body_mode));
  writer.varintField(4, enumValue(BODY_SEND_MODES, mode.response_body_mode));
  writer.varintField(5, enumValue(HEADER_SEND_MODES, mode.request_trailer_mode));
  writer.varintField(6, enumValue(HEADER_SEND_MODES, mode.response_trailer_mode));
}

function writeStruct(writer: ProtoWriter, struct: Struct): void {
  for (const [key, value] of Object.entries(struct.fields ?? {})) {
    writer.messageField(1, () => {
      writer.stringField(1, key, true);
      writer.messageField(2, () => writeValue(writer, value));
    });
  }
}

/** Well-known types use protobufjs' camelCase names (see dynamicMetadata in envoy-messages.ts). */
function writeValue(writer: ProtoWriter, value: Value): void {
  if (value.nullValue !== undefined) writer.varintField(1, 0, true);
  else if (value.numberValue !== undefined) writer.doubleField(2, Number(value.numberValue));
  else if (value.stringValue !== undefined) writer.stringField(3, value.stringValue, true);
  else if (value.boolValue !== undefined) writer.boolField(4, value.boolValue, true);
  else if (value.structValue) {
    const struct = value.structValue;
    writer.messageField(5, () => writeStruct(writer, struct));
  } else if (value.listValue) {
    const list = value.listValue;
    writer.messageField(6, () => {
      for (const item of list.values ?? []) writer.messageField(1, () => writeValue(writer, item));
    });
  }
}

function enumValue<N extends string>(table: Readonly<Record<N, number>>, value: N | number | undefined): number {
  if (value === undefined) return 0;
  return typeof value === 'number' ? value : table[value];
}

const RESPONSE_STATUS = { CONTINUE: 0, CONTINUE_AND_REPLACE: 1 } as const;
const APPEND_ACTIONS = { APPEND_IF_EXISTS_OR_ADD: 0, ADD_IF_ABSENT: 1, OVERWRITE_IF_EXISTS_OR_ADD: 2, OVERWRITE_IF_EXISTS: 3 } as const;
const HEADER_SEND_MODES = { DEFAULT: 0, SEND: 1, SKIP: 2 } as const;
const BODY_SEND_MODES = { NONE: 0, STREAMED: 1, BUFFERED: 2, BUFFERED_PARTIAL: 3, FULL_DUPLEX_STREAMED: 4 } as const;

/** envoy.type.v3.StatusCode: the enum's names; each value is the HTTP status it names. */
const STATUS_CODES: Readonly<Record<Exclude<StatusCode, number>, number>> = {
  Empty: 0, Continue: 100, OK: 200, Created: 201, Accepted: 202, NonAuthoritativeInformation: 203, NoContent: 204, ResetContent: 205,
  PartialContent: 206, MultiStatus: 207, AlreadyReported: 208, IMUsed: 226, MultipleChoices: 300, MovedPermanently: 301, Found: 302,
  SeeOther: 303, NotModified: 304, UseProxy: 305, TemporaryRedirect: 307, PermanentRedirect: 308, BadRequest: 400, Unauthorized: 401,
  PaymentRequired: 402, Forbidden: 403, NotFound: 404, MethodNotAllowed: 405, NotAcceptable: 406, ProxyAuthenticationRequired: 407,
  RequestTimeout: 408, Conflict: 409, Gone: 410, LengthRequired: 411, PreconditionFailed: 412, PayloadTooLarge: 413, URITooLong: 414,
  UnsupportedMediaType: 415, RangeNotSatisfiable: 416, ExpectationFailed: 417, MisdirectedRequest: 421, UnprocessableEntity: 422,
  Locked: 423, FailedDependency: 424, UpgradeRequired: 426, PreconditionRequired: 428, TooManyRequests: 429,
  RequestHeaderFieldsTooLarge: 431, InternalServerError: 500, NotImplemented: 501, BadGateway: 502, ServiceUnavailable: 503,
  GatewayTimeout: 504, HTTPVersionNotSupported: 505, VariantAlsoNegotiates: 506, InsufficientStorage: 507, LoopDetected: 508,
  NotExtended: 510, NetworkAuthenticationRequired: 511,
};

function statusCode(code: StatusCode | undefined): number {
  return enumValue(STATUS_CODES, code);
}
