import { SseReader } from '../../common/sse/sse-reader.js';
import { convertGeminiUsage } from '../usage/convert-gemini-usage.js';
import { mergeUsage, type TokenUsage } from '../usage/token-usage.js';
import { gcpErrorMessage, GCP_VERTEXAI_BACKEND_ERROR, readGCPError } from './gcp-vertexai-error-body.js';
import { createdFromTime, geminiPartsToOpenAI } from './gemini-parts-to-openai.js';
import { geminiFinishReasonToChat } from './gemini-finish-reason-to-chat.js';
import { openAIUsage, sseEvent, SSE_DONE, type ChatCompletionChunkOut, type ChunkDeltaOut } from './openai-chat-response.js';
import { readGeminiResponse, type GeminiResponse } from './read-gemini-response.js';

/**
 * Turns a Gemini `streamGenerateContent?alt=sse` stream into OpenAI chat completion chunks: one
 * chunk per Gemini event, the role on each choice's first delta, tool call indexes counted per
 * choice across the stream, then the usage chunk (`choices: []`) when the client asked for it,
 * and `[DONE]`. Gemini reports cumulative `usageMetadata` on its events; the latest counts win.
 * Each chunk's `model` is the latest `modelVersion` Gemini reported (it names it on every event),
 * else the model the gateway asked for.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/projects.locations.publishers.models/streamGenerateContent
 */
export class GeminiStreamToOpenAIChunks {
  usage: TokenUsage = {};
  /** `modelVersion`, once Gemini reported it. */
  responseModel: string | undefined;
  private readonly sse = new SseReader();
  private id: string | undefined;
  private created: number | undefined;
  private readonly startedChoices = new Set<number>();
  private readonly toolCallCounts = new Map<number, number>();
  private failed = false;

  constructor(
    /** The model the gateway asked Vertex for: the chunks' `model` until Gemini names its own. */
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {}

  /** Feeds provider bytes; returns the SSE text for the events they completed. */
  push(chunk: Buffer): string {
    return this.sse.push(chunk).events.map((event) => this.event(event.data)).join('');
  }

  /** Finishes the stream: any unterminated last event, the usage chunk, `[DONE]`. */
  end(): string {
    let out = this.sse.end().events.map((event) => this.event(event.data)).join('');
    if (this.includeUsage && !this.failed) out += sseEvent(this.chunk([], openAIUsage(this.usage)));
    return out + SSE_DONE;
  }

  private event(payload: string): string {
    const text = payload.trim();
    if (text === '' || text === '[DONE]' || this.failed) return '';
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new Error(`Gemini stream event is not JSON: ${text.slice(0, 200)}`, { cause: error });
    }
    const error = readGCPError(parsed);
    if (error) {
      // The status was 200 when Gemini failed mid-stream: the client learns it in-band, as
      // OpenAI reports stream errors, and nothing follows but [DONE].
      this.failed = true;
      const type = error.status ?? GCP_VERTEXAI_BACKEND_ERROR;
      return sseEvent({ error: { type, code: error.code !== undefined ? String(error.code) : null, message: gcpErrorMessage(error, text) } });
    }
    return this.response(readGeminiResponse(parsed));
  }

  private response(response: GeminiResponse): string {
    if (response.responseId !== undefined) this.id = response.responseId;
    this.created ??= createdFromTime(response.createTime);
    if (response.modelVersion !== undefined) this.responseModel = response.modelVersion;
    const usage = convertGeminiUsage(response.usageMetadata);
    if (usage) this.usage = mergeUsage(this.usage, usage);

    const choices: ChatCompletionChunkOut['choices'] = response.candidates.map((candidate) => {
      const pieces = geminiPartsToOpenAI(candidate.parts);
      const delta = this.startDelta(candidate.index);
      if (pieces.text !== undefined) delta.content = pieces.text;
      if (pieces.reasoning !== undefined) delta.reasoning_content = pieces.reasoning;
      if (pieces.toolCalls.length > 0) {
        let next = this.toolCallCounts.get(candidate.index) ?? 0;
        delta.tool_calls = pieces.toolCalls.map((call) => ({ index: next++, ...call }));
        this.toolCallCounts.set(candidate.index, next);
      }
      const calledTools = this.toolCallCounts.has(candidate.index);
      return { index: candidate.index, delta, finish_reason: geminiFinishReasonToChat(candidate.finishReason, calledTools) };
    });
    if (choices.length === 0 && response.blockReason !== undefined) {
      choices.push({ index: 0, delta: this.startDelta(0), finish_reason: 'content_filter' });
    }
    // Usage-only events have nothing for the choices; their counts reach the client at the end.
    return choices.length > 0 ? sseEvent(this.chunk(choices)) : '';
  }

  private startDelta(index: number): ChunkDeltaOut {
    if (this.startedChoices.has(index)) return {};
    this.startedChoices.add(index);
    return { role: 'assistant' };
  }

  private chunk(choices: ChatCompletionChunkOut['choices'], usage?: ChatCompletionChunkOut['usage']): ChatCompletionChunkOut {
    return {
      ...(this.id !== undefined ? { id: this.id } : {}),
      object: 'chat.completion.chunk',
      ...(this.created !== undefined ? { created: this.created } : {}),
      model: this.responseModel ?? this.model,
      choices,
      ...(usage ? { usage } : {}),
    };
  }
}
