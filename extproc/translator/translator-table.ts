import type { TranslatedEndpointName } from '../request/endpoints.js';
import type { SchemaName } from '../../contract/filter-config.js';
import { readResponsesUsage } from '../usage/convert-responses-usage.js';
import { readInputTokenCount } from '../usage/read-input-token-count.js';
import { openAIToAzureOpenAI } from './openai-to-azure-openai.js';
import { joinPath, openAIToOpenAI, openAIWireFormat } from './openai-to-openai.js';
import type { TranslatorFactory } from './translator.js';
import { anthropicToAnthropic, anthropicToAWSAnthropic, anthropicToGCPAnthropic } from './anthropic-to-anthropic.js';
import { anthropicToOpenAI } from './anthropic-to-openai.js';
import { anthropicToAWSBedrock } from './anthropic-to-aws-bedrock.js';
import { countTokensToAnthropic, countTokensToAWSAnthropic, countTokensToGCPAnthropic } from './count-tokens-anthropic.js';
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

const cannot = (what: string) => (schema: SchemaName): Unsupported => ({
  unsupported: `${what} cannot be served by a backend with schema ${schema}`,
});

/** A row where only the listed schemas serve the endpoint. */
function only(what: string, entries: Partial<Row>): Row {
  const no = cannot(what);
  return {
    OpenAI: entries.OpenAI ?? no('OpenAI'),
    AzureOpenAI: entries.AzureOpenAI ?? no('AzureOpenAI'),
    AWSBedrock: entries.AWSBedrock ?? no('AWSBedrock'),
    AWSAnthropic: entries.AWSAnthropic ?? no('AWSAnthropic'),
    GCPVertexAI: entries.GCPVertexAI ?? no('GCPVertexAI'),
    GCPAnthropic: entries.GCPAnthropic ?? no('GCPAnthropic'),
    Anthropic: entries.Anthropic ?? no('Anthropic'),
    Cohere: entries.Cohere ?? no('Cohere'),
  };
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
 * Every (endpoint, backend schema) pair: the compiler checks the table is complete, so adding
 * an endpoint or a schema fails the build until each pair either has a translator or says why not.
 */
export const TRANSLATORS: Record<TranslatedEndpointName, Row> = {
  'chat-completions': only('/v1/chat/completions', {
    OpenAI: openAIToOpenAI,
    AzureOpenAI: openAIToAzureOpenAI,
    AWSBedrock: openAIToAWSBedrock,
    AWSAnthropic: openAIToAWSAnthropic,
    GCPVertexAI: openAIToGCPVertexAI,
    GCPAnthropic: openAIToGCPAnthropic,
    Anthropic: openAIToAnthropic,
  }),
  completions: only('/v1/completions', { OpenAI: openAIToOpenAI }),
  embeddings: only('/v1/embeddings', {
    OpenAI: openAIToOpenAI,
    AzureOpenAI: openAIToAzureOpenAI,
    AWSBedrock: openAIEmbeddingsToAWSBedrock,
    GCPVertexAI: openAIEmbeddingsToGCPVertexAI,
  }),
  responses: only('/v1/responses', { OpenAI: openAIResponsesShape, AzureOpenAI: openAIToAzureOpenAI }),
  'responses-input-tokens': only('/v1/responses/input_tokens', { OpenAI: openAIInputTokens, AzureOpenAI: openAIToAzureOpenAI }),
  'images-generations': only('/v1/images/generations', { OpenAI: openAIResponsesShape }),
  'audio-speech': only('/v1/audio/speech', { OpenAI: openAIToOpenAI }),
  'audio-transcriptions': only('/v1/audio/transcriptions', { OpenAI: openAIMultipartPassThrough }),
  'audio-translations': only('/v1/audio/translations', { OpenAI: openAIMultipartPassThrough }),
  messages: only('/anthropic/v1/messages', {
    Anthropic: anthropicToAnthropic,
    AWSAnthropic: anthropicToAWSAnthropic,
    GCPAnthropic: anthropicToGCPAnthropic,
    OpenAI: anthropicToOpenAI,
    AWSBedrock: anthropicToAWSBedrock,
  }),
  'count-tokens': only('/anthropic/v1/messages/count_tokens', {
    Anthropic: countTokensToAnthropic,
    AWSAnthropic: countTokensToAWSAnthropic,
    GCPAnthropic: countTokensToGCPAnthropic,
  }),
  rerank: only('/cohere/v2/rerank', { Cohere: cohereToCohere }),
  tokenize: only('/tokenize', {
    OpenAI: openAITokenize,
    GCPVertexAI: tokenizeToGCPVertexAI,
    GCPAnthropic: tokenizeToGCPAnthropic,
    AWSBedrock: tokenizeToAWSBedrock,
    AWSAnthropic: tokenizeToAWSAnthropic,
  }),
};

export function isUnsupported(entry: Entry): entry is Unsupported {
  return typeof entry !== 'function';
}
