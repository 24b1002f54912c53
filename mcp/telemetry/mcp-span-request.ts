import { type Exchange, LATEST_PROTOCOL_VERSION, PROTOCOL_VERSIONS } from '../proxy/mcp-exchange.js';
import type { JsonRpcNotification, JsonRpcRequest } from '../proxy/mcp-jsonrpc.js';
import type { McpSpanRequest } from './mcp-span-vocabulary.js';

/** What the span of a POSTed request or notification starts from. */
export function spanRequest(exchange: Exchange, message: JsonRpcRequest | JsonRpcNotification): McpSpanRequest {
  const clientVersion = exchange.httpRequest.headers['mcp-protocol-version'];
  // initialize speaks the version it is about to answer with (see handleInitialize), not the
  // header's: the client has no version yet.
  const protocolVersion =
    message.method === 'initialize' ? (PROTOCOL_VERSIONS.find((version) => version === message.params?.protocolVersion) ?? LATEST_PROTOCOL_VERSION) : exchange.protocolVersion;
  return {
    method: message.method,
    ...(message.kind === 'request' ? { id: message.id } : {}),
    ...(message.params ? { params: message.params } : {}),
    protocolVersion,
    ...(clientVersion ? { clientProtocolVersion: clientVersion } : {}),
  };
}
