import { BACKEND_NAME_ATTRIBUTE, SOURCE_ADDRESS_ATTRIBUTE, BUFFER_LIMIT_METADATA_KEY, LISTENER_METADATA_KEY, STREAM_IDLE_METADATA_KEY, METADATA_NAMESPACE, ROUTE_HEADER, ROUTE_NOT_FOUND_MESSAGE, ROUTER_PROCESSING_MODE, UPSTREAM_PROCESSING_MODE } from '../contract/filter-config.js';
import { readsClientAddress } from '../contract/rate-limit-config.js';
import type { AccessLogModel, BackendRefModel, GatewayModel, ListenerModel, RouteModel, RuleModel, TelemetryCluster } from './gateway-model.js';
import { DEFAULT_TEXT_FORMAT } from './resources/envoy-proxy.js';
import type { BackendEndpoint } from './resources/backend.js';
import { envoyDuration } from './quantities.js';
import { mcpEnvoyRoutes, mcpMetadataFilter, mcpProxyCluster } from './build-mcp-routes.js';
import { typeUrl as type, type Json } from './envoy-json.js';
import { mergeBootstrap } from './merge-envoy-bootstrap.js';
import { CLUSTER_LABEL_KEY, clusterLabel, ENDPOINT_LABEL_KEY, endpointLabel, ENDPOINT_METADATA } from './backend-labels.js';
import { localReplyConfig, MAX_REQUEST_HEADERS, MAX_REQUEST_HEADERS_KB } from './local-reply-config.js';
import type { CircuitBreakerSettings } from './resources/backend-traffic-policy.js';
import { ENVOY_IDLE_BACKSTOP_MS } from '../extproc/request/stream-timeouts.js';
import { LOCAL_RATE_LIMIT_FILTER, localRateLimitFilter, localRateLimitPerRoute } from './build-local-rate-limits.js';
import { envoyCharges, envoyRateLimits, RATE_LIMIT_CLUSTER, RATE_LIMIT_FILTER, targetRateLimits, type TargetRateLimits } from './build-rate-limits.js';

/** Where Envoy finds the ext_proc and the system trust store; decided by the caller. */
export interface BootstrapOptions {
  extProcSocketPath: string;
  /** The unix socket the ext_proc's MCP proxy listens on (HTTP/1.1); used when there are MCPRoutes. */
  mcpProxySocketPath: string;
  /** PEM bundle for `wellKnownCACertificates: System`. */
  systemCaFile: string;
  /** `--listen-address`: every listener binds it, whatever its Gateway's `spec.addresses` say. */
  listenAddress?: string;
  /** Envoy's heap limit for its overload manager (bytes). */
  maxHeapBytes: number;
  /** The unix socket of the rate-limit service (gRPC): Envoy's rate-limit filters charge response costs there. */
  rateLimitSocketPath: string;
}

/** How long Envoy waits for the rate-limit service before applying the failure mode. */
const RATE_LIMIT_TIMEOUT = '1s';

/**
 * Where listeners bind without `spec.addresses` or --listen-address: loopback, like the admin
 * port. Envoy Gateway binds every interface, which on a laptop would let anyone on the network
 * spend the configured provider keys.
 */
export const DEFAULT_LISTEN_ADDRESS = '127.0.0.1';

export const EXT_PROC_CLUSTER = 'aigw-extproc';
const TLS_MATCH_KEY = 'aigw_tls';

/**
 * Builds Envoy's static bootstrap. Output is a plain JSON value built in a fixed order from the
 * model, so the same input always gives the same bytes.
 */
export function buildEnvoyBootstrap(model: GatewayModel, options: BootstrapOptions): Json {
  return model.bootstrapMerges.reduce(mergeBootstrap, generatedBootstrap(model, options));
}

