import { invalidRequestBody } from '../errors/gateway-error.js';
import { isRecord, optionalNumber, type JsonRecord } from '../../common/json-guards.js';
import type { TokenUsage } from '../usage/token-usage.js';
import { backendErrorBody } from './backend-error-body.js';
import { pathEscape } from './path-escape.js';
import { readAwsError } from './read-aws-error.js';
import type { ResponseHeaders, Translator, TranslatorContext } from './translator.js';

/**
 * OpenAI embeddings to an Amazon Titan text embeddings model (`/model/{model}/invoke`). Titan
 * embeds one text per call, so the request must hold exactly one string (alone or as a
 * one-element array); batches and token arrays are refused (422).
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
 */
export function openAIEmbeddingsToAWSBedrock(context: TranslatorContext): Translator {
  const model = context.requestModel;
  let base64 = false;
  let headers: ResponseHeaders = {};

  return {
    needsBody: true,
    request(client) {
      if (!client) throw new Error('the OpenAI embeddings → AWS Bedrock translator needs the request body');
      const titan = titanRequest(client.json);
      base64 = encodingIsBase64(client.json.encoding_format);
      return {
        path: `/model/${pathEscape(model)}/invoke`,
        body: Buffer.from(JSON.stringify(titan)),
        headers: [['content-type', 'application/json']],
      };
    },
    responseHeaders(status, responseHeaders) {
      headers = responseHeaders;
      return { streaming: false };
    },
    responseBody(chunk) {
      const { embedding, tokens } = readTitanResponse(chunk);
      const usage: TokenUsage = tokens !== undefined ? { inputTokens: tokens, totalTokens: tokens } : {};
      const list = {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: base64 ? float32Base64(embedding) : embedding }],
        model,
        // OpenAI's usage has no "unknown"; Titan always reports the count, so 0 is only a fallback.
        usage: { prompt_tokens: tokens ?? 0, total_tokens: tokens ?? 0 },
      };
      return { body: Buffer.from(JSON.stringify(list)), usage, responseModel: model };
    },
    responseError(status, body) {
      const error = readAwsError(headers['x-amzn-errortype'], body);
      const type = (error.json ? error.errorType : undefined) ?? 'AWSBedrockBackendError';
      return { body: backendErrorBody(type, status, error.message), contentType: 'application/json' };
    },
  };
}

interface TitanRequest {
  inputText: string;
  dimensions?: number;
  normalize?: boolean;
}

function titanRequest(json: JsonRecord): TitanRequest {
  const request: TitanRequest = { inputText: singleInput(json.input) };
  const dimensions = optionalNumber(json.dimensions);
  if (dimensions !== undefined) {
    // OpenAI's shortened embeddings are unit length; Titan normalizes only when asked.
    request.dimensions = dimensions;
    request.normalize = true;
  }
  return request;
}

function singleInput(input: unknown): string {
  if (typeof input === 'string') return input;
  if (Array.isArray(input) && input.length === 1 && typeof input[0] === 'string') return input[0];
  throw invalidRequestBody('input: AWS Bedrock Titan embeds exactly one string per request (a string, or an array of one string)');
}

function encodingIsBase64(format: unknown): boolean {
  if (format === undefined || format === null || format === 'float') return false;
  if (format === 'base64') return true;
  throw invalidRequestBody(`encoding_format ${JSON.stringify(format)} is not "float" or "base64"`);
}

function readTitanResponse(body: Buffer): { embedding: number[]; tokens?: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new Error('AWS Bedrock Titan embeddings response is not JSON', { cause: error });
  }
  const values: unknown[] = isRecord(parsed) && Array.isArray(parsed.embedding) ? parsed.embedding : [];
  const embedding = values.filter((value): value is number => typeof value === 'number');
  if (!isRecord(parsed) || values.length === 0 || embedding.length !== values.length) {
    throw new Error('AWS Bedrock Titan embeddings response has no numeric "embedding"');
  }
  const tokens = optionalNumber(parsed.inputTextTokenCount);
  return { embedding, ...(tokens !== undefined ? { tokens } : {}) };
}

/** OpenAI's `encoding_format: base64`: the vector as little-endian float32, base64-encoded. */
function float32Base64(embedding: readonly number[]): string {
  const bytes = Buffer.alloc(embedding.length * 4);
  embedding.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}
