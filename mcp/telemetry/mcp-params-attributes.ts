import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import type { SpanAttributes } from '../../extproc/telemetry/tracing/span-attributes.js';

/**
 * Span attributes both conventions take from a request's params: the client of initialize, the
 * logging level, the resource URI (as the client wrote it, backend prefix included), progress
 * notifications and completion arguments. Only values present are recorded.
 */
export function mcpParamsAttributes(method: string, params: JsonRecord | undefined): SpanAttributes {
  if (!params) return [];
  const attributes: SpanAttributes = [];
  const text = (key: string, value: unknown): void => {
    if (typeof value === 'string' && value !== '') attributes.push([key, value]);
  };
  switch (method) {
    case 'initialize':
      if (isRecord(params.clientInfo)) {
        text('mcp.client.name', params.clientInfo.name);
        text('mcp.client.title', params.clientInfo.title);
        text('mcp.client.version', params.clientInfo.version);
      }
      break;
    case 'logging/setLevel':
      text('mcp.logging.level', params.level);
      break;
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      text('mcp.resource.uri', params.uri);
      break;
    case 'notifications/progress':
      if (typeof params.progress === 'number' && Number.isFinite(params.progress) && params.progress !== 0) attributes.push(['mcp.notifications.progress', params.progress]);
      if (typeof params.progressToken === 'string' || typeof params.progressToken === 'number') attributes.push(['mcp.notifications.progress.token', String(params.progressToken)]);
      text('mcp.notifications.progress.message', params.message);
      break;
    case 'completion/complete':
      if (isRecord(params.argument)) {
        text('mcp.complete.argument.name', params.argument.name);
        text('mcp.complete.argument.value', params.argument.value);
      }
      break;
    default:
      break;
  }
  return attributes;
}

/** `params.name` of tools/call and prompts/get, when a string. */
export function targetName(params: JsonRecord | undefined): string | undefined {
  return typeof params?.name === 'string' && params.name !== '' ? params.name : undefined;
}
