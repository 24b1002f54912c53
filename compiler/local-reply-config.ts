import { openAIErrorType } from '../extproc/errors/error-body.js';
import {
  LOCAL_REPLY_ERROR_CODE,
  LOCAL_REPLY_MESSAGE_PREFIX,
  LOCAL_REPLY_RATE_LIMITED_CODE,
  RATE_LIMITED_MESSAGE,
} from '../contract/filter-config.js';
import { anthropicErrorType } from '../extproc/translator/backend-error-body.js';
import { CLUSTER_LABEL_KEY, ENDPOINT_LABEL_KEY, ENDPOINT_METADATA } from './backend-labels.js';
import type { Json } from './envoy-json.js';
import { typeUrl as type } from './envoy-json.js';
import type { ListenerModel } from './gateway-model.js';
import { envoyDuration } from './quantities.js';

/** Header limits of every listener: Envoy's defaults (100 headers, 60 KiB) raised for SDK-heavy clients. */
export const MAX_REQUEST_HEADERS = 200;
export const MAX_REQUEST_HEADERS_KB = 96;
/** Seconds a client is told to wait (`retry-after`) when the gateway sheds load. */
const RETRY_AFTER_SECONDS = 1;

/**
 * A failure Envoy answers itself, with what the client is told. `viaExtProc` replies come from
 * the router filter and pass the router-level ext_proc on their way out, which rewrites them for
 * the client's API (it recognises them by code and message prefix): they are written in OpenAI's
 * shape only. The others (the ext_proc's own failures, HTTP codec errors, request timeouts, the
 * overload manager) reach the client as written here, so they get one mapper per client API.
 */
interface LocalFailure {
  filter: Json;
  message: string;
  /** Replaces Envoy's status. */
  status?: number;
  /** The status written in the body (defaults to `status`; needed when Envoy's status is kept). */
  bodyStatus?: number;
  retryAfter?: boolean;
  /** `retry-after` from this Envoy command operator instead of a fixed second. */
  retryAfterValue?: string;
  viaExtProc?: boolean;
  /** `error.code` of a viaExtProc reply (default LOCAL_REPLY_ERROR_CODE); its message starts with the matching prefix. */
  code?: string;
  /** `error.type` of a viaExtProc reply (default `server_error`). */
  type?: string;
}

const cel = (expression: string): Json => ({
  extension_filter: { name: 'envoy.access_loggers.extension_filters.cel', typed_config: { '@type': type('envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter'), expression } },
});
const statusIs = (status: number): Json => ({ status_code_filter: { comparison: { op: 'EQ', value: { default_value: status, runtime_key: `aigw.local_reply.${status}` } } } });
const flags = (...names: string[]): Json => ({ response_flag_filter: { flags: names } });
const all = (...filters: Json[]): Json => ({ and_filter: { filters } });

/** Local replies Envoy itself produces: JSON in the client API's error shape, saying what happened. */
export function localReplyConfig(listener: ListenerModel): Json {
  return { mappers: localFailures(listener).flatMap(mappers) };
}

