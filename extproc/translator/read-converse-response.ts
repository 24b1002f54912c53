import { isRecord, optionalNumber, optionalString, type JsonRecord } from '../../common/json-guards.js';
import type { ConverseOutputBlock, ConverseResponse, ConverseUsage } from './converse-types.js';

/**
 * Reads a Converse response body, keeping only the fields the gateway uses. A body that is not
 * JSON or has no `output.message` cannot be translated: a plain Error (the client gets a 500).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax
 */
export function readConverseResponse(body: Buffer): ConverseResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new Error('AWS Bedrock Converse response is not JSON', { cause: error });
  }
  if (!isRecord(parsed) || !isRecord(parsed.output) || !isRecord(parsed.output.message)) {
    throw new Error('AWS Bedrock Converse response has no output.message');
  }
  const content = Array.isArray(parsed.output.message.content) ? parsed.output.message.content : [];
  const response: ConverseResponse = { content: content.flatMap(readOutputBlock) };
  const stopReason = optionalString(parsed.stopReason);
  if (stopReason !== undefined) response.stopReason = stopReason;
  const usage = readConverseUsage(parsed.usage);
  if (usage) response.usage = usage;
  return response;
}

function readOutputBlock(block: unknown): ConverseOutputBlock[] {
  if (!isRecord(block)) return [];
  if (typeof block.text === 'string') return [{ type: 'text', text: block.text }];
  if (isRecord(block.toolUse)) {
    const { toolUseId, name, input } = block.toolUse;
    if (typeof toolUseId === 'string' && typeof name === 'string') return [{ type: 'toolUse', toolUse: { toolUseId, name, input: input ?? {} } }];
    return [];
  }
  if (isRecord(block.reasoningContent)) return readReasoning(block.reasoningContent);
  // Images, documents, citations, guard content…: nothing a chat client reads today.
  return [];
}

function readReasoning(reasoning: JsonRecord): ConverseOutputBlock[] {
  if (isRecord(reasoning.reasoningText) && typeof reasoning.reasoningText.text === 'string') {
    const signature = optionalString(reasoning.reasoningText.signature);
    return [{ type: 'reasoningText', text: reasoning.reasoningText.text, ...(signature !== undefined ? { signature } : {}) }];
  }
  if (typeof reasoning.redactedContent === 'string') return [{ type: 'redactedReasoning', data: reasoning.redactedContent }];
  return [];
}

/** Reads Bedrock's `usage` object (non-streaming response or stream `metadata`); undefined when absent. */
export function readConverseUsage(value: unknown): ConverseUsage | undefined {
  if (!isRecord(value)) return undefined;
  const usage: ConverseUsage = {};
  const fields = ['inputTokens', 'outputTokens', 'totalTokens', 'cacheReadInputTokens', 'cacheWriteInputTokens'] as const;
  for (const field of fields) {
    const count = optionalNumber(value[field]);
    if (count !== undefined) usage[field] = count;
  }
  return usage;
}
