// SPDX-License-Identifier: Apache-2.0
//
// Relaying one JSON-RPC request across the stdio2http bridge, in either direction, with the
// SDK's Protocol doing id mapping, cancellation and timeouts on each side.
import type { Protocol, RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ErrorCode, McpError, ResultSchema, type JSONRPCRequest, type Notification, type Request, type Result } from '@modelcontextprotocol/sdk/types.js';
import { isRecord } from '../../common/json-guards.js';

/**
 * A JSON-RPC error to send as is: code, message and data of the other side's error. Not an
 * AigwError on purpose: the MCP SDK answers a thrown error with its numeric `code`, which
 * AigwError's string `code` would replace.
 */
export class RelayedError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RelayedError';
  }
}

export interface ForwardOptions {
  /** Without any progress notification for this long, the request fails (reset by progress). */
  timeoutMs: number;
  /** Where the response is meant to go, for the transport (Streamable HTTP: that request's stream). */
  relatedRequestId?: string | number;
}

type AnyProtocol = Protocol<Request, Notification, Result>;
type AnyExtra = RequestHandlerExtra<Request, Notification>;

/**
 * Sends `request` (received with `extra` on one side) through `target` (the other side) and
 * returns its result untouched. Cancelling the incoming request cancels the outgoing one; the
 * caller's progress token is kept: the SDK puts its own token on the outgoing request, and each
 * progress notification is sent back under the caller's token, on the caller's request stream.
 */
export async function forwardRequest(target: AnyProtocol, request: JSONRPCRequest, extra: AnyExtra, options: ForwardOptions): Promise<Result> {
  const progressToken = isRecord(request.params?._meta) ? request.params._meta.progressToken : undefined;
  const onprogress =
    typeof progressToken === 'string' || typeof progressToken === 'number'
      ? (progress: { progress: number; total?: number; message?: string }): void =>
          void extra.sendNotification({ method: 'notifications/progress', params: { ...progress, progressToken } }).catch(() => undefined)
      : undefined;
  try {
    return await target.request({ method: request.method, ...(request.params ? { params: request.params } : {}) }, ResultSchema, {
      signal: extra.signal,
      timeout: options.timeoutMs,
      resetTimeoutOnProgress: true,
      ...(onprogress ? { onprogress } : {}),
      ...(options.relatedRequestId !== undefined ? { relatedRequestId: options.relatedRequestId } : {}),
    });
  } catch (error) {
    throw toRelayedError(error);
  }
}

/**
 * The SDK rejects with McpError, whose message is prefixed `MCP error <code>: `; the client at
 * the other end must see the server's own message, not one prefix per hop.
 */
export function toRelayedError(error: unknown): RelayedError {
  if (error instanceof RelayedError) return error;
  if (error instanceof McpError) {
    const prefix = `MCP error ${error.code}: `;
    return new RelayedError(error.code, error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message, error.data);
  }
  return new RelayedError(ErrorCode.InternalError, error instanceof Error ? error.message : String(error));
}