function generatedBootstrap(model: GatewayModel, options: BootstrapOptions): Json {
  return {
    node: { id: 'aigw', cluster: 'aigw' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    overload_manager: overloadManager(options.maxHeapBytes),
    // Free memory goes back to the OS in the background: after a burst of large bodies Envoy's
    // resident size shrinks again instead of staying at its peak.
    memory_allocator_manager: { bytes_to_release: 64 * 1024 * 1024, memory_release_interval: '1s' },
    static_resources: {
      listeners: model.listeners.map((listener) => envoyListener(model, listener, options)),
      clusters: [
        extProcCluster(options),
        ...rateLimitClusters(model, options),
        ...(model.mcpRoutes.length > 0 ? [mcpProxyCluster(options.mcpProxySocketPath)] : []),
        ...model.telemetryClusters.map((cluster) => telemetryCluster(cluster, options)),
        ...model.routes.flatMap((route) =>
          route.rules.flatMap((rule) =>
            rule.mode === 'upstream'
              ? [backendCluster(rule.cluster, rule.refs, rule, upstreamBufferLimit(model), options, true)]
              : rule.refs.map((ref) => backendCluster(ref.backend.name, [ref], rule, upstreamBufferLimit(model), options, false)),
          ),
        ),
      ],
    },
  };
}

function envoyListener(model: GatewayModel, listener: ListenerModel, options: BootstrapOptions): Json {
  const [address = DEFAULT_LISTEN_ADDRESS, ...more] = options.listenAddress !== undefined ? [options.listenAddress] : listener.addresses;
  const socket = (ip: string): Json => ({ socket_address: { address: ip, port_value: listener.port } });
  const { client } = listener;
  return {
    name: listener.name,
    address: socket(address),
    // Envoy's default on Linux (SO_REUSEPORT) would let a second gateway bind the same port and
    // take half the connections; without it the second one's bind fails and it says so.
    enable_reuse_port: false,
    ...(more.length > 0 ? { additional_addresses: more.map((ip) => ({ address: socket(ip) })) } : {}),
    per_connection_buffer_limit_bytes: listener.bufferLimitBytes,
    ...(client.maxAcceptPerSocketEvent !== undefined ? { max_connections_to_accept_per_socket_event: client.maxAcceptPerSocketEvent } : {}),
    filter_chains: [
      {
        filters: [
          {
            // ClientTrafficPolicy connection.connectionLimit: one client cannot exhaust Envoy's file descriptors.
            name: 'envoy.filters.network.connection_limit',
            typed_config: {
              '@type': type('envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit'),
              stat_prefix: listener.name.replaceAll('/', '_'),
              max_connections: client.connectionLimit,
              ...(client.connectionCloseDelayMs !== undefined ? { delay: envoyDuration(client.connectionCloseDelayMs) } : {}),
            },
          },
          httpConnectionManager(model, listener),
        ],
      },
    ],
  };
}

/**
 * Envoy's overload manager bounds its heap (`--envoy-max-heap`): past half of it free memory is
 * returned to the OS; from 85 % the streams holding the most buffered bytes are reset, more of
 * them the closer the heap gets to 95 %; at 95 % new requests get a 503 (JSON, `retry-after`).
 */
function overloadManager(maxHeapBytes: number): Json {
  const heap = 'envoy.resource_monitors.fixed_heap';
  return {
    refresh_interval: '0.25s',
    resource_monitors: [{ name: heap, typed_config: { '@type': type('envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig'), max_heap_size_bytes: maxHeapBytes } }],
    actions: [
      { name: 'envoy.overload_actions.shrink_heap', triggers: [{ name: heap, threshold: { value: 0.5 } }] },
      { name: 'envoy.overload_actions.reset_high_memory_stream', triggers: [{ name: heap, scaled: { scaling_threshold: 0.85, saturation_threshold: 0.95 } }] },
      { name: 'envoy.overload_actions.stop_accepting_requests', triggers: [{ name: heap, threshold: { value: 0.95 } }] },
    ],
    // Streams are tracked (for reset_high_memory_stream) from 1 MiB of buffered data.
    buffer_factory_config: { minimum_account_to_track_power_of_two: 20 },
  };
}

function httpConnectionManager(model: GatewayModel, listener: ListenerModel): Json {
  const routes = model.routes.filter((route) => route.listeners.includes(listener.name));
  const mcpRoutes = model.mcpRoutes.filter((route) => route.config.listeners.includes(listener.name));
  const limits = listenerRateLimits(routes);
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': type('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'),
      stat_prefix: listener.name.replaceAll('/', '_'),
      codec_type: 'AUTO',
      // The client is the peer of the connection, as Envoy Gateway configures it: otherwise Envoy
      // takes the address from x-forwarded-for, which any client can write — and rate limits per
      // source address (clientSelectors sourceCIDR) or access logs would believe it.
      use_remote_address: true,
      // Which makes every client "external", whose x-request-id Envoy would replace: the id a client
      // or SDK sent stays (access logs and traces correlate with it), as before; one is made when absent.
      preserve_external_request_id: true,
      // Slow or idle clients cannot hold connections forever (ClientTrafficPolicy timeout.http).
      request_headers_timeout: envoyDuration(listener.client.requestHeadersTimeoutMs),
      ...(listener.client.requestReceivedTimeoutMs > 0 ? { request_timeout: envoyDuration(listener.client.requestReceivedTimeoutMs) } : {}),
      stream_idle_timeout: envoyDuration(listener.client.streamIdleTimeoutMs),
      common_http_protocol_options: { idle_timeout: envoyDuration(listener.client.idleTimeoutMs), max_headers_count: MAX_REQUEST_HEADERS },
      max_request_headers_kb: MAX_REQUEST_HEADERS_KB,
      access_log: listener.accessLogs.flatMap(accessLoggers),
      route_config: {
        name: listener.name,
        // MCP paths first: LLM routes match any path once the router filter has picked a backend.
        virtual_hosts: [{ name: 'aigw', domains: ['*'], routes: [...mcpEnvoyRoutes(mcpRoutes), ...targetRoutes(routes), routeNotFound()] }],
      },
      // Envoy Gateway's order: the router-level ext_proc, then its local_ratelimit and ratelimit
      // filters (their per-route configs are those of the route the ext_proc chose).
      http_filters: [
        routerExtProc(listener, limits.sourceAddress),
        ...(limits.local ? [localRateLimitFilter()] : []),
        ...(limits.global ? [rateLimitFilter(RATE_LIMIT_FILTER, listener.name, RATE_LIMIT_CLUSTER)] : []),
        ...(mcpRoutes.length > 0 ? [mcpMetadataFilter()] : []),
        { name: 'envoy.filters.http.router', typed_config: { '@type': type('envoy.extensions.filters.http.router.v3.Router') } },
      ],
      local_reply_config: localReplyConfig(listener),
    },
  };
}

