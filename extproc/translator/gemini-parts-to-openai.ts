import { randomUUID } from 'node:crypto';
import type { ChatToolCallOut } from './openai-chat-response.js';
import type { GeminiResponsePart } from './read-gemini-response.js';

/**
 * A tool call carrying Gemini's thought signature where Google's own OpenAI-compatible API puts
 * it. Clients that send the assistant message back unchanged return it, and Gemini 3 requires it.
 */
export interface GeminiToolCallOut extends ChatToolCallOut {
  extra_content?: { google: { thought_signature: string } };
}

/** A candidate's parts, sorted into what OpenAI keeps apart. */
export interface OpenAIPieces {
  /** The answer text, joined; undefined when the candidate has no text part. */
  text?: string;
  /** Thought summaries, joined. */
  reasoning?: string;
  toolCalls: GeminiToolCallOut[];
}

/**
 * Splits Gemini parts into answer text, reasoning and tool calls. Gemini gives function calls an
 * id only sometimes, while OpenAI clients need one to answer the call, so missing ids are made up.
 */
export function geminiPartsToOpenAI(parts: readonly GeminiResponsePart[]): OpenAIPieces {
  const pieces: OpenAIPieces = { toolCalls: [] };
  for (const part of parts) {
    if (part.functionCall) {
      const call: GeminiToolCallOut = {
        id: part.functionCall.id ?? randomUUID(),
        type: 'function',
        function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args) },
      };
      if (part.thoughtSignature !== undefined) call.extra_content = { google: { thought_signature: part.thoughtSignature } };
      pieces.toolCalls.push(call);
    } else if (part.text !== undefined) {
      if (part.thought) pieces.reasoning = (pieces.reasoning ?? '') + part.text;
      else pieces.text = (pieces.text ?? '') + part.text;
    }
  }
  return pieces;
}

/** Gemini's `createTime` as OpenAI's `created` (Unix seconds); undefined when absent or unreadable. */
export function createdFromTime(createTime: string | undefined): number | undefined {
  if (createTime === undefined) return undefined;
  const millis = Date.parse(createTime);
  return Number.isNaN(millis) ? undefined : Math.floor(millis / 1000);
}
