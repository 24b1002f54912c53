import { isRecord } from '../../common/json-guards.js';
import type { SpanAttributes } from '../../extproc/telemetry/tracing/span-attributes.js';
import { mcpParamsAttributes, targetName } from './mcp-params-attributes.js';
import type { McpSpanOutcome, McpSpanVocabulary } from './mcp-span-vocabulary.js';

/**
 * The OpenTelemetry MCP semantic conventions (AI_GATEWAY_TRACING_SEMCONV=gen_ai), as upstream
 * records them: the span is named after the method (`tools/call <tool>`, `prompts/get <prompt>`;
 * resource URIs stay out of names to bound their cardinality), `jsonrpc.request.id`,
 * `gen_ai.operation.name=execute_tool`, list sizes, the client-facing `mcp.session.id`, and
 * `error.type` / `rpc.response.status_code`. Tool arguments and results, and prompt arguments,
 * are message content: recorded only with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true.
 *
 * Only what the gateway observes is recorded: `mcp.protocol.version` is the version the client
 * declares (initialize params or its `mcp-protocol-version` header), and `server.*` / `network.*`
 * describe the gateway's own hop to the backend (HTTP/1.1 over TCP, the backend URL's host and
 * port), set once a request reaches a backend, the server only when one backend serves it.
 */
export function genAiMcpSpanVocabulary(captureContent: boolean): McpSpanVocabulary {
  return {
    spanName(request) {
      const name = targetName(request.params);
      return name !== undefined && (request.method === 'tools/call' || request.method === 'prompts/get') ? `${request.method} ${name}` : request.method;
    },

    requestAttributes(request) {
      const attributes: SpanAttributes = [['mcp.method.name', request.method]];
      // jsonrpc.request.id is for requests only: notifications have none.
      if (request.id !== undefined) attributes.push(['jsonrpc.request.id', String(request.id)]);
      const declared = request.method === 'initialize' ? request.params?.protocolVersion : request.clientProtocolVersion;
      if (typeof declared === 'string' && declared !== '') attributes.push(['mcp.protocol.version', declared]);
      const params = request.params;
      const name = targetName(params);
      if (request.method === 'tools/call') {
        attributes.push(['gen_ai.operation.name', 'execute_tool']);
        if (name !== undefined) attributes.push(['gen_ai.tool.name', name]);
        if (captureContent && params?.arguments !== undefined) attributes.push(['gen_ai.tool.call.arguments', JSON.stringify(params.arguments)]);
      }
      if (request.method === 'prompts/get') {
        if (name !== undefined) attributes.push(['gen_ai.prompt.name', name]);
        if (captureContent && isRecord(params?.arguments)) {
          for (const key of Object.keys(params.arguments).sort()) {
            const value = params.arguments[key];
            if (typeof value === 'string') attributes.push([`gen_ai.prompt.variable.${key}`, value]);
          }
        }
      }
      return [...attributes, ...mcpParamsAttributes(request.method, params)];
    },

    routeToBackend(route) {
      const attributes: SpanAttributes = [
        ['network.transport', 'tcp'],
        ['network.protocol.name', 'http'],
        ['network.protocol.version', '1.1'],
      ];
      if (route.exclusive) attributes.push(...serverAttributes(route.url));
      return {
        attributes,
        // The backend's session stays on the event: a fan-out reaches several, each with its own.
        event: {
          name: 'route to backend',
          attributes: [
            ['mcp.backend.name', route.backend],
            ['mcp.session.id', route.sessionId],
            ['mcp.session.new', route.isNew],
          ],
        },
      };
    },

    clientSession: (token) => (token === '' ? [] : [['mcp.session.id', token]]),
    event: (name) => ({ name, attributes: [] }),

    listResult(method, count) {
      const key = LIST_COUNT_ATTRIBUTES[method];
      return key === undefined ? [] : [[key, count]];
    },

    toolCallResult: (result) => (captureContent && result !== undefined ? [['gen_ai.tool.call.result', JSON.stringify(result)]] : []),

    errorAttributes: (outcome) => errorAttributes(outcome),
  };
}

/** `error.type`: the JSON-RPC code the client got, `tool_error` for a tool's isError, else the gateway's failure class. */
function errorAttributes(outcome: McpSpanOutcome): SpanAttributes {
  if (outcome.jsonRpcErrorCode !== undefined) {
    const code = String(outcome.jsonRpcErrorCode);
    return [
      ['error.type', code],
      ['rpc.response.status_code', code],
    ];
  }
  if (outcome.status === 'failed') return [['error.type', 'tool_error']];
  return [['error.type', outcome.errorType ?? 'internal_error']];
}

function serverAttributes(url: string): SpanAttributes {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const address = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
  return [
    ['server.address', address],
    ['server.port', port],
  ];
}

const LIST_COUNT_ATTRIBUTES: Readonly<Record<string, string>> = {
  'tools/list': 'mcp.tools.count',
  'prompts/list': 'mcp.prompts.count',
  'resources/list': 'mcp.resources.count',
  'resources/templates/list': 'mcp.resource_templates.count',
};
