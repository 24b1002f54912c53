/**
 * OpenInference attributes for legacy text completions (`/v1/completions`): prompts as
 * `llm.prompts.N.prompt.text` and choices as `llm.choices.N.completion.text` (OpenInference
 * "Completions API" conventions, as upstream records them). Token-id prompts are not decoded.
 */
import { isRecord, optionalNumber, type JsonRecord } from '../../../common/json-guards.js';
import { responseErrorOutcome } from './response-error-outcome.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import { FIRST_TOKEN_STREAM_EVENT } from './chat-stream-attributes.js';
import { LLM_SYSTEM_OPENAI, MIME_TYPE_JSON, OI, REDACTED_VALUE, SPAN_KIND_LLM, type SpanAttributes, type SpanOutcome } from './span-attributes.js';

export function promptTextKey(index: number): string {
  return `llm.prompts.${index}.prompt.text`;
}

export function choiceTextKey(index: number): string {
  return `llm.choices.${index}.completion.text`;
}

export function completionRequestAttributes(body: unknown, rawBody: string, config: OpenInferenceConfig): SpanAttributes {
  const req: JsonRecord = isRecord(body) ? body : {};
  const attrs: SpanAttributes = [[OI.spanKind, SPAN_KIND_LLM], [OI.llmSystem, LLM_SYSTEM_OPENAI]];
  if (typeof req.model === 'string') attrs.push([OI.llmModelName, req.model]);
  if (config.hideInputs) attrs.push([OI.inputValue, REDACTED_VALUE]);
  else attrs.push([OI.inputValue, rawBody], [OI.inputMimeType, MIME_TYPE_JSON]);
  if (!config.hideLlmInvocationParameters) {
    // Everything but the prompt, which has its own attributes.
    const params = Object.fromEntries(Object.entries(req).filter(([key]) => key !== 'prompt'));
    attrs.push([OI.llmInvocationParameters, JSON.stringify(params)]);
  }
  if (!config.hideInputs && !config.hidePrompts) {
    const prompt = req.prompt;
    if (typeof prompt === 'string') attrs.push([promptTextKey(0), prompt]);
    else if (Array.isArray(prompt) && prompt.every((item): item is string => typeof item === 'string')) {
      prompt.forEach((text, i) => attrs.push([promptTextKey(i), text]));
    }
  }
  return attrs;
}

export function completionResponseAttributes(body: unknown, rawBody: string, config: OpenInferenceConfig): SpanOutcome {
  const resp: JsonRecord = isRecord(body) ? body : {};
  const attrs: SpanAttributes = [];
  if (typeof resp.model === 'string') attrs.push([OI.llmModelName, resp.model]);
  if (!config.hideOutputs) attrs.push([OI.outputMimeType, MIME_TYPE_JSON]);
  if (!config.hideOutputs && !config.hideChoices && Array.isArray(resp.choices)) {
    resp.choices.forEach((choice: unknown, i) => {
      attrs.push([choiceTextKey(i), isRecord(choice) && typeof choice.text === 'string' ? choice.text : '']);
    });
  }
  // Token counts are metadata: kept when outputs are hidden; zero counts are skipped.
  if (isRecord(resp.usage)) {
    for (const [key, field] of [[OI.tokenCountPrompt, 'prompt_tokens'], [OI.tokenCountCompletion, 'completion_tokens'], [OI.tokenCountTotal, 'total_tokens']] as const) {
      const count = optionalNumber(resp.usage[field]) ?? 0;
      if (count > 0) attrs.push([key, count]);
    }
  }
  attrs.push([OI.outputValue, config.hideOutputs ? REDACTED_VALUE : isRecord(body) ? JSON.stringify(body) : rawBody]);
  return { attributes: attrs, events: [], status: { code: 'OK' } };
}

/**
 * A streamed completion: each chunk carries the text delta of its choices; the response
 * recorded is the first chunk with every choice's text joined, and the last chunk's id, model
 * and usage.
 */
export function completionStreamAttributes(chunks: readonly unknown[], config: OpenInferenceConfig): SpanOutcome {
  const records = chunks.filter(isRecord);
  const first = records[0];
  const last = records[records.length - 1];
  if (!first || !last) return { attributes: [], events: [], status: { code: 'UNSET' } };
  const texts = new Map<number, string>();
  const reasons = new Map<number, unknown>();
  for (const chunk of records) {
    if (!Array.isArray(chunk.choices)) continue;
    for (const choice of chunk.choices) {
      if (!isRecord(choice)) continue;
      const index = optionalNumber(choice.index) ?? 0;
      texts.set(index, (texts.get(index) ?? '') + (typeof choice.text === 'string' ? choice.text : ''));
      if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') reasons.set(index, choice.finish_reason);
    }
  }
  const choices = Array.isArray(first.choices)
    ? first.choices.map((choice: unknown) => {
      const base: JsonRecord = isRecord(choice) ? choice : {};
      const index = optionalNumber(base.index) ?? 0;
      return { ...base, text: texts.get(index) ?? '', ...(reasons.has(index) ? { finish_reason: reasons.get(index) } : {}) };
    })
    : first.choices;
  const aggregated: Record<string, unknown> = { ...first, choices, id: last.id, created: last.created, model: last.model };
  if (last.usage !== undefined && last.usage !== null) aggregated.usage = last.usage;
  const outcome = completionResponseAttributes(aggregated, JSON.stringify(aggregated), config);
  return { ...outcome, events: [{ name: FIRST_TOKEN_STREAM_EVENT, attributes: [] }, ...outcome.events] };
}

export function completionErrorAttributes(status: number, body: string | Uint8Array): SpanOutcome {
  return responseErrorOutcome(status, body);
}
