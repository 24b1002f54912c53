import { isRecord, type JsonRecord } from '../../common/json-guards.js';

/**
 * JSON-RPC 2.0 messages as the MCP proxy sees them. Parsed with guards at the boundary (client
 * bodies, backend replies) into a tagged union, and written back with `toWire`. MCP sends one
 * message per POST (batches were removed in 2025-06-18), and `params` is always an object.
 */
export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  kind: 'request';
  id: JsonRpcId;
  method: string;
  params?: JsonRecord;
}

export interface JsonRpcNotification {
  kind: 'notification';
  method: string;
  params?: JsonRecord;
}

export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcResponse {
  kind: 'response';
  /** null only for errors about a request whose id could not be read. */
  id: JsonRpcId | null;
  result?: unknown;
  error?: JsonRpcError;
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/** The reason a value is not a JSON-RPC message, or the message. */
export type ParsedMessage = { message: JsonRpcMessage } | { problem: string };

/** Parses one JSON-RPC message from already-decoded JSON. */
export function toJsonRpcMessage(value: unknown): ParsedMessage {
  if (!isRecord(value)) return { problem: Array.isArray(value) ? 'batches are not supported' : 'not a JSON object' };
  if (value.jsonrpc !== '2.0') return { problem: 'jsonrpc must be "2.0"' };
  const { id, method, params } = value;
  if (id !== undefined && !isId(id) && !(id === null && method === undefined)) return { problem: 'id must be a string or a number' };
  if (params !== undefined && !isRecord(params)) return { problem: 'params must be an object' };
  if (typeof method === 'string') {
    if (id === undefined) return { message: { kind: 'notification', method, ...(params ? { params } : {}) } };
    if (!isId(id)) return { problem: 'id must be a string or a number' };
    return { message: { kind: 'request', id, method, ...(params ? { params } : {}) } };
  }
  if (method !== undefined) return { problem: 'method must be a string' };
  if (id === undefined) return { problem: 'a response needs an id' };
  const responseId = isId(id) ? id : null;
  if ('error' in value) {
    const error = value.error;
    if (!isRecord(error) || typeof error.code !== 'number' || typeof error.message !== 'string') return { problem: 'error must have a code and a message' };
    return { message: { kind: 'response', id: responseId, error: { code: error.code, message: error.message, ...('data' in error ? { data: error.data } : {}) } } };
  }
  if (!('result' in value)) return { problem: 'a response needs a result or an error' };
  return { message: { kind: 'response', id: responseId, result: value.result } };
}

/** Parses one JSON-RPC message from text. */
export function parseJsonRpcMessage(text: string): ParsedMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
  return toJsonRpcMessage(value);
}

/**
 * Parses a backend payload: one message, or (from servers still speaking 2025-03-26) a batch.
 * Elements that are not messages are skipped: one bad message must not hide the others.
 */
export function parseJsonRpcMessages(text: string): JsonRpcMessage[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  const items = Array.isArray(value) ? value : [value];
  const messages: JsonRpcMessage[] = [];
  for (const item of items) {
    const parsed = toJsonRpcMessage(item);
    if ('message' in parsed) messages.push(parsed.message);
  }
  return messages;
}

/** The wire form of a message. */
export function toWire(message: JsonRpcMessage): JsonRecord {
  switch (message.kind) {
    case 'request':
      return { jsonrpc: '2.0', id: message.id, method: message.method, ...(message.params ? { params: message.params } : {}) };
    case 'notification':
      return { jsonrpc: '2.0', method: message.method, ...(message.params ? { params: message.params } : {}) };
    case 'response':
      return message.error ? { jsonrpc: '2.0', id: message.id, error: message.error } : { jsonrpc: '2.0', id: message.id, result: message.result ?? {} };
  }
}

export function serialize(message: JsonRpcMessage): string {
  return JSON.stringify(toWire(message));
}

export function isId(value: unknown): value is JsonRpcId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

