import { isRecord } from '../../common/json-guards.js';

/**
 * A string field of a message's `params._meta`, its name matched case-insensitively (as upstream
 * reads span attributes from `_meta`): MCP clients carry request context such as
 * `agent-session-id` or `traceparent` there, where HTTP headers are per connection rather than
 * per message.
 */
export function metaValue(meta: unknown, name: string): string | undefined {
  if (!isRecord(meta)) return undefined;
  const exact = meta[name];
  if (typeof exact === 'string') return exact;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(meta)) {
    if (key.toLowerCase() === lower && typeof value === 'string') return value;
  }
  return undefined;
}
