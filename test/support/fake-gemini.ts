/**
 * Gemini on Vertex AI wire formats for scripted fakes: `generateContent` responses, the SSE
 * stream of `streamGenerateContent?alt=sse` (one GenerateContentResponse per `data:` event,
 * CRLF-separated as Google sends them), `:predict` text embeddings and Google API errors.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/GenerateContentResponse
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api
 * @see https://cloud.google.com/apis/design/errors
 */
import type { ServerResponse } from 'node:http';
import { sendChunks, sendJson } from './scripted-provider.js';

export type GeminiPart = { text: string } | { functionCall: { name: string; args: Record<string, unknown> } };

export interface GeminiUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
}

/** One GenerateContentResponse with a single candidate. */
export function geminiResponse(parts: GeminiPart[], options: { finishReason?: string; usage?: GeminiUsage; modelVersion?: string; responseId?: string } = {}): Record<string, unknown> {
  const usage = options.usage;
  return {
    candidates: [{ content: { role: 'model', parts }, index: 0, ...(options.finishReason !== undefined ? { finishReason: options.finishReason } : {}) }],
    ...(usage
      ? { usageMetadata: { promptTokenCount: usage.promptTokenCount, candidatesTokenCount: usage.candidatesTokenCount, totalTokenCount: usage.promptTokenCount + usage.candidatesTokenCount } }
      : {}),
    modelVersion: options.modelVersion ?? 'gemini-2.0-flash-001',
    createTime: '2025-01-02T03:04:05.000000Z',
    responseId: options.responseId ?? 'gemini-response-1',
  };
}

/** Sends a `streamGenerateContent?alt=sse` answer. */
export async function sendGeminiSse(response: ServerResponse, events: Record<string, unknown>[]): Promise<void> {
  await sendChunks(
    response,
    200,
    { 'content-type': 'text/event-stream' },
    events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`),
  );
}

/** A Google API error (`google.rpc.Status` as JSON). */
export function sendGoogleError(response: ServerResponse, status: number, rpcStatus: string, message: string): void {
  sendJson(response, status, { error: { code: status, message, status: rpcStatus } });
}

/** A `:predict` response of a text embedding model, one prediction per instance. */
export function predictEmbeddingsResponse(vectors: { values: number[]; tokens: number }[]): Record<string, unknown> {
  return {
    predictions: vectors.map((vector) => ({ embeddings: { statistics: { truncated: false, token_count: vector.tokens }, values: vector.values } })),
    metadata: { billableCharacterCount: 42 },
  };
}