/**
 * One Envoy route per routing target, matched on the header the router filter sets: a backend
 * (router-mode rules) or a rule (upstream-mode rules). Which rule a request belongs to is decided
 * once, by the router filter, from the AIGatewayRoute matches.
 */
function targetRoutes(attached: readonly RouteModel[]): Json[] {
  const routes: Json[] = [];
  for (const route of attached) {
    for (const rule of route.rules) {
      const targets = rule.mode === 'upstream' ? [rule.cluster] : rule.refs.map((ref) => ref.backend.name);
      for (const target of targets) {
        // Envoy charges only the response costs of upstream-mode rules; the ext_proc does the rest.
        const limits = envoyCharges(rule) ? targetRateLimits(route, rule, undefined) : { global: [], quota: [] };
        const perFilter = rateLimitPerRoute(limits, localRateLimitPerRoute(rule));
        routes.push({
          match: { prefix: '/', headers: [{ name: ROUTE_HEADER, string_match: { exact: target } }] },
          route: routeAction(rule, target),
          metadata: { filter_metadata: { [ENDPOINT_METADATA]: { aigw_route_name: route.name } } },
          ...(perFilter ? { typed_per_filter_config: perFilter } : {}),
        });
      }
    }
  }
  return routes;
}

/**
 * Which rate-limit filters a listener needs: BackendTrafficPolicy local limits; the global filter
 * only to charge response costs of `upstream`-mode rules when their stream is done (the ext_proc
 * checks and charges everything else itself, see build-rate-limits.ts; QuotaPolicies apply to
 * `router`-mode rules only).
 */