function localFailures(listener: ListenerModel): LocalFailure[] {
  const headerLimits = `at most ${MAX_REQUEST_HEADERS} headers and ${MAX_REQUEST_HEADERS_KB} KiB of headers`;
  return [
    {
      // Envoy's own 413 only: the ext_proc's (a compressed body decoding past the limit) is already JSON and says so.
      filter: all(statusIs(413), cel("response.code_details == 'request_payload_too_large'")),
      bodyStatus: 413,
      message: `request body is larger than the gateway's buffer limit of ${formatBytes(listener.bufferLimitBytes)}; raise it with a ClientTrafficPolicy spec.connection.bufferLimit`,
    },
    // The ext_proc (the gateway's own request processor) failed: Envoy's reply has no body.
    {
      filter: cel("response.code_details.startsWith('ext_proc_error_per-message_timeout')"),
      bodyStatus: 504,
      message: "the gateway's request processor (ext_proc) did not answer within 10s: it is stalled or overloaded",
    },
    {
      // gRPC UNAVAILABLE: the ext_proc is restarting or Envoy's limit of concurrent ext_proc streams is reached.
      filter: cel("response.code_details.startsWith('ext_proc_error_gRPC_error_14')"),
      status: 503,
      retryAfter: true,
      message: "the gateway's request processor (ext_proc) is unavailable (restarting, or at its limit of concurrent requests); retry shortly",
    },
    {
      filter: cel("response.code_details == 'header_mutation_result_exceeds_limit'"),
      status: 431,
      message: `the request's headers and the ones the gateway adds exceed its limit of ${headerLimits}; send fewer or smaller headers`,
    },
    {
      filter: cel("response.code_details.startsWith('ext_proc')"),
      bodyStatus: 500,
      message: "internal error in the gateway's request processor (ext_proc): %RESPONSE_CODE_DETAILS%",
    },
    // The client's HTTP: too many headers, malformed requests, too slow.
    { filter: all(flags('DPE'), statusIs(431)), bodyStatus: 431, message: `too many request headers or headers too large: the gateway accepts ${headerLimits}` },
    { filter: flags('DPE'), bodyStatus: 400, message: 'malformed HTTP request: %RESPONSE_CODE_DETAILS%' },
    {
      filter: cel("response.code_details == 'request_header_timeout'"),
      bodyStatus: 408,
      message: `the request headers did not arrive within ${seconds(listener.client.requestHeadersTimeoutMs)}`,
    },
    {
      filter: cel("response.code_details == 'request_overall_timeout'"),
      bodyStatus: 408,
      message: `the request did not arrive within ${seconds(listener.client.requestReceivedTimeoutMs)} (ClientTrafficPolicy timeout.http.requestReceivedTimeout)`,
    },
    {
      filter: all(cel("response.code_details == 'stream_idle_timeout'"), statusIs(408)),
      bodyStatus: 408,
      message: `no bytes of the request arrived for ${seconds(listener.client.streamIdleTimeoutMs)} (ClientTrafficPolicy timeout.http.streamIdleTimeout)`,
    },
    {
      filter: cel("response.code_details == 'stream_idle_timeout'"),
      bodyStatus: 504,
      message: `the provider sent nothing for ${seconds(listener.client.streamIdleTimeoutMs)} (ClientTrafficPolicy timeout.http.streamIdleTimeout)`,
    },
    // Envoy's overload manager sheds load near its memory limit.
    {
      filter: { or_filter: { filters: [flags('OM'), cel("response.code_details == 'overload'")] } },
      status: 503,
      retryAfter: true,
      message: "the gateway is overloaded (near Envoy's memory limit, --envoy-max-heap); retry shortly",
    },
    // Envoy's local_ratelimit filter (BackendTrafficPolicy rateLimit.local; the global limits are
    // checked by the ext_proc, which answers their 429s itself). It runs after the router-level
    // ext_proc, so its reply passes it on the way out, which rewrites it for non-OpenAI clients as
    // it does the router's; its x-ratelimit-* headers stay. The filter sets the RL flag only after
    // its reply is mapped: its code details say it.
    {
      filter: { or_filter: { filters: [flags('RL'), cel("response.code_details == 'local_rate_limited'")] } },
      status: 429,
      viaExtProc: true,
      code: LOCAL_REPLY_RATE_LIMITED_CODE,
      type: 'rate_limit_error',
      retryAfter: true,
      retryAfterValue: '%RESP(x-ratelimit-reset)%',
      message: RATE_LIMITED_MESSAGE,
    },
    // From the router filter, rewritten by the ext_proc for non-OpenAI clients.
    {
      filter: flags('UO'),
      status: 503,
      retryAfter: true,
      viaExtProc: true,
      message: `${LOCAL_REPLY_MESSAGE_PREFIX}too many concurrent requests to this backend (its circuit breaker, BackendTrafficPolicy spec.circuitBreaker, is open); retry shortly (UO)`,
    },
    {
      // A connect failure (refused, timed out, TLS handshake failed; with retries also URX):
      // Envoy's text and the flag say nothing a user can act on, so name the backend and the
      // address aigw tried. Envoy keeps the host it picked even when connecting to it failed.
      filter: flags('UF'),
      viaExtProc: true,
      message: `${LOCAL_REPLY_MESSAGE_PREFIX}backend %UPSTREAM_METADATA(${ENDPOINT_METADATA}:${ENDPOINT_LABEL_KEY})% is unreachable: the connection was refused or failed; check that it is running and that the Backend's address and port are right`,
    },
    {
      // No host at all: a hostname that did not resolve, or every endpoint ejected.
      filter: flags('UH'),
      viaExtProc: true,
      message: `${LOCAL_REPLY_MESSAGE_PREFIX}backend %CLUSTER_METADATA(${ENDPOINT_METADATA}:${CLUSTER_LABEL_KEY})% has no reachable address: its hostname did not resolve (DNS) or no endpoint is healthy`,
    },
    {
      // UPE/UR: the upstream broke the protocol or reset before answering (e.g. a reset mid-body).
      filter: flags('UT', 'UC', 'URX', 'UMSDR', 'UPE', 'UR'),
      viaExtProc: true,
      message: `${LOCAL_REPLY_MESSAGE_PREFIX}%LOCAL_REPLY_BODY% (%RESPONSE_FLAGS%)`,
    },
  ];
}

/** The mappers of one failure: one per client API path prefix, OpenAI's last (it matches every path). */
function mappers(failure: LocalFailure): Json[] {
  const status = failure.status ?? failure.bodyStatus ?? 500;
  const extra: { [key: string]: Json } = {
    ...(failure.status !== undefined ? { status_code: failure.status } : {}),
    ...(failure.retryAfter ? { headers_to_add: [{ header: { key: 'retry-after', value: failure.retryAfterValue ?? String(RETRY_AFTER_SECONDS) }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }] } : {}),
  };
  const mapper = (filter: Json, body: Json): Json => ({ filter, ...extra, body_format_override: { json_format: body, content_type: 'application/json' } });
  if (failure.viaExtProc) {
    // The code and prefix the ext_proc recognises (extproc/local-reply.ts).
    return [mapper(failure.filter, { error: { message: failure.message, type: failure.type ?? 'server_error', code: failure.code ?? LOCAL_REPLY_ERROR_CODE } })];
  }
  const onPath = (prefix: string): Json => all(failure.filter, { header_filter: { header: { name: ':path', string_match: { prefix } } } });
  return [
    mapper(onPath('/anthropic/'), { type: 'error', error: { type: anthropicErrorType(status), message: failure.message } }),
    mapper(onPath('/cohere/'), { message: failure.message }),
    mapper(failure.filter, { type: 'error', error: { type: openAIErrorType(status), code: String(status), message: failure.message } }),
  ];
}

function seconds(milliseconds: number): string {
  return envoyDuration(milliseconds);
}

/** `50Mi (52428800 bytes)`: the quantity as written in a ClientTrafficPolicy, and exactly. */
function formatBytes(bytes: number): string {
  for (const [unit, size] of [['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit} (${bytes} bytes)`;
  }
  return `${bytes} bytes`;
}
