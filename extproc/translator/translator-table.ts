import type { TranslatedEndpointName } from '../request/endpoints.js';
import type { SchemaName } from '../../contract/filter-config.js';
import type { ProviderWire } from '../../providers/provider-descriptor.js';
import { mapProviders } from '../../providers/providers.js';
import { readResponsesUsage } from '../usage/convert-responses-usage.js';
import { readInputTokenCount } from '../usage/read-input-token-count.js';
import { openAIToAzureOpenAI } from './openai-to-azure-openai.js';
import { joinPath, openAIToOpenAI, openAIWireFormat } from './openai-to-openai.js';
import type { TranslatorFactory } from './translator.js';
import { anthropicToAnthropic, anthropicToAWSAnthropic, anthropicToGCPAnthropic } from './anthropic-to-anthropic.js';
import { anthropicToOpenAI } from './anthropic-to-openai.js';
import { anthropicToAWSBedrock } from './anthropic-to-aws-bedrock.js';
import { countTokensToAnthropic, countTokensToAWSAnthropic, countTokensToGCPAnthropic } from './count-tokens-to-anthropic.js';
import { cohereToCohere } from './cohere-to-cohere.js';
import { openAIEmbeddingsToAWSBedrock } from './openai-embeddings-to-aws-bedrock.js';
import { openAIEmbeddingsToGCPVertexAI } from './openai-embeddings-to-gcp-vertexai.js';
import { openAIToAnthropic, openAIToAWSAnthropic, openAIToGCPAnthropic } from './openai-to-anthropic.js';
import { openAIToAWSBedrock } from './openai-to-aws-bedrock.js';
import { openAIToGCPVertexAI } from './openai-to-gcp-vertexai.js';
import { openAIMultipartPassThrough } from './openai-multipart-pass-through.js';
import { tokenizeToAWSAnthropic, tokenizeToGCPAnthropic } from './tokenize-to-anthropic.js';
import { tokenizeToAWSBedrock } from './tokenize-to-aws-bedrock.js';
import { tokenizeToGCPVertexAI } from './tokenize-to-gcp-vertexai.js';

/** Marks a pair the gateway cannot serve; the reason is shown to the client (422). */
export interface Unsupported {
  unsupported: string;
}

type Entry = TranslatorFactory | Unsupported;
type Row = Record<SchemaName, Entry>;

/**
 * A row where only the listed wires serve the endpoint: each schema gets its wire's translator
 * (PROVIDERS[schema].wire), or a reason naming the schema.
 */
function only(what: string, entries: Partial<Record<ProviderWire, TranslatorFactory>>): Row {
  return mapProviders((schema, provider): Entry => entries[provider.wire] ?? { unsupported: `${what} cannot be served by a backend with schema ${schema}` });
}

/** OpenAI pass-through for endpoints whose usage is in the Responses shape (responses, images). */
const openAIResponsesShape: TranslatorFactory = (context) =>
  openAIWireFormat(context, { path: joinPath(context.backend.schema.prefix ?? 'v1', context.endpoint.suffix), writeOverrideToBody: true, readUsage: readResponsesUsage });

/** OpenAI pass-through for `/v1/responses/input_tokens`: the count is the request's input tokens. */
const openAIInputTokens: TranslatorFactory = (context) =>
  openAIWireFormat(context, { path: joinPath(context.backend.schema.prefix ?? 'v1', context.endpoint.suffix), writeOverrideToBody: true, readUsage: readInputTokenCount });

/**
 * `/tokenize` passed to an OpenAI-compatible server that has one (vLLM, SGLang), at its root
 * whatever the schema prefix, as vLLM serves it. OpenAI itself has none. Counting consumes no
 * tokens: no usage is read.
 */
const openAITokenize: TranslatorFactory = (context) => openAIWireFormat(context, { path: '/tokenize', writeOverrideToBody: true, readUsage: () => undefined });

/**
 * Every (endpoint, backend schema) pair, by the schema's wire: the compiler checks the table is
 * complete, so adding an endpoint fails the build until it has a row, and a schema has a row
 * entry as soon as its descriptor names a wire. A wire left out of a row cannot serve the endpoint.
 */
export const TRANSLATORS: Record<TranslatedEndpointName, Row> = {
  'chat-completions': only('/v1/chat/completions', {
    openai: openAIToOpenAI,
    'azure-openai': openAIToAzureOpenAI,
    'aws-bedrock': openAIToAWSBedrock,
    'aws-anthropic': openAIToAWSAnthropic,
    'gcp-vertexai': openAIToGCPVertexAI,
    'gcp-anthropic': openAIToGCPAnthropic,
    anthropic: openAIToAnthropic,
  }),
  completions: only('/v1/completions', { openai: openAIToOpenAI }),
  embeddings: only('/v1/embeddings', {
    openai: openAIToOpenAI,
    'azure-openai': openAIToAzureOpenAI,
    'aws-bedrock': openAIEmbeddingsToAWSBedrock,
    'gcp-vertexai': openAIEmbeddingsToGCPVertexAI,
  }),
  responses: only('/v1/responses', { openai: openAIResponsesShape, 'azure-openai': openAIToAzureOpenAI }),
  'responses-input-tokens': only('/v1/responses/input_tokens', { openai: openAIInputTokens, 'azure-openai': openAIToAzureOpenAI }),
  'images-generations': only('/v1/images/generations', { openai: openAIResponsesShape }),
  'audio-speech': only('/v1/audio/speech', { openai: openAIToOpenAI }),
  'audio-transcriptions': only('/v1/audio/transcriptions', { openai: openAIMultipartPassThrough }),
  'audio-translations': only('/v1/audio/translations', { openai: openAIMultipartPassThrough }),
  messages: only('/anthropic/v1/messages', {
    anthropic: anthropicToAnthropic,
    'aws-anthropic': anthropicToAWSAnthropic,
    'gcp-anthropic': anthropicToGCPAnthropic,
    openai: anthropicToOpenAI,
    'aws-bedrock': anthropicToAWSBedrock,
  }),
  'count-tokens': only('/anthropic/v1/messages/count_tokens', {
    anthropic: countTokensToAnthropic,
    'aws-anthropic': countTokensToAWSAnthropic,
    'gcp-anthropic': countTokensToGCPAnthropic,
  }),
  rerank: only('/cohere/v2/rerank', { cohere: cohereToCohere }),
  tokenize: only('/tokenize', {
    openai: openAITokenize,
    'gcp-vertexai': tokenizeToGCPVertexAI,
    'gcp-anthropic': tokenizeToGCPAnthropic,
    'aws-bedrock': tokenizeToAWSBedrock,
    'aws-anthropic': tokenizeToAWSAnthropic,
  }),
};

export function isUnsupported(entry: Entry): entry is Unsupported {
  return typeof entry !== 'function';
}
