import { METADATA_NAMESPACE } from './filter-config.js';
import type { HeaderMutation } from './generated/envoy/service/ext_proc/v3/HeaderMutation.js';
import type { HeaderValueOption } from './generated/envoy/config/core/v3/HeaderValueOption.js';
import type { HttpHeaders__Output } from './generated/envoy/service/ext_proc/v3/HttpHeaders.js';
import type { ProcessingResponse } from './generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { Struct } from './generated/google/protobuf/Struct.js';
import type { Value } from './generated/google/protobuf/Value.js';
import type { StatusCode } from './generated/envoy/type/v3/StatusCode.js';


/** Reads headers into a map of lower-case names. Envoy (>= 1.32) sends values only in raw_value. */
export function headerMap(headers: HttpHeaders__Output | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const header of headers?.headers?.headers ?? []) {
    const raw = header.raw_value;
    if (header.key === undefined) continue;
    map.set(header.key, raw && raw.length > 0 ? raw.toString('utf8') : (header.value ?? ''));
  }
  return map;
}

/** A header set that overwrites any client-supplied value, so clients cannot smuggle one in. */
export function setHeader(key: string, value: string): HeaderValueOption {
  return { header: { key, raw_value: Buffer.from(value) }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' };
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
  // Well-known types use protobufjs' camelCase JSON names even with keepCase (see envoy.md).
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
  [422, 'UnprocessableEntity'],
  [429, 'TooManyRequests'],
  [500, 'InternalServerError'],
  [502, 'BadGateway'],
  [503, 'ServiceUnavailable'],
  [504, 'GatewayTimeout'],
]);