function listenerRateLimits(routes: readonly RouteModel[]): { local: boolean; global: boolean; sourceAddress: boolean } {
  const rules = routes.flatMap((route) => route.rules);
  const entries = routes.flatMap((route) =>
    route.rules.flatMap((rule) => (rule.mode === 'router' ? rule.refs : [{ quota: undefined }]).flatMap((ref) => {
      const limits = targetRateLimits(route, rule, ref.quota);
      return [...limits.global, ...limits.quota];
    })),
  );
  return {
    // The ext_proc's checks need the client's address (Envoy's, as its remote_address action reads it).
    sourceAddress: entries.some((entry) => entry.actions.some(readsClientAddress)),
    local: rules.some((rule) => rule.rateLimit?.local !== undefined),
    global: rules.some((rule) => envoyCharges(rule) && rule.rateLimit?.global?.some((limit) => limit.responseCost !== undefined) === true),
  };
}

/** A route's rate-limit configuration, per filter (LocalRateLimit, RateLimitPerRoute); undefined when nothing limits it. */
function rateLimitPerRoute(limits: TargetRateLimits, local: Json | undefined): { [key: string]: Json } | undefined {
  const perRoute = (rateLimits: Json[]): Json => ({ '@type': type('envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute'), rate_limits: rateLimits });
  const config: { [key: string]: Json } = {};
  if (local !== undefined) config[LOCAL_RATE_LIMIT_FILTER] = local;
  const global = envoyRateLimits(limits.global);
  if (global.length > 0) config[RATE_LIMIT_FILTER] = perRoute(global);
  return Object.keys(config).length > 0 ? config : undefined;
}

/**
 * A global rate-limit filter: it only charges response costs when a stream is done (its routes'
 * RateLimitPerRoute has nothing else), so it never answers a request; the ext_proc checks them.
 * It stays enabled on every route: the route the request starts on is not the one the ext_proc
 * picks, and only the latter has actions.
 */
function rateLimitFilter(name: string, domain: string, cluster: string): Json {
  return {
    name,
    typed_config: {
      '@type': type('envoy.extensions.filters.http.ratelimit.v3.RateLimit'),
      domain,
      timeout: RATE_LIMIT_TIMEOUT,
      rate_limit_service: { grpc_service: { envoy_grpc: { cluster_name: cluster } }, transport_api_version: 'V3' },
    },
  };
}

/** The rate-limit service's clusters (Envoy Gateway's and Envoy AI Gateway's names), both on its unix socket, HTTP/2. */
function rateLimitClusters(model: GatewayModel, options: BootstrapOptions): Json[] {
  const limits = listenerRateLimits(model.routes);
  const cluster = (name: string): Json => ({
    name,
    type: 'STATIC',
    connect_timeout: '5s',
    // One charge per rate-limited request when its stream is done: Envoy's default circuit
    // breaker (1024) would drop charges past it under a burst the gateway otherwise serves.
    circuit_breakers: { thresholds: [{ priority: 'DEFAULT', max_connections: EXT_PROC_MAX_STREAMS, max_pending_requests: EXT_PROC_MAX_STREAMS, max_requests: EXT_PROC_MAX_STREAMS, max_retries: 0 }] },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': type('envoy.extensions.upstreams.http.v3.HttpProtocolOptions'),
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: options.rateLimitSocketPath } } } }] }] },
  });
  return limits.global ? [cluster(RATE_LIMIT_CLUSTER)] : [];
}

function routeAction(rule: RuleModel, cluster: string): Json {
  const timeout = rule.backendRequestTimeoutMs ?? rule.requestTimeoutMs;
  const retry = rule.retry || rule.streamIdleTimeoutMs !== undefined ? retryPolicy(rule) : undefined;
  return { cluster, timeout: envoyDuration(timeout), auto_host_rewrite: true, ...(retry ? { retry_policy: retry } : {}) };
}

/**
 * BackendTrafficPolicy retries. For rules with fallback priorities, each retry moves on from
 * priorities already tried (previous_priorities), which is what makes lower priorities a
 * fallback; the upstream ext_proc filter translates the request again for the new backend.
 */
