/**
 * Folds streamed chat completion chunks into one response object, as upstream
 * `openinference/openai/sse_converter.go` does before recording it: content is concatenated from
 * choice 0's deltas, id/created/model/service_tier/system_fingerprint come from the first chunk,
 * finish_reason and usage from the last chunk carrying them, and the object stays
 * "chat.completion.chunk". The recorded golden span also carries the last non-empty
 * `obfuscation`, so it is kept. Tool-call deltas are merged by index (an addition: the golden
 * spans have none).
 *
 * Only what the stream carried is recorded: a tool-call-only stream (content `null` in every
 * delta) has no `content`, and a tool call has only the id, type, name and arguments its deltas
 * had. Otherwise the span would show an empty answer the provider never gave.
 */
import { isRecord, optionalNumber, optionalString, type JsonRecord } from '../../../common/json-guards.js';

interface ToolCallAcc {
  id?: string;
  type?: string;
  name?: string;
  args?: string;
}

export function accumulateChatStream(chunks: readonly unknown[]): JsonRecord {
  let first: JsonRecord | undefined;
  /** Undefined until a delta carries a string `content` (an empty string counts: it was sent). */
  let content: string | undefined;
  let finishReason = '';
  let usage: JsonRecord | undefined;
  let obfuscation = '';
  const annotations: unknown[] = [];
  const toolCalls = new Map<number, ToolCallAcc>();

  for (const chunk of chunks) {
    if (!isRecord(chunk)) continue;
    first ??= chunk;
    const choice: unknown = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (isRecord(choice)) {
      const delta = choice.delta;
      if (isRecord(delta)) {
        if (typeof delta.content === 'string') content = (content ?? '') + delta.content;
        if (Array.isArray(delta.annotations)) annotations.push(...(delta.annotations as unknown[]));
        if (Array.isArray(delta.tool_calls)) {
          delta.tool_calls.forEach((tc: unknown, pos) => {
            if (!isRecord(tc)) return;
            const index = optionalNumber(tc.index) ?? pos;
            const acc: ToolCallAcc = toolCalls.get(index) ?? {};
            if (typeof tc.id === 'string' && tc.id !== '') acc.id = tc.id;
            if (typeof tc.type === 'string' && tc.type !== '') acc.type = tc.type;
            if (isRecord(tc.function)) {
              if (typeof tc.function.name === 'string') acc.name = (acc.name ?? '') + tc.function.name;
              if (typeof tc.function.arguments === 'string') acc.args = (acc.args ?? '') + tc.function.arguments;
            }
            toolCalls.set(index, acc);
          });
        }
      }
      if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') finishReason = choice.finish_reason;
    }
    if (isRecord(chunk.usage)) usage = chunk.usage;
    if (typeof chunk.obfuscation === 'string' && chunk.obfuscation !== '') obfuscation = chunk.obfuscation;
  }

  if (finishReason === '') finishReason = 'stop';

  if (first === undefined) {
    return {
      id: '',
      object: 'chat.completion.chunk',
      model: '',
      choices: [{ index: 0, finish_reason: finishReason, message: { role: 'assistant' } }],
    };
  }

  const message: Record<string, unknown> = content !== undefined ? { content, role: 'assistant' } : { role: 'assistant' };
  if (annotations.length > 0) message.annotations = annotations;
  if (toolCalls.size > 0) {
    message.tool_calls = [...toolCalls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, tc]) => ({
        ...(tc.id !== undefined ? { id: tc.id } : {}),
        ...(tc.type !== undefined ? { type: tc.type } : {}),
        function: { ...(tc.name !== undefined ? { name: tc.name } : {}), ...(tc.args !== undefined ? { arguments: tc.args } : {}) },
      }));
  }

  const out: Record<string, unknown> = {
    choices: [{ message, index: 0, finish_reason: finishReason }],
    id: optionalString(first.id) ?? '',
  };
  const created = optionalNumber(first.created);
  if (created !== undefined) out.created = created;
  out.model = optionalString(first.model) ?? '';
  out.object = 'chat.completion.chunk';
  const serviceTier = optionalString(first.service_tier);
  if (serviceTier !== undefined && serviceTier !== '') out.service_tier = serviceTier;
  const fingerprint = optionalString(first.system_fingerprint);
  if (fingerprint !== undefined && fingerprint !== '') out.system_fingerprint = fingerprint;
  if (usage !== undefined) out.usage = usage;
  if (obfuscation !== '') out.obfuscation = obfuscation;
  return out;
}
