import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import type { JsonRpcMessage } from './mcp-jsonrpc.js';
import { namespaceUri } from './mcp-names.js';
import { encodeRoutedId } from './mcp-routed-id.js';

/**
 * Rewrites of backend → client traffic that make names and ids carry their backend. None of
 * them mutates its input: values come from JSON.parse and are rebuilt where they change.
 */

/**
 * A message a backend sends besides the response to the forwarded request. Every server→client
 * request gets a routed id (and routed `_meta.progressToken`), so the client's answer finds its
 * way back; upstream only did this for roots/list, sampling and elicitation, which left server
 * pings unanswerable. `notifications/resources/updated` gets its URI namespaced.
 */
export function rewriteServerMessage(message: JsonRpcMessage, backend: string): JsonRpcMessage {
  if (message.kind === 'request') {
    const params = message.params && isRecord(message.params._meta) && isRoutable(message.params._meta.progressToken)
      ? { ...message.params, _meta: { ...message.params._meta, progressToken: encodeRoutedId(message.params._meta.progressToken, backend) } }
      : message.params;
    return { ...message, id: encodeRoutedId(message.id, backend), ...(params ? { params } : {}) };
  }
  if (message.kind === 'notification' && message.method === 'notifications/resources/updated' && typeof message.params?.uri === 'string') {
    return { ...message, params: { ...message.params, uri: namespaceUri(backend, message.params.uri) } };
  }
  return message;
}

function isRoutable(token: unknown): token is string | number {
  return typeof token === 'string' || (typeof token === 'number' && Number.isFinite(token));
}

/** Namespaces the resource URIs in the result of a forwarded request. */
export function namespaceResult(method: string, result: unknown, backend: string): unknown {
  if (!isRecord(result)) return result;
  switch (method) {
    case 'tools/call':
      return withMeta(mapList(result, 'content', (item) => namespaceContent(item, backend)), backend);
    case 'resources/read':
      return mapList(result, 'contents', (item) => namespaceField(item, 'uri', backend));
    case 'prompts/get':
      return mapList(result, 'messages', (message) => (isRecord(message) ? { ...message, content: namespaceContent(message.content, backend) } : message));
    default:
      return result;
  }
}

/** `record` with each element of its array `field` mapped (unchanged when it is not an array). */
function mapList(record: JsonRecord, field: string, map: (item: unknown) => unknown): JsonRecord {
  const list: unknown = record[field];
  if (!Array.isArray(list)) return record;
  const items: unknown[] = list;
  return { ...record, [field]: items.map(map) };
}

/** A ResourceLink or EmbeddedResource content block with its URI namespaced; others unchanged. */
export function namespaceContent(item: unknown, backend: string): unknown {
  if (!isRecord(item)) return item;
  if (item.type === 'resource_link') return namespaceField(item, 'uri', backend);
  if (item.type === 'resource' && isRecord(item.resource)) return { ...item, resource: namespaceField(item.resource, 'uri', backend) };
  return item;
}

/** `_meta.ui.resourceUri` and `_meta["ui/resourceUri"]` (MCP Apps) namespaced, when present. */
export function withMeta<T extends JsonRecord>(value: T, backend: string): T {
  const meta = value._meta;
  if (!isRecord(meta)) return value;
  let changed: JsonRecord = meta;
  if (isRecord(meta.ui) && typeof meta.ui.resourceUri === 'string') changed = { ...changed, ui: namespaceField(meta.ui, 'resourceUri', backend) };
  if (typeof meta['ui/resourceUri'] === 'string') changed = { ...changed, 'ui/resourceUri': namespaceUri(backend, meta['ui/resourceUri']) };
  return changed === meta ? value : { ...value, _meta: changed };
}

export function namespaceField(item: unknown, field: string, backend: string): unknown {
  if (!isRecord(item)) return item;
  const value = item[field];
  return typeof value === 'string' && value !== '' ? { ...item, [field]: namespaceUri(backend, value) } : item;
}