function retryPolicy(rule: RuleModel): Json {
  // streamIdleTimeout lives in the retry policy (per attempt), as Envoy AI Gateway sets it. Once a
  // response streams, the ext_proc ends a silent stream itself (with an error event the client
  // can read); Envoy's timer, a little later, is the backstop that can only reset.
  const idle: { [key: string]: Json } = rule.streamIdleTimeoutMs !== undefined ? { per_try_idle_timeout: envoyDuration(rule.streamIdleTimeoutMs + ENVOY_IDLE_BACKSTOP_MS) } : {};
  const retry = rule.retry;
  if (!retry) return idle;
  return {
    ...idle,
    retry_on: retry.triggers.join(','),
    num_retries: retry.numRetries,
    ...(retry.httpStatusCodes.length > 0 ? { retriable_status_codes: retry.httpStatusCodes } : {}),
    ...(retry.perTryTimeoutMs !== undefined ? { per_try_timeout: envoyDuration(retry.perTryTimeoutMs) } : {}),
    ...(retry.backOff
      ? { retry_back_off: { base_interval: envoyDuration(retry.backOff.baseIntervalMs), ...(retry.backOff.maxIntervalMs !== undefined ? { max_interval: envoyDuration(retry.backOff.maxIntervalMs) } : {}) } }
      : {}),
    ...(rule.mode === 'upstream'
      ? {
          retry_priority: {
            name: 'envoy.retry_priorities.previous_priorities',
            typed_config: { '@type': type('envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig'), update_frequency: retry.numAttemptsPerPriority ?? 1 },
          },
        }
      : {}),
    retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': type('envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate') } }],
    host_selection_retry_max_attempts: 5,
  };
}

function routeNotFound(): Json {
  return {
    match: { prefix: '/' },
    direct_response: {
      status: 404,
      body_format: {
        json_format: {
          error: {
            message: `${ROUTE_NOT_FOUND_MESSAGE} Model: %REQ(x-ai-eg-model)%`,
            type: 'invalid_request_error',
            code: 'model_not_found',
          },
        },
        content_type: 'application/json',
      },
    },
  };
}

/** The ext_proc filter, shared by the router-level and the upstream (per-cluster) instances. */
function extProcFilter(settings: { [key: string]: Json }, initialMetadata: Json[] = []): Json {
  return {
    name: 'envoy.filters.http.ext_proc',
    typed_config: {
      '@type': type('envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor'),
      grpc_service: { envoy_grpc: { cluster_name: EXT_PROC_CLUSTER }, timeout: '30s', ...(initialMetadata.length > 0 ? { initial_metadata: initialMetadata } : {}) },
      failure_mode_allow: false,
      message_timeout: '10s',
      metadata_options: { receiving_namespaces: { untyped: [METADATA_NAMESPACE] } },
      ...settings,
    },
  };
}

/**
 * Before routing: reads the model from the body so routes can match on x-ai-eg-model. The
 * listener's name travels as gRPC metadata (rules apply only on the listeners of their routes),
 * and so do its buffer limit (the most a compressed body may decode to) and stream idle timeout.
 */
function routerExtProc(listener: ListenerModel, sourceAddress: boolean): Json {
  const settings: { [key: string]: Json } = { allow_mode_override: true, processing_mode: { ...ROUTER_PROCESSING_MODE } };
  if (sourceAddress) settings.request_attributes = [SOURCE_ADDRESS_ATTRIBUTE];
  return extProcFilter(settings, [
    { key: LISTENER_METADATA_KEY, value: listener.name },
    { key: BUFFER_LIMIT_METADATA_KEY, value: String(listener.bufferLimitBytes) },
    // Envoy resets a stream silent for this long; the ext_proc's stream timers must fire first.
    { key: STREAM_IDLE_METADATA_KEY, value: String(listener.client.streamIdleTimeoutMs) },
  ]);
}

/** Per attempt, on the chosen backend: path, credentials, translation, usage. */
function upstreamExtProc(): Json {
  return extProcFilter({
    allow_mode_override: true,
    request_attributes: [BACKEND_NAME_ATTRIBUTE],
    // The body is only requested (mode_override) when the backend needs it rewritten.
    processing_mode: { ...UPSTREAM_PROCESSING_MODE },
  });
}

