import { Counter, Histogram, type Registry } from 'prom-client';
import { BoundedLabel } from '../../extproc/telemetry/metrics/bounded-label.js';
import type { LabelLimits } from '../../extproc/telemetry/metrics/label-limits.js';

/**
 * MCP proxy metrics, in two families:
 *
 * - upstream's (names as the OTel Prometheus exporter renders them upstream, so dashboards built
 *   for Envoy AI Gateway work): `mcp_request_duration` (seconds, no unit suffix as upstream),
 *   `mcp_method_count_total{mcp_method_name,status,mcp_backend}` (status success | failed (a tool
 *   result with isError) | error), `mcp_initialization_duration{mcp_backend}`,
 *   `mcp_capabilities_negotiated_total{capability_type,capability_side}`,
 *   `mcp_progress_notifications_total`;
 * - the OpenTelemetry semantic conventions for MCP (`mcp.server.operation.duration`, unit s):
 *   `mcp_server_operation_duration_seconds{mcp_method_name,mcp_backend,gen_ai_tool_name,
 *   gen_ai_operation_name,error_type,rpc_response_status_code,mcp_protocol_version}`. Tool calls
 *   per tool and outcome are its `_count` with `mcp_method_name="tools/call"`; a result with
 *   isError has `error_type="tool_error"` as the conventions say.
 *
 * Every series carries `otel_scope_name="envoyproxy/ai-gateway"` like the GenAI metrics.
 * Labels a client names (method, tool, capability type) are bounded (BoundedLabel): the MCP
 * specification's names always, others up to the cap, then `_OTHER`.
 */
export class McpMetrics {
  private readonly requestDuration: Histogram;
  private readonly methodCount: Counter;
  private readonly initializationDuration: Histogram;
  private readonly capabilitiesNegotiated: Counter;
  private readonly progressNotifications: Counter;
  private readonly operationDuration: Histogram;
  private readonly methods: BoundedLabel;
  /** Any tools/call names one, before the backend's tool selector has looked at it. */
  private readonly tools: BoundedLabel;
  private readonly capabilityTypes: BoundedLabel;

  constructor(registry: Registry, labelLimits: LabelLimits) {
    this.methods = new BoundedLabel(SPEC_METHODS, labelLimits);
    this.tools = new BoundedLabel([''], labelLimits);
    this.capabilityTypes = new BoundedLabel(SPEC_CAPABILITIES, labelLimits);
    this.requestDuration = histogram(registry, 'mcp_request_duration', 'Duration of MCP requests', ['otel_scope_name', 'mcp_backend', 'error_type'], UPSTREAM_BUCKETS);
    this.methodCount = counter(registry, 'mcp_method_count_total', 'Total number of MCP methods invoked', ['otel_scope_name', 'mcp_method_name', 'status', 'mcp_backend']);
    this.initializationDuration = histogram(registry, 'mcp_initialization_duration', 'Duration of MCP initialization', ['otel_scope_name', 'mcp_backend'], UPSTREAM_BUCKETS);
    this.capabilitiesNegotiated = counter(registry, 'mcp_capabilities_negotiated_total', 'Total number of MCP capabilities negotiated', ['otel_scope_name', 'capability_type', 'capability_side']);
    this.progressNotifications = counter(registry, 'mcp_progress_notifications_total', 'Total number of MCP progress notifications sent', ['otel_scope_name']);
    this.operationDuration = histogram(
      registry,
      'mcp_server_operation_duration_seconds',
      'MCP request or notification duration as observed on the receiver from the time it was received until the result or ack is sent.',
      ['otel_scope_name', 'mcp_method_name', 'mcp_backend', 'gen_ai_tool_name', 'gen_ai_operation_name', 'error_type', 'rpc_response_status_code', 'mcp_protocol_version'],
      SEMCONV_BUCKETS,
    );
  }

  /** Records one POSTed message once its answer is complete. */
  recordRequest(outcome: McpRequestOutcome): void {
    const scope = { otel_scope_name: SCOPE };
    const backend = outcome.backend ?? '';
    const errorType = outcome.status === 'success' ? '' : outcome.errorType ?? (outcome.status === 'failed' ? 'tool_error' : 'internal_error');
    this.requestDuration.labels({ ...scope, mcp_backend: backend, error_type: outcome.status === 'error' ? errorType : '' }).observe(outcome.durationSeconds);
    // Upstream counts methods only (client responses to server requests have none).
    const method = this.methods.value(outcome.method || RESPONSE_METHOD);
    if (outcome.method) this.methodCount.labels({ ...scope, mcp_method_name: method, status: outcome.status, mcp_backend: backend }).inc();
    this.operationDuration
      .labels({
        ...scope,
        mcp_method_name: method,
        mcp_backend: backend,
        gen_ai_tool_name: this.tools.value(outcome.tool ?? ''),
        gen_ai_operation_name: outcome.method === 'tools/call' ? 'execute_tool' : '',
        error_type: errorType,
        rpc_response_status_code: outcome.jsonRpcErrorCode === undefined ? '' : String(outcome.jsonRpcErrorCode),
        mcp_protocol_version: outcome.protocolVersion,
      })
      .observe(outcome.durationSeconds);
  }

  recordInitialization(backend: string, durationSeconds: number): void {
    this.initializationDuration.labels({ otel_scope_name: SCOPE, mcp_backend: backend }).observe(durationSeconds);
  }

  /** One count per capability type a side announced at initialize. */
  recordCapabilities(side: 'client' | 'server', capabilities: unknown): void {
    if (typeof capabilities !== 'object' || capabilities === null) return;
    for (const [type, value] of Object.entries(capabilities)) {
      if (value === undefined || value === null || value === false) continue;
      this.capabilitiesNegotiated.labels({ otel_scope_name: SCOPE, capability_type: this.capabilityTypes.value(type), capability_side: side }).inc();
    }
  }

  recordProgress(): void {
    this.progressNotifications.labels({ otel_scope_name: SCOPE }).inc();
  }
}

export interface McpRequestOutcome {
  /** JSON-RPC method; '' for a client response to a server request. */
  method: string;
  backend?: string;
  /** The backend's own tool name, for tools/call. */
  tool?: string;
  status: 'success' | 'failed' | 'error';
  /** Upstream's error types: invalid_json_rpc, invalid_param, invalid_session_id, unsupported_method, internal_error, … */
  errorType?: string;
  jsonRpcErrorCode?: number;
  protocolVersion: string;
  durationSeconds: number;
}

const SCOPE = 'envoyproxy/ai-gateway';
/** The method label of a client's response to a server request (it has no method). */
const RESPONSE_METHOD = '_response';

/** Every method of the MCP specification (2025-06-18), requests and notifications of both sides. */
const SPEC_METHODS = [
  RESPONSE_METHOD,
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'completion/complete',
  'logging/setLevel',
  'sampling/createMessage',
  'elicitation/create',
  'roots/list',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/message',
  'notifications/roots/list_changed',
  'notifications/resources/updated',
  'notifications/resources/list_changed',
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
];

/** The capability types of the MCP specification (client and server). */
const SPEC_CAPABILITIES = ['experimental', 'roots', 'sampling', 'elicitation', 'logging', 'completions', 'prompts', 'resources', 'tools'];
const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Boundaries the MCP semantic conventions advise for operation durations. */
const SEMCONV_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

// A registry may already hold these (a proxy restarted in the same process): reuse them.
function histogram(registry: Registry, name: string, help: string, labelNames: string[], buckets: number[]): Histogram {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Histogram) return existing;
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing;
  return new Counter({ name, help, labelNames, registers: [registry] });
}
