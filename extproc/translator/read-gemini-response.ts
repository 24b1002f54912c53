import { isRecord, optionalNumber, optionalString, type JsonRecord } from '../../common/json-guards.js';

/** One part of a candidate, reduced to what the OpenAI conversion uses. */
export interface GeminiResponsePart {
  text?: string;
  /** Thought summaries (`includeThoughts`) come as text parts flagged `thought: true`. */
  thought: boolean;
  /** Opaque token Gemini wants back on the next turn (on function calls, or the last text part). */
  thoughtSignature?: string;
  functionCall?: { id?: string; name: string; args: JsonRecord };
}

export interface GeminiCandidate {
  index: number;
  parts: GeminiResponsePart[];
  finishReason?: string;
}

/** A `GenerateContentResponse` (one whole response, or one stream chunk). */
export interface GeminiResponse {
  candidates: GeminiCandidate[];
  /** Raw `usageMetadata`, for `convertGeminiUsage`. */
  usageMetadata?: unknown;
  responseId?: string;
  modelVersion?: string;
  /** RFC 3339 timestamp. */
  createTime?: string;
  /** `promptFeedback.blockReason`: the prompt was refused, and there are no candidates. */
  blockReason?: string;
}

/**
 * Reads a `GenerateContentResponse` leniently: only the fields the gateway uses are checked, and
 * part kinds it does not translate (inline images, executable code…) are skipped, so new fields
 * Google adds do not break clients. Throws when the value is not a response at all.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/GenerateContentResponse
 */
export function readGeminiResponse(value: unknown): GeminiResponse {
  if (!isRecord(value)) throw new Error('Gemini response is not a JSON object');
  const response: GeminiResponse = { candidates: [] };
  if (Array.isArray(value.candidates)) {
    value.candidates.forEach((candidate: unknown, position) => {
      if (isRecord(candidate)) response.candidates.push(readCandidate(candidate, position));
    });
  }
  if (value.usageMetadata !== undefined) response.usageMetadata = value.usageMetadata;
  const responseId = optionalString(value.responseId);
  if (responseId) response.responseId = responseId;
  const modelVersion = optionalString(value.modelVersion);
  if (modelVersion) response.modelVersion = modelVersion;
  const createTime = optionalString(value.createTime);
  if (createTime) response.createTime = createTime;
  const blockReason = isRecord(value.promptFeedback) ? optionalString(value.promptFeedback.blockReason) : undefined;
  if (blockReason) response.blockReason = blockReason;
  return response;
}

function readCandidate(candidate: JsonRecord, position: number): GeminiCandidate {
  const result: GeminiCandidate = { index: optionalNumber(candidate.index) ?? position, parts: [] };
  const parts = isRecord(candidate.content) ? candidate.content.parts : undefined;
  if (Array.isArray(parts)) {
    for (const part of parts) {
      const read = isRecord(part) ? readPart(part) : undefined;
      if (read) result.parts.push(read);
    }
  }
  const finishReason = optionalString(candidate.finishReason);
  if (finishReason) result.finishReason = finishReason;
  return result;
}

function readPart(part: JsonRecord): GeminiResponsePart | undefined {
  const read: GeminiResponsePart = { thought: part.thought === true };
  const signature = optionalString(part.thoughtSignature);
  if (signature) read.thoughtSignature = signature;
  if (typeof part.text === 'string') {
    read.text = part.text;
    return read;
  }
  const call = part.functionCall;
  if (isRecord(call) && typeof call.name === 'string') {
    const id = optionalString(call.id);
    read.functionCall = { name: call.name, args: isRecord(call.args) ? call.args : {}, ...(id ? { id } : {}) };
    return read;
  }
  return undefined;
}
