import { invalidRequestBody, malformedRequest } from '../errors/gateway-error.js';
import { isRecord, optionalNumber, type JsonRecord } from '../../common/json-guards.js';
import { convertGeminiUsage } from '../usage/convert-gemini-usage.js';
import type { TokenUsage } from '../usage/token-usage.js';
import { gcpVertexAIErrorBody } from './gcp-vertexai-error-body.js';
import { pathEscape } from './path-escape.js';
import type { ClientRequest, ResponseBodyTranslation, Translator, TranslatorContext } from './translator.js';
import { readVertexEmbeddingInstances, type VertexEmbeddingInstance } from './read-vertex-embedding-instances.js';

/**
 * OpenAI embeddings to Vertex AI. The text-embedding and multilingual models take a batch through
 * `:predict` (`instances[]`); Gemini embedding models take one content through `:embedContent`.
 * Inputs may carry Vertex's task type and title (see `readVertexEmbeddingInstances`). The result
 * is an OpenAI embedding list, as floats or base64 (little-endian float32, as OpenAI encodes it).
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/projects.locations.publishers.models/embedContent
 */
export function openAIEmbeddingsToGCPVertexAI(context: TranslatorContext): Translator {
  const model = context.requestModel;
  const embedContent = /^gemini-embedding/i.test(model);
  let base64 = false;
  const buffered: Buffer[] = [];

  return {
    needsBody: true,
    request(client) {
      if (!client) throw new Error('the GCP Vertex AI embeddings translator needs the request body');
      const { instances, dimensions, encoding } = readEmbeddingsRequest(client);
      base64 = encoding === 'base64';
      const modelPath = `publishers/google/models/${pathEscape(model)}`;
      if (embedContent) {
        const [instance] = instances;
        if (instances.length !== 1 || instance === undefined) {
          throw invalidRequestBody(`${model} embeds exactly one input per request (got ${instances.length})`);
        }
        // embedContent names the per-text options in camelCase, beside the content.
        const body = {
          content: { parts: [{ text: instance.content }] },
          ...(instance.task_type !== undefined ? { taskType: instance.task_type } : {}),
          ...(instance.title !== undefined ? { title: instance.title } : {}),
          ...(dimensions !== undefined ? { outputDimensionality: dimensions } : {}),
        };
        return { path: `${modelPath}:embedContent`, body: Buffer.from(JSON.stringify(body)) };
      }
      const body = {
        instances,
        ...(dimensions !== undefined ? { parameters: { outputDimensionality: dimensions } } : {}),
      };
      return { path: `${modelPath}:predict`, body: Buffer.from(JSON.stringify(body)) };
    },
    responseHeaders: () => ({ streaming: false }),
    responseBody(chunk, endOfStream): ResponseBodyTranslation {
      // A whole JSON body is expected in one call; pieces are held until the end regardless.
      buffered.push(chunk);
      if (!endOfStream) return { body: Buffer.alloc(0), usage: {} };
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.concat(buffered).toString('utf8'));
      } catch (error) {
        throw new Error('Vertex AI embeddings response is not JSON', { cause: error });
      }
      const { vectors, usage } = embedContent ? readEmbedContent(parsed) : readPredict(parsed);
      const list = {
        object: 'list',
        data: vectors.map((values, index) => ({ object: 'embedding', index, embedding: base64 ? float32Base64(values) : values })),
        model,
        // OpenAI has no "unknown" count: clients get 0 while the gateway's own usage stays unset.
        usage: { prompt_tokens: usage.inputTokens ?? 0, total_tokens: usage.totalTokens ?? usage.inputTokens ?? 0 },
      };
      return { body: Buffer.from(JSON.stringify(list)), usage, responseModel: model };
    },
    responseError(status, body) {
      return { body: gcpVertexAIErrorBody(status, body), contentType: 'application/json' };
    },
  };
}

interface EmbeddingsRequest {
  instances: VertexEmbeddingInstance[];
  dimensions?: number;
  encoding: string;
}

/** The parts of an OpenAI embeddings request Vertex can use; token-id inputs have no Vertex form. */
function readEmbeddingsRequest(client: ClientRequest): EmbeddingsRequest {
  const json = client.json;
  if (json.input === undefined && json.messages !== undefined) throw invalidRequestBody('GCP Vertex AI embeddings take "input" text, not "messages"');
  const instances = readVertexEmbeddingInstances(json.input);
  const encoding = json.encoding_format ?? 'float';
  if (encoding !== 'float' && encoding !== 'base64') throw malformedRequest('"encoding_format" must be "float" or "base64"');
  const dimensions = optionalNumber(json.dimensions);
  return { instances, encoding, ...(dimensions !== undefined ? { dimensions } : {}) };
}

interface Embeddings {
  vectors: number[][];
  usage: TokenUsage;
}

/** `:predict`: one prediction per instance; token counts only per prediction, so they are summed. */
function readPredict(value: unknown): Embeddings {
  if (!isRecord(value) || !Array.isArray(value.predictions)) throw new Error('Vertex AI predict response has no "predictions"');
  let tokens: number | undefined;
  const vectors = value.predictions.map((prediction: unknown) => {
    const embeddings = isRecord(prediction) ? prediction.embeddings : undefined;
    if (!isRecord(embeddings)) throw new Error('Vertex AI prediction has no "embeddings"');
    const count = isRecord(embeddings.statistics) ? optionalNumber(embeddings.statistics.token_count) : undefined;
    if (count !== undefined) tokens = (tokens ?? 0) + count;
    return vectorOf(embeddings);
  });
  return { vectors, usage: tokens !== undefined ? { inputTokens: tokens, totalTokens: tokens } : {} };
}

/** `:embedContent`: one embedding, with Gemini's `usageMetadata`. */
function readEmbedContent(value: unknown): Embeddings {
  if (!isRecord(value) || !isRecord(value.embedding)) throw new Error('Vertex AI embedContent response has no "embedding"');
  const usage = convertGeminiUsage(value.usageMetadata) ?? {};
  // Embeddings have no output: the total is the input when Vertex gives no total.
  if (usage.inputTokens !== undefined && usage.totalTokens === undefined) usage.totalTokens = usage.inputTokens;
  return { vectors: [vectorOf(value.embedding)], usage };
}

function vectorOf(embedding: JsonRecord): number[] {
  const values = embedding.values;
  if (!Array.isArray(values) || !values.every((item): item is number => typeof item === 'number')) {
    throw new Error('Vertex AI embedding "values" is not an array of numbers');
  }
  return values;
}

function float32Base64(values: readonly number[]): string {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}
