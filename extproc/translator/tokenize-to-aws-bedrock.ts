import { isRecord, optionalNumber } from '../../common/json-guards.js';
import { awsCountTokensPath } from './anthropic-backend-request.js';
import { chatRequestToConverse } from './chat-request-to-converse.js';
import { openAIErrorFromProvider } from './provider-error.js';
import { tokenizeTranslator } from './tokenize-translator.js';
import type { Translator, TranslatorContext } from './translator.js';

/**
 * `/tokenize` to Bedrock CountTokens with Converse input: the messages, system prompt and tools
 * Converse would get (inference settings do not change the count).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CountTokens.html
 */
export function tokenizeToAWSBedrock(context: TranslatorContext): Translator {
  return tokenizeTranslator(context, {
    provider: 'AWS Bedrock',
    request(chat) {
      const { messages, system, toolConfig } = chatRequestToConverse(chat);
      const converse = { messages, ...(system ? { system } : {}), ...(toolConfig ? { toolConfig } : {}) };
      return {
        path: awsCountTokensPath(context.requestModel),
        body: Buffer.from(JSON.stringify({ input: { converse } })),
        headers: [['content-type', 'application/json']],
      };
    },
    count: (answer) => (isRecord(answer) ? optionalNumber(answer.inputTokens) : undefined),
    error: (status, body, headers) => openAIErrorFromProvider(status, body, headers, 'AWSBedrockBackendError'),
  });
}
