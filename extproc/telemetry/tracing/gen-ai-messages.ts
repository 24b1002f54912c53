/**
 * GenAI message content (only with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true):
 * the whole conversation goes into one JSON attribute, `gen_ai.input.messages` /
 * `gen_ai.output.messages`, as [{role, parts:[{type, content|id|name|arguments}], finish_reason}].
 * Images and audio are recorded by type only, so no payload lands in a span.
 */
import { isRecord, optionalNumber, type JsonRecord } from '../../../common/json-guards.js';
import type { SpanAttributes } from './span-attributes.js';

export const INPUT_MESSAGES = 'gen_ai.input.messages';
export const OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const TOOL_DEFINITIONS = 'gen_ai.tool.definitions';

interface Part {
  type: string;
  content?: string;
  id?: string;
  name?: string;
  arguments?: string;
}

interface Message {
  role: string;
  /** null when the message had no content at all (as upstream encodes it). */
  parts: Part[] | null;
  finish_reason?: string;
}

const text = (content: string): Part[] => (content === '' ? [] : [{ type: 'text', content }]);

function contentParts(content: unknown, role: string, toolCallId: unknown): Part[] | null {
  if (typeof content === 'string') {
    if (content === '') return null;
    return role === 'tool' ? [{ type: 'tool_call_response', content, ...(typeof toolCallId === 'string' ? { id: toolCallId } : {}) }] : text(content);
  }
  if (!Array.isArray(content)) return null;
  const parts: Part[] = [];
  for (const part of content) {
    if (!isRecord(part)) continue;
    if (part.type === 'text' && typeof part.text === 'string') parts.push({ type: 'text', content: part.text });
    else if (part.type === 'image_url' && role === 'user') parts.push({ type: 'image' });
    else if (part.type === 'input_audio' && role === 'user') parts.push({ type: 'audio' });
  }
  return parts;
}

function toolCallParts(calls: unknown): Part[] {
  if (!Array.isArray(calls)) return [];
  return calls.filter(isRecord).map((call) => {
    const fn: JsonRecord = isRecord(call.function) ? call.function : {};
    return {
      type: 'tool_call',
      ...(typeof call.id === 'string' && call.id !== '' ? { id: call.id } : {}),
      name: typeof fn.name === 'string' ? fn.name : '',
      arguments: typeof fn.arguments === 'string' ? fn.arguments : '',
    };
  });
}

function withToolCalls(parts: Part[] | null, calls: unknown): Part[] | null {
  const toolParts = toolCallParts(calls);
  return toolParts.length === 0 ? parts : [...(parts ?? []), ...toolParts];
}

export function chatInputMessageAttributes(body: unknown): SpanAttributes {
  const req: JsonRecord = isRecord(body) ? body : {};
  const attrs: SpanAttributes = [];
  if (Array.isArray(req.messages) && req.messages.length > 0) {
    const messages: Message[] = req.messages.filter(isRecord).map((message) => {
      const role = typeof message.role === 'string' ? message.role : '';
      return { role, parts: withToolCalls(contentParts(message.content, role, message.tool_call_id), message.tool_calls) };
    });
    if (messages.length > 0) attrs.push([INPUT_MESSAGES, JSON.stringify(messages)]);
  }
  if (Array.isArray(req.tools) && req.tools.length > 0) attrs.push([TOOL_DEFINITIONS, JSON.stringify(req.tools)]);
  return attrs;
}

export function chatOutputMessageAttributes(body: unknown): SpanAttributes {
  const resp: JsonRecord = isRecord(body) ? body : {};
  if (!Array.isArray(resp.choices) || resp.choices.length === 0) return [];
  const messages: Message[] = resp.choices.filter(isRecord).map((choice) => {
    const message: JsonRecord = isRecord(choice.message) ? choice.message : {};
    const content = typeof message.content === 'string' ? text(message.content) : [];
    const parts = [...content, ...toolCallParts(message.tool_calls)];
    return {
      role: typeof message.role === 'string' ? message.role : 'assistant',
      parts: parts.length > 0 ? parts : null,
      ...(typeof choice.finish_reason === 'string' && choice.finish_reason !== '' ? { finish_reason: choice.finish_reason } : {}),
    };
  });
  return [[OUTPUT_MESSAGES, JSON.stringify(messages)]];
}

