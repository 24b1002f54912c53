import { METADATA_NAMESPACE } from '../../contract/filter-config.js';
import type { HeaderMutation } from '../generated/envoy/service/ext_proc/v3/HeaderMutation.js';
import type { HeaderValueOption } from '../generated/envoy/config/core/v3/HeaderValueOption.js';
import type { HttpHeaders__Output } from '../generated/envoy/service/ext_proc/v3/HttpHeaders.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { Struct } from '../generated/google/protobuf/Struct.js';
import type { Value } from '../generated/google/protobuf/Value.js';
import type { StatusCode } from '../generated/envoy/type/v3/StatusCode.js';


/**
 * Reads the named headers (lower-case) from an ext_proc headers message. Only the wanted ones
 * are decoded: this runs several times per request. Envoy (>= 1.32) sends values in raw_value.
 */
export function pickHeaders<const K extends string>(headers: HttpHeaders__Output | undefined, names: readonly K[]): Partial<Record<K, string>> {
  const picked: Partial<Record<K, string>> = {};
  const wanted = (key: string | undefined): key is K => key !== undefined && (names as readonly string[]).includes(key);
  for (const header of headers?.headers?.headers ?? []) {
    const key = header.key;
    if (!wanted(key)) continue;
    const raw = header.raw_value;
    picked[key] = raw && raw.length > 0 ? raw.toString('utf8') : (header.value ?? '');
  }
  return picked;
}

/** A header set that overwrites any client-supplied value, so clients cannot smuggle one in. */
export function setHeader(key: string, value: string): HeaderValueOption {
  return { header: { key, raw_value: Buffer.from(value) }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' };
}

/** A header added next to any value already there (as Envoy's filters add theirs). */
export function appendHeader(key: string, value: string): HeaderValueOption {
  return { header: { key, raw_value: Buffer.from(value) }, append_action: 'APPEND_IF_EXISTS_OR_ADD' };
}

export function headerMutation(set: HeaderValueOption[], remove: string[] = []): HeaderMutation {
  return { set_headers: set, remove_headers: remove };
}

/** A local reply that ends the request without contacting the upstream. */
export function immediateResponse(status: number, body: string, contentType: string): ProcessingResponse {
  return {
    immediate_response: {
      status: { code: httpStatusName(status) },
      headers: headerMutation([setHeader('content-type', contentType)]),
      body: Buffer.from(body),
    },
  };
}

/** Dynamic metadata in the one namespace Envoy is configured to accept from the ext_proc. */
export function dynamicMetadata(fields: Record<string, string | number>): Struct {
  const values: Record<string, Value> = {};
  for (const [key, value] of Object.entries(fields)) {
    values[key] = typeof value === 'number' ? { numberValue: value } : { stringValue: value };
  }
  // Well-known types (Struct, Value) use protobufjs' camelCase JSON names even with keepCase:
  // `struct_value` / `string_value` would be dropped silently, serialised as an empty Value.
  return { fields: { [METADATA_NAMESPACE]: { structValue: { fields: values } } } };
}

/** envoy.type.v3.StatusCode is an enum; only the statuses the gateway answers with are listed. */
function httpStatusName(status: number): StatusCode {
  return STATUS_CODES.get(status) ?? 'InternalServerError';
}

const STATUS_CODES = new Map<number, StatusCode>([
  [200, 'OK'],
  [400, 'BadRequest'],
  [401, 'Unauthorized'],
  [404, 'NotFound'],
  [413, 'PayloadTooLarge'],
  [415, 'UnsupportedMediaType'],
  [422, 'UnprocessableEntity'],
  [429, 'TooManyRequests'],
  [500, 'InternalServerError'],
  [502, 'BadGateway'],
  [503, 'ServiceUnavailable'],
  [504, 'GatewayTimeout'],
]);
