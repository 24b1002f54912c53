import { isRecord } from '../../common/json-guards.js';
import type { Exchange } from '../proxy/mcp-exchange.js';
import type { JsonRpcMessage } from '../proxy/mcp-jsonrpc.js';

/**
 * The message with the request span's trace context in `params._meta` (`traceparent`,
 * `tracestate`, `baggage`), where MCP servers and SDKs read it, as upstream injects it. Replaces
 * the client's own values: the backend's parent is the gateway's span. Responses carry no params
 * and go unchanged; so does everything when tracing is off.
 */
export function withTraceMeta(exchange: Exchange, message: JsonRpcMessage): JsonRpcMessage {
  const inject = exchange.trace?.inject;
  if (!inject || inject.length === 0 || message.kind === 'response') return message;
  const params = message.params ?? {};
  const meta = isRecord(params._meta) ? params._meta : {};
  return { ...message, params: { ...params, _meta: { ...meta, ...Object.fromEntries(inject) } } };
}
