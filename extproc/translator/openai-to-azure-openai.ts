import { readResponsesUsage } from '../usage/convert-responses-usage.js';
import { readInputTokenCount } from '../usage/read-input-token-count.js';
import { openAIWireFormat } from './openai-to-openai.js';
import type { Translator, TranslatorContext } from './translator.js';

/**
 * OpenAI client API to Azure OpenAI: the same wire format, with the deployment (the model, or
 * the backendRef's override) in the path and the schema version as `api-version`. Azure ignores
 * `model` in chat bodies, so only embeddings get the override written into the body. The
 * Responses API (and its input token count) is not per deployment: it takes the model from the body.
 * @see https://learn.microsoft.com/azure/ai-services/openai/reference
 */
export function openAIToAzureOpenAI(context: TranslatorContext): Translator {
  const version = encodeURIComponent(context.backend.schema.version ?? '');
  if (context.endpoint.name === 'responses') {
    return openAIWireFormat(context, { path: `/openai/responses?api-version=${version}`, writeOverrideToBody: true, readUsage: readResponsesUsage });
  }
  if (context.endpoint.name === 'responses-input-tokens') {
    return openAIWireFormat(context, { path: `/openai/responses/input_tokens?api-version=${version}`, writeOverrideToBody: true, readUsage: readInputTokenCount });
  }
  const deployment = encodeURIComponent(context.requestModel);
  return openAIWireFormat(context, {
    path: `/openai/deployments/${deployment}/${context.endpoint.suffix}?api-version=${version}`,
    writeOverrideToBody: context.endpoint.name !== 'chat-completions',
  });
}