/**
 * Streams per ext_proc connection. Envoy ends each ext_proc stream with a RST_STREAM once its
 * request is done, and nghttp2 (Node's HTTP/2 server) answers more than ~1000 resets on one
 * connection (its rapid-reset guard: a bucket of 1000 refilled at 33/s) with GOAWAY, failing the
 * requests still in flight on that connection. Moving to a fresh connection well before that keeps
 * every connection under the guard at any request rate; a new connection on a unix socket costs
 * microseconds. (Envoy's graceful close of ext_proc streams, the other way around the guard, is
 * unusable in 1.38: see gracefulCloseIsUnsafe below.)
 */
const EXT_PROC_STREAMS_PER_CONNECTION = 500;

/** Concurrent ext_proc streams Envoy opens before refusing requests with a 503. */
const EXT_PROC_MAX_STREAMS = 65536;

/**
 * Provider cluster limits when no BackendTrafficPolicy `circuitBreaker` sets them. Envoy's (and
 * Envoy Gateway's) 1024 is low for one gateway process serving long LLM streams; beyond these a
 * request gets a 503 with `retry-after` in the client API's shape.
 */
export const DEFAULT_CIRCUIT_BREAKER: Required<Omit<CircuitBreakerSettings, 'maxRequestsPerConnection'>> = {
  maxConnections: 8192,
  maxPendingRequests: 8192,
  maxParallelRequests: 8192,
  maxParallelRetries: 1024,
};

/**
 * The ext_proc cluster: HTTP/2 over the ext_proc's unix socket.
 *
 * Envoy's `envoy.reloadable_features.ext_proc_graceful_grpc_close` stays off (its default). With
 * it, Envoy half-closes an ext_proc stream when its request ends and frees the stream's owner at
 * once, keeping the gRPC stream alive until the server's trailers. That owner holds the last
 * reference to the gRPC client whenever Envoy's per-thread client cache has evicted it (50 s after
 * the last new stream on that worker); dropping it deletes the half-closed stream while its HTTP
 * stream stays open, and the server's trailers then land on freed memory: SIGSEGV. Any request
 * ending more than 50 s after the previous request on its worker crashed Envoy 1.38.3 (see
 * test/faults/long-requests.test.ts).
 */
function extProcCluster(options: BootstrapOptions): Json {
  return {
    name: EXT_PROC_CLUSTER,
    type: 'STATIC',
    connect_timeout: '5s',
    per_connection_buffer_limit_bytes: 52428800,
    // Every in-flight request holds a stream (two with fallback: router level and per attempt).
    // Envoy's default of 1024 concurrent requests per cluster turned request 1025 into an empty
    // 500; this is well above what provider clusters admit, so a provider's limit trips first.
    circuit_breakers: { thresholds: [{ priority: 'DEFAULT', max_connections: EXT_PROC_MAX_STREAMS, max_pending_requests: EXT_PROC_MAX_STREAMS, max_requests: EXT_PROC_MAX_STREAMS, max_retries: 0 }] },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': type('envoy.extensions.upstreams.http.v3.HttpProtocolOptions'),
        common_http_protocol_options: { max_requests_per_connection: EXT_PROC_STREAMS_PER_CONNECTION },
        explicit_http_config: { http2_protocol_options: { initial_connection_window_size: 1048576, initial_stream_window_size: 65536 } },
      },
    },
    load_assignment: {
      cluster_name: EXT_PROC_CLUSTER,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: options.extProcSocketPath } } } }] }],
    },
  };
}

/**
 * A cluster for one backend (router mode) or for all backends of a rule (upstream mode: each
 * backendRef is a locality with its weight and priority, and the upstream ext_proc filter
 * translates every attempt for the backend Envoy picked).
 */
