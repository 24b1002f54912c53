import type { EndpointName } from '../endpoints.js';
import type { SchemaName } from '../filter-config.js';
import { openAIToAzureOpenAI } from './openai-to-azure-openai.js';
import { openAIToOpenAI } from './openai-to-openai.js';
import type { TranslatorFactory } from './translator.js';

/** Marks a pair the gateway cannot serve yet; the reason is shown to the client (422). */
export interface Unsupported {
  unsupported: string;
}

type Entry = TranslatorFactory | Unsupported;

const notYet = (schema: SchemaName): Unsupported => ({
  unsupported: `backend schema ${schema} is not supported by this aigw version yet`,
});

/**
 * Every (endpoint, backend schema) pair, checked by the compiler: adding a schema name fails the
 * build until each endpoint either handles it or says why not.
 */
const bySchema = (openAI: TranslatorFactory, azure: Entry): Record<SchemaName, Entry> => ({
  OpenAI: openAI,
  AzureOpenAI: azure,
  AWSBedrock: notYet('AWSBedrock'),
  AWSAnthropic: notYet('AWSAnthropic'),
  GCPVertexAI: notYet('GCPVertexAI'),
  GCPAnthropic: notYet('GCPAnthropic'),
  Anthropic: notYet('Anthropic'),
  Cohere: notYet('Cohere'),
});

export const TRANSLATORS: Record<Exclude<EndpointName, 'models'>, Record<SchemaName, Entry>> = {
  'chat-completions': bySchema(openAIToOpenAI, openAIToAzureOpenAI),
  completions: bySchema(openAIToOpenAI, { unsupported: 'Azure OpenAI does not serve the legacy /v1/completions API through the gateway' }),
  embeddings: bySchema(openAIToOpenAI, openAIToAzureOpenAI),
};

export function isUnsupported(entry: Entry): entry is Unsupported {
  return typeof entry !== 'function';
}