/** Streamed deltas folded per choice: text joined, tool-call fragments joined by their index. */
export function chatStreamOutputMessageAttributes(chunks: readonly unknown[]): SpanAttributes {
  interface Accumulator { role: string; text: string; finishReason: string; calls: Map<number, Part> }
  const byChoice = new Map<number, Accumulator>();
  for (const chunk of chunks) {
    if (!isRecord(chunk) || !Array.isArray(chunk.choices)) continue;
    for (const choice of chunk.choices) {
      if (!isRecord(choice)) continue;
      const index = optionalNumber(choice.index) ?? 0;
      let acc = byChoice.get(index);
      if (!acc) {
        acc = { role: 'assistant', text: '', finishReason: '', calls: new Map() };
        byChoice.set(index, acc);
      }
      if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') acc.finishReason = choice.finish_reason;
      const delta = choice.delta;
      if (!isRecord(delta)) continue;
      if (typeof delta.role === 'string' && delta.role !== '') acc.role = delta.role;
      if (typeof delta.content === 'string') acc.text += delta.content;
      if (!Array.isArray(delta.tool_calls)) continue;
      for (const call of delta.tool_calls) {
        if (!isRecord(call)) continue;
        const callIndex = optionalNumber(call.index) ?? 0;
        let part = acc.calls.get(callIndex);
        if (!part) {
          part = { type: 'tool_call', name: '', arguments: '' };
          acc.calls.set(callIndex, part);
        }
        if (typeof call.id === 'string' && call.id !== '') part.id = call.id;
        const fn: JsonRecord = isRecord(call.function) ? call.function : {};
        if (typeof fn.name === 'string' && fn.name !== '') part.name = fn.name;
        if (typeof fn.arguments === 'string') part.arguments = (part.arguments ?? '') + fn.arguments;
      }
    }
  }
  if (byChoice.size === 0) return [];
  const messages: Message[] = [...byChoice.values()].map((acc) => {
    const parts = [...text(acc.text), ...acc.calls.values()];
    return { role: acc.role, parts: parts.length > 0 ? parts : null, ...(acc.finishReason !== '' ? { finish_reason: acc.finishReason } : {}) };
  });
  return [[OUTPUT_MESSAGES, JSON.stringify(messages)]];
}

/** Legacy completions: the prompt(s) as user text, the choices as assistant text. */
export function completionInputMessageAttributes(body: unknown): SpanAttributes {
  const prompt = isRecord(body) ? body.prompt : undefined;
  const prompts = typeof prompt === 'string' ? [prompt] : Array.isArray(prompt) ? prompt.filter((item): item is string => typeof item === 'string') : [];
  if (prompts.length === 0) return [];
  return [[INPUT_MESSAGES, JSON.stringify(prompts.map((content): Message => ({ role: 'user', parts: text(content) })))]];
}

export function completionOutputMessageAttributes(body: unknown): SpanAttributes {
  const resp: JsonRecord = isRecord(body) ? body : {};
  if (!Array.isArray(resp.choices) || resp.choices.length === 0) return [];
  const messages = resp.choices.filter(isRecord).map((choice): Message => ({
    role: 'assistant',
    parts: typeof choice.text === 'string' ? text(choice.text) : null,
    ...(typeof choice.finish_reason === 'string' && choice.finish_reason !== '' ? { finish_reason: choice.finish_reason } : {}),
  }));
  return [[OUTPUT_MESSAGES, JSON.stringify(messages)]];
}
