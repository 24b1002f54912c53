import { invalidRequestBody, malformedRequest } from '../errors/gateway-error.js';
import { isRecord, type JsonRecord } from '../../common/json-guards.js';

/**
 * One text to embed, as Vertex AI's text embedding models take it (`instances[]` of `:predict`).
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api#request_body
 */
export interface VertexEmbeddingInstance {
  content: string;
  /** `RETRIEVAL_QUERY`, `RETRIEVAL_DOCUMENT`, `SEMANTIC_SIMILARITY`, …: passed on unchecked, so new task types work. */
  task_type?: string;
  /** Only with `task_type: RETRIEVAL_DOCUMENT`. */
  title?: string;
}

const OBJECT_FIELDS: ReadonlySet<string> = new Set(['content', 'task_type', 'title']);

/**
 * The Vertex instances of an OpenAI embeddings `input`. Besides OpenAI's string and array of
 * strings, upstream aigw takes Vertex's own per-text options as an extension: an object
 * `{content, task_type, title}` (content a string, or an array of strings that share the
 * options) or an array of such objects, strings and objects mixed in any order. One instance per
 * text, in order, so the embeddings come back in the order of the texts.
 * @throws GatewayError 400 for inputs that are not text; 422 for token arrays (Vertex takes text only) and object fields Vertex has no place for.
 */
export function readVertexEmbeddingInstances(input: unknown): VertexEmbeddingInstance[] {
  if (typeof input === 'string') return [{ content: input }];
  if (isRecord(input)) return instancesOf(input, '"input"');
  if (!Array.isArray(input) || input.length === 0) throw malformedRequest('"input" must be a non-empty string, array, or {content, task_type, title} object');
  return input.flatMap((item: unknown, index) => {
    if (typeof item === 'string') return [{ content: item }];
    if (isRecord(item)) return instancesOf(item, `"input[${index}]"`);
    if (typeof item === 'number' || Array.isArray(item)) throw invalidRequestBody('GCP Vertex AI embeddings take text inputs only, not token arrays');
    throw malformedRequest(`"input[${index}]" must be a string or a {content, task_type, title} object`);
  });
}

function instancesOf(item: JsonRecord, where: string): VertexEmbeddingInstance[] {
  const unknown = Object.keys(item).find((key) => !OBJECT_FIELDS.has(key));
  if (unknown !== undefined) throw invalidRequestBody(`${where}: GCP Vertex AI embedding inputs take "content", "task_type" and "title", not "${unknown}"`);
  const { content, task_type: taskType, title } = item;
  if (taskType !== undefined && typeof taskType !== 'string') throw malformedRequest(`${where}: "task_type" must be a string`);
  if (title !== undefined && typeof title !== 'string') throw malformedRequest(`${where}: "title" must be a string`);
  let texts: string[];
  if (typeof content === 'string') texts = [content];
  else if (Array.isArray(content) && content.length > 0 && content.every((text): text is string => typeof text === 'string')) texts = content;
  else throw malformedRequest(`${where}: "content" must be a string or a non-empty array of strings`);
  // Vertex documents a title only for documents to be retrieved; like upstream aigw, the gateway
  // leaves it out otherwise rather than have the request refused for it.
  const options: Omit<VertexEmbeddingInstance, 'content'> = {
    ...(taskType !== undefined ? { task_type: taskType } : {}),
    ...(title !== undefined && taskType === 'RETRIEVAL_DOCUMENT' ? { title } : {}),
  };
  return texts.map((text) => ({ content: text, ...options }));
}
