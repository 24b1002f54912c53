import { isRecord, optionalNumber } from '../../common/json-guards.js';
import type { TokenUsage } from '../usage/token-usage.js';
import { passThrough } from './openai-to-openai.js';
import type { Translator, TranslatorContext } from './translator.js';

/**
 * Cohere `/cohere/v2/rerank` to a Cohere backend: the same API at `/{version}/rerank` (schema
 * version, default v2). Usage is `meta.tokens.input_tokens` (absent for some models: unknown).
 * @see https://docs.cohere.com/reference/rerank
 */
export function cohereToCohere(context: TranslatorContext): Translator {
  const version = (context.backend.schema.version ?? 'v2').replace(/^\/+|\/+$/g, '');
  return passThrough(context, {
    path: `/${version}/rerank`,
    writeOverrideToBody: true,
    readUsage: readRerankUsage,
    wrapError: (_status, body) => Buffer.from(JSON.stringify({ message: body.toString('utf8') })),
  });
}

function readRerankUsage(parsed: Record<string, unknown>): TokenUsage | undefined {
  const meta = parsed.meta;
  if (!isRecord(meta) || !isRecord(meta.tokens)) return undefined;
  const input = optionalNumber(meta.tokens.input_tokens);
  return input === undefined ? undefined : { inputTokens: input, totalTokens: input };
}