function backendCluster(name: string, refs: BackendRefModel[], rule: RuleModel, bufferLimitBytes: number, options: BootstrapOptions, withUpstreamFilter: boolean): Json {
  const breaker = { ...DEFAULT_CIRCUIT_BREAKER, ...rule.circuitBreaker };
  // DNS clusters need socket addresses; a cluster of IPs and unix sockets is static.
  const needsDns = refs.some((ref) => ref.endpoints.some((endpoint) => endpoint.kind === 'fqdn'));
  return {
    name,
    ...(needsDns ? { type: 'STRICT_DNS', dns_lookup_family: 'V4_PREFERRED' } : { type: 'STATIC' }),
    connect_timeout: '10s',
    per_connection_buffer_limit_bytes: bufferLimitBytes,
    circuit_breakers: {
      thresholds: [
        { priority: 'DEFAULT', max_connections: breaker.maxConnections, max_pending_requests: breaker.maxPendingRequests, max_requests: breaker.maxParallelRequests, max_retries: breaker.maxParallelRetries },
      ],
    },
    common_lb_config: { locality_weighted_lb_config: {} },
    // Read by the local reply when no endpoint could be picked (UH): which backends these are.
    metadata: { filter_metadata: { [ENDPOINT_METADATA]: { [CLUSTER_LABEL_KEY]: clusterLabel(refs) } } },
    load_assignment: {
      cluster_name: name,
      endpoints: refs.map((ref, index) => ({
        locality: { sub_zone: ref.backend.name },
        load_balancing_weight: ref.weight,
        priority: ref.priority,
        lb_endpoints: ref.endpoints.map((endpoint) => ({
          endpoint: endpointAddress(endpoint),
          metadata: {
            filter_metadata: {
              // The label is what a connect failure's local reply names (backend-labels.ts).
              [ENDPOINT_METADATA]: { per_route_rule_backend_name: ref.backend.name, [ENDPOINT_LABEL_KEY]: endpointLabel(ref, endpoint) },
              ...(ref.tls ? { 'envoy.transport_socket_match': { [TLS_MATCH_KEY]: String(index) } } : {}),
            },
          },
        })),
      })),
    },
    transport_socket_matches: refs.flatMap((ref, index) => (ref.tls ? [tlsMatch(ref, index, options)] : [])),
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': type('envoy.extensions.upstreams.http.v3.HttpProtocolOptions'),
        ...(rule.circuitBreaker?.maxRequestsPerConnection !== undefined ? { common_http_protocol_options: { max_requests_per_connection: rule.circuitBreaker.maxRequestsPerConnection } } : {}),
        explicit_http_config: { http_protocol_options: {} },
        ...(withUpstreamFilter
          ? { http_filters: [upstreamExtProc(), { name: 'envoy.filters.http.upstream_codec', typed_config: { '@type': type('envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec') } }] }
          : {}),
      },
    },
  };
}

function endpointAddress(endpoint: BackendEndpoint): Json {
  switch (endpoint.kind) {
    case 'fqdn':
      // The hostname also becomes the Host header (route auto_host_rewrite).
      return { address: { socket_address: { address: endpoint.hostname, port_value: endpoint.port } }, hostname: endpoint.hostname };
    case 'ip':
      return { address: { socket_address: { address: endpoint.address, port_value: endpoint.port } } };
    case 'unix':
      return { address: { pipe: { path: endpoint.path } } };
  }
}

function tlsMatch(ref: BackendRefModel, index: number, options: BootstrapOptions): Json {
  return { name: `tls-${index}`, match: { [TLS_MATCH_KEY]: String(index) }, transport_socket: tlsTransportSocket(ref.tls?.sni ?? '', options) };
}

/** TLS to an upstream with the system trust store; the certificate must name `sni`. */
function tlsTransportSocket(sni: string, options: BootstrapOptions): Json {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': type('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext'),
      ...(sni ? { sni } : {}),
      common_tls_context: {
        validation_context: {
          trusted_ca: { filename: options.systemCaFile },
          // Envoy checks only the chain unless a SAN matcher is set.
          ...(sni ? { match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: sni } }] } : {}),
        },
      },
    },
  };
}

function accessLoggers(setting: AccessLogModel): Json[] {
  const filter: Json | undefined =
    setting.matches.length > 0
      ? {
          extension_filter: {
            name: 'envoy.access_loggers.extension_filters.cel',
            typed_config: {
              '@type': type('envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter'),
              expression: setting.matches.map((match) => `(${match})`).join(' && '),
            },
          },
        }
      : undefined;
  const withFilter = (logger: { name: string; typed_config: Json }): Json => ({ name: logger.name, ...(filter ? { filter } : {}), typed_config: logger.typed_config });
  return setting.sinks.map((sink) => withFilter(sink.kind === 'file' ? fileLogger(sink.path, setting.format) : openTelemetryLogger(sink, setting.format)));
}

