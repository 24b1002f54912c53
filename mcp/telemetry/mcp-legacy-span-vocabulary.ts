import type { SpanAttributes } from '../../extproc/telemetry/tracing/span-attributes.js';
import { mcpParamsAttributes, targetName } from './mcp-params-attributes.js';
import type { McpSpanVocabulary } from './mcp-span-vocabulary.js';

/**
 * The gateway's own MCP span vocabulary, upstream's default (AI_GATEWAY_TRACING_SEMCONV unset or
 * `openinference`): span names after the method (`CallTool`, `ListTools`, …), `mcp.*` attributes,
 * and a `route to backend` event per backend reached. Upstream keeps it frozen for the dashboards
 * built on it, so the signals of the OpenTelemetry vocabulary (client session, list sizes,
 * timeline events, tool results, error attributes) are not recorded here.
 */
export const legacyMcpSpanVocabulary: McpSpanVocabulary = {
  spanName: (request) => LEGACY_SPAN_NAMES[request.method] ?? request.method,

  requestAttributes(request) {
    const attributes: SpanAttributes = [
      ['mcp.protocol.version', request.protocolVersion],
      ['mcp.transport', 'http'],
      ...(request.id !== undefined ? ([['mcp.request.id', String(request.id)]] as const) : []),
      ['mcp.method.name', request.method],
    ];
    const name = targetName(request.params);
    if (name !== undefined && request.method === 'tools/call') attributes.push(['mcp.tool.name', name]);
    if (name !== undefined && request.method === 'prompts/get') attributes.push(['mcp.prompt.name', name]);
    return [...attributes, ...mcpParamsAttributes(request.method, request.params)];
  },

  routeToBackend: (route) => ({
    attributes: [],
    event: {
      name: 'route to backend',
      attributes: [
        ['mcp.backend.name', route.backend],
        ['mcp.session.id', route.sessionId],
        ['mcp.session.new', route.isNew],
      ],
    },
  }),

  clientSession: () => [],
  event: () => undefined,
  listResult: () => [],
  toolCallResult: () => [],
  errorAttributes: () => [],
};

/** Upstream's names (after the Go MCP SDK's); other methods are named as themselves. */
const LEGACY_SPAN_NAMES: Readonly<Record<string, string>> = {
  initialize: 'Initialize',
  'tools/list': 'ListTools',
  'tools/call': 'CallTool',
  'prompts/list': 'ListPrompts',
  'prompts/get': 'GetPrompt',
  'resources/list': 'ListResources',
  'resources/read': 'ReadResource',
  'resources/subscribe': 'Subscribe',
  'resources/unsubscribe': 'Unsubscribe',
  'resources/templates/list': 'ListResourceTemplates',
  'logging/setLevel': 'SetLoggingLevel',
  'completion/complete': 'Complete',
  ping: 'Ping',
};
