import { isRecord, optionalNumber, type JsonRecord } from '../../common/json-guards.js';
import { readInputTokenCount } from '../usage/read-input-token-count.js';
import { awsCountTokensPath, BEDROCK_ANTHROPIC_VERSION, nativeAnthropicBody, VERTEX_ANTHROPIC_VERSION, vertexCountTokensModel } from './anthropic-backend-request.js';
import { anthropicPassThrough } from './anthropic-pass-through.js';
import { editClientBody, editedRequest } from './edited-request.js';
import { anthropicErrorFromProvider } from './provider-error.js';
import type { Translator, TranslatorContext } from './translator.js';

/**
 * `/anthropic/v1/messages/count_tokens` to the providers that count Claude tokens. The count is
 * reported as the request's input tokens, as the gateway reports any other Anthropic call.
 * @see https://docs.anthropic.com/en/api/messages-count-tokens
 */

const readCount = readInputTokenCount;

/** To Anthropic: the same API, always at `/v1/messages/count_tokens` whatever the schema prefix. */
export function countTokensToAnthropic(context: TranslatorContext): Translator {
  return anthropicPassThrough(context, { path: '/v1/messages/count_tokens', readUsage: readCount });
}

/**
 * To Vertex's count-tokens rawPredict: one endpoint for every Claude model, so the model stays
 * in the body (the override written there, without a `@default`/`@latest` alias, which
 * count-tokens refuses), with `anthropic_version` as Vertex's SDK sends it.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/count-tokens
 */
export function countTokensToGCPAnthropic(context: TranslatorContext): Translator {
  const path = 'publishers/anthropic/models/count-tokens:rawPredict';
  const version = context.backend.schema.version ?? VERTEX_ANTHROPIC_VERSION;
  return anthropicPassThrough(context, {
    path,
    readUsage: readCount,
    rewriteForeignErrors: true,
    rewrite(client) {
      const edits = editClientBody(client).set('model', JSON.stringify(vertexCountTokensModel(context.requestModel)));
      return editedRequest({ path }, edits.set('anthropic_version', JSON.stringify(version)));
    },
  });
}

/**
 * To Bedrock CountTokens: the InvokeModel body Claude would get (base64, inside
 * `input.invokeModel.body`) is counted, and Bedrock's `{"inputTokens"}` answer is given back as
 * Anthropic's `{"input_tokens"}`. InvokeModel requires `max_tokens`, which a count request has no
 * reason to carry, so one that fits any `thinking` budget is added (it does not change the count).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CountTokens.html
 */
export function countTokensToAWSAnthropic(context: TranslatorContext): Translator {
  const version = context.backend.schema.version ?? BEDROCK_ANTHROPIC_VERSION;
  return {
    needsBody: true,
    request(client) {
      if (!client) throw new Error('the count_tokens to AWSAnthropic translator needs the request body');
      const invokeBody = nativeAnthropicBody(client, { schema: 'AWSAnthropic', version });
      if (client.json.max_tokens === undefined) invokeBody.set('max_tokens', String(placeholderMaxTokens(client.json)));
      const body = { input: { invokeModel: { body: invokeBody.toBuffer().toString('base64') } } };
      return { path: awsCountTokensPath(context.requestModel), body: Buffer.from(JSON.stringify(body), 'utf8') };
    },
    responseHeaders: () => ({ streaming: false }),
    responseBody(chunk) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(chunk.toString('utf8'));
      } catch (cause) {
        throw new Error('Bedrock CountTokens response is not JSON', { cause });
      }
      const count = isRecord(parsed) ? optionalNumber(parsed.inputTokens) : undefined;
      if (count === undefined) throw new Error('Bedrock CountTokens response has no inputTokens');
      return { body: Buffer.from(JSON.stringify({ input_tokens: count }), 'utf8'), usage: { inputTokens: count }, responseModel: context.requestModel };
    },
    responseError: (status, body) => anthropicErrorFromProvider(status, body),
  };
}

function placeholderMaxTokens(json: JsonRecord): number {
  const budget = isRecord(json.thinking) ? optionalNumber(json.thinking.budget_tokens) : undefined;
  return budget !== undefined ? budget + 1 : 1;
}
