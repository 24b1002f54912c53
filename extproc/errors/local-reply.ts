import type { ClientAPI } from '../request/endpoints.js';
import { gatewayErrorBody } from './error-body.js';
import { LOCAL_REPLY_KINDS } from '../../contract/filter-config.js';
import { GatewayError } from './gateway-error.js';
import { isRecord } from '../../common/json-guards.js';

/**
 * The message of Envoy's own reply for an upstream failure (connect failure, reset, timeout) or
 * a rate limit (the bootstrap's local_reply_config writes them in OpenAI's shape), or undefined
 * for any other body, e.g. a provider's error.
 */
export function localReplyMessage(body: Buffer): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || !isRecord(parsed.error)) return undefined;
  const { code, message } = parsed.error;
  if (typeof message !== 'string') return undefined;
  return LOCAL_REPLY_KINDS.some((kind) => kind.code === code && message.startsWith(kind.prefix)) ? message : undefined;
}

/**
 * What the client gets for Envoy's upstream-failure reply: undefined when `body` is not one;
 * `{}` (forward it) for OpenAI clients, who already have their API's shape; else the reply
 * rewritten into the client API's error shape (Anthropic's for `/anthropic/…`), same status.
 * It never reaches a translator: it is not the provider's answer.
 */
export function localReplyForClient(status: number, body: Buffer, clientAPI: ClientAPI): { body?: Buffer; contentType?: string } | undefined {
  const message = localReplyMessage(body);
  if (message === undefined) return undefined;
  if (clientAPI === 'openai') return {};
  return { body: Buffer.from(gatewayErrorBody(new GatewayError('UPSTREAM_FAILURE', status, message), clientAPI)), contentType: 'application/json' };
}

/**
 * `retry-after` for a 429 that says when its window resets (`x-ratelimit-reset`, seconds) but not
 * when to retry: Envoy's local rate limit adds its `x-ratelimit-*` headers after the local reply
 * was mapped, so the mapper could not copy the reset into `retry-after` as it does for the global
 * one. Undefined for anything else (a provider's 429 keeps what the provider sent).
 */
export function rateLimitRetryAfter(status: number, headers: { readonly 'retry-after'?: string | undefined; readonly 'x-ratelimit-reset'?: string | undefined }): string | undefined {
  if (status !== 429 || headers['retry-after'] !== undefined) return undefined;
  const reset = headers['x-ratelimit-reset'];
  return reset !== undefined && /^\d{1,10}$/.test(reset) ? reset : undefined;
}
