/**
 * Anthropic Messages wire formats for scripted fakes: a message, the streaming event sequence
 * (message_start, content_block_start/delta/stop, message_delta with cumulative output usage,
 * message_stop), SSE framing (`event:` + `data:`) and Anthropic errors.
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * @see https://docs.anthropic.com/en/api/errors
 */
import type { ServerResponse } from 'node:http';
import { sendChunks, sendJson } from './scripted-provider.js';

export type AnthropicBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
}

export function anthropicMessage(options: { id: string; model: string; content: AnthropicBlock[]; stopReason: string; usage: AnthropicUsage }): Record<string, unknown> {
  return {
    id: options.id,
    type: 'message',
    role: 'assistant',
    model: options.model,
    content: options.content,
    stop_reason: options.stopReason,
    stop_sequence: null,
    usage: options.usage,
  };
}

/**
 * The events of a streamed answer: text blocks are written in the given pieces, tool_use blocks
 * as `input_json_delta` pieces of their JSON input (split in two to exercise reassembly).
 */
export function anthropicStreamEvents(options: { id: string; model: string; blocks: (AnthropicBlock | { type: 'text'; pieces: string[] })[]; stopReason: string; usage: AnthropicUsage }): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [
    {
      type: 'message_start',
      message: { id: options.id, type: 'message', role: 'assistant', model: options.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: options.usage.input_tokens, output_tokens: 1 } },
    },
  ];
  options.blocks.forEach((block, index) => {
    if (block.type === 'tool_use') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      const json = JSON.stringify(block.input);
      const half = Math.floor(json.length / 2);
      for (const partial of [json.slice(0, half), json.slice(half)]) events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partial } });
    } else {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      if (index === 0) events.push({ type: 'ping' });
      const pieces = 'pieces' in block ? block.pieces : [block.text];
      for (const text of pieces) events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push({ type: 'message_delta', delta: { stop_reason: options.stopReason, stop_sequence: null }, usage: { output_tokens: options.usage.output_tokens } });
  events.push({ type: 'message_stop' });
  return events;
}

/** The SSE text of Anthropic events. */
export function anthropicSse(events: Record<string, unknown>[]): string[] {
  return events.map((event) => `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);
}

export async function sendAnthropicSse(response: ServerResponse, events: Record<string, unknown>[]): Promise<void> {
  await sendChunks(response, 200, { 'content-type': 'text/event-stream; charset=utf-8', 'request-id': 'req_fake' }, anthropicSse(events));
}

export function sendAnthropicError(response: ServerResponse, status: number, type: string, message: string): void {
  sendJson(response, status, { type: 'error', error: { type, message } }, { 'request-id': 'req_fake_error' });
}
