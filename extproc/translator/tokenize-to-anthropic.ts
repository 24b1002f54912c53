import { isRecord, optionalNumber } from '../../common/json-guards.js';
import { awsCountTokensPath, BEDROCK_ANTHROPIC_VERSION, VERTEX_ANTHROPIC_VERSION, vertexCountTokensModel } from './anthropic-backend-request.js';
import { chatRequestToAnthropic } from './chat-request-to-anthropic.js';
import { openAIErrorFromProvider } from './provider-error.js';
import { tokenizeTranslator } from './tokenize-translator.js';
import type { Translator, TranslatorContext } from './translator.js';

/**
 * `/tokenize` to Claude's token counting on Vertex AI: one count-tokens rawPredict for every
 * Claude model, with the model and Anthropic's count_tokens fields (messages, system, tools) in
 * the body. Count_tokens takes no other field, so what chat adds (`max_tokens`) is left out.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/count-tokens
 */
export function tokenizeToGCPAnthropic(context: TranslatorContext): Translator {
  const version = context.backend.schema.version ?? VERTEX_ANTHROPIC_VERSION;
  return tokenizeTranslator(context, {
    provider: 'GCP Anthropic',
    request(chat) {
      const { messages, system, tools } = chatRequestToAnthropic(chat);
      const body = {
        anthropic_version: version,
        model: vertexCountTokensModel(context.requestModel),
        messages,
        ...(system !== undefined ? { system } : {}),
        ...(tools !== undefined ? { tools } : {}),
      };
      return { path: 'publishers/anthropic/models/count-tokens:rawPredict', body: Buffer.from(JSON.stringify(body)) };
    },
    count: (answer) => (isRecord(answer) ? optionalNumber(answer.input_tokens) : undefined),
    error: (status, body, headers) => openAIErrorFromProvider(status, body, headers, 'GCPBackendError'),
  });
}

/**
 * `/tokenize` to Bedrock CountTokens with InvokeModel input: the Messages body Claude on
 * Bedrock would get (with its required `max_tokens` and `anthropic_version`), base64 encoded.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CountTokens.html
 */
export function tokenizeToAWSAnthropic(context: TranslatorContext): Translator {
  const version = context.backend.schema.version ?? BEDROCK_ANTHROPIC_VERSION;
  return tokenizeTranslator(context, {
    provider: 'AWS Bedrock',
    request(chat) {
      const invokeBody = { ...chatRequestToAnthropic(chat), anthropic_version: version };
      const body = { input: { invokeModel: { body: Buffer.from(JSON.stringify(invokeBody), 'utf8').toString('base64') } } };
      return { path: awsCountTokensPath(context.requestModel), body: Buffer.from(JSON.stringify(body)), headers: [['content-type', 'application/json']] };
    },
    count: (answer) => (isRecord(answer) ? optionalNumber(answer.inputTokens) : undefined),
    error: (status, body, headers) => openAIErrorFromProvider(status, body, headers, 'AWSBedrockBackendError'),
  });
}