/** A file (or stdout/stderr) sink: JSON when the format says so (or only gives JSON fields), else text. */
function fileLogger(path: string, format: AccessLogModel['format']): { name: string; typed_config: Json } {
  const json = format.type === 'JSON' || (format.type === undefined && format.json !== undefined && format.text === undefined);
  const text = format.text ?? DEFAULT_TEXT_FORMAT;
  const logFormat: Json = json ? { json_format: format.json ?? {} } : { text_format_source: { inline_string: text.endsWith('\n') ? text : `${text}\n` } };
  // Envoy's stdout may be a socket (a piped child process), which /dev/stdout cannot open:
  // write to the process streams directly instead.
  const stream = STREAM_LOGGERS[path];
  return stream
    ? { name: stream.name, typed_config: { '@type': type(stream.type), log_format: logFormat } }
    : { name: 'envoy.access_loggers.file', typed_config: { '@type': type('envoy.extensions.access_loggers.file.v3.FileAccessLog'), path, log_format: logFormat } };
}

/** An OpenTelemetry sink: the text format is the log body, the JSON fields its attributes (OTLP/gRPC). */
function openTelemetryLogger(
  sink: Extract<AccessLogModel['sinks'][number], { kind: 'openTelemetry' }>,
  format: AccessLogModel['format'],
): { name: string; typed_config: Json } {
  const keyValues = (values: Record<string, string>): Json => ({ values: Object.entries(values).map(([key, value]) => ({ key, value: { string_value: value } })) });
  return {
    name: 'envoy.access_loggers.open_telemetry',
    typed_config: {
      '@type': type('envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig'),
      common_config: {
        log_name: 'aigw',
        transport_api_version: 'V3',
        grpc_service: {
          envoy_grpc: { cluster_name: sink.cluster, authority: sink.authority },
          ...(sink.headers.length > 0 ? { initial_metadata: sink.headers.map((header) => ({ key: header.name.toLowerCase(), value: header.value })) } : {}),
        },
      },
      body: { string_value: format.text ?? DEFAULT_TEXT_FORMAT },
      ...(format.json ? { attributes: keyValues(format.json) } : {}),
      ...(Object.keys(sink.resources).length > 0 ? { resource_attributes: keyValues(sink.resources) } : {}),
    },
  };
}

/** The OTLP collector of OpenTelemetry access log sinks, spoken to over gRPC (HTTP/2). */
function telemetryCluster(cluster: TelemetryCluster, options: BootstrapOptions): Json {
  const needsDns = cluster.endpoints.some((endpoint) => endpoint.kind === 'fqdn');
  return {
    name: cluster.name,
    ...(needsDns ? { type: 'STRICT_DNS', dns_lookup_family: 'V4_PREFERRED' } : { type: 'STATIC' }),
    connect_timeout: '10s',
    load_assignment: { cluster_name: cluster.name, endpoints: [{ lb_endpoints: cluster.endpoints.map((endpoint) => ({ endpoint: endpointAddress(endpoint) })) }] },
    ...(cluster.tls ? { transport_socket: tlsTransportSocket(cluster.tls.sni, options) } : {}),
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': type('envoy.extensions.upstreams.http.v3.HttpProtocolOptions'),
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
  };
}

const STREAM_LOGGERS: Record<string, { name: string; type: string } | undefined> = {
  '/dev/stdout': { name: 'envoy.access_loggers.stdout', type: 'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog' },
  '/dev/stderr': { name: 'envoy.access_loggers.stderr', type: 'envoy.extensions.access_loggers.stream.v3.StderrAccessLog' },
};

/** Clusters are shared by listeners: they buffer as much as the most generous listener. */
function upstreamBufferLimit(model: GatewayModel): number {
  return Math.max(...model.listeners.map((listener) => listener.bufferLimitBytes));
}
