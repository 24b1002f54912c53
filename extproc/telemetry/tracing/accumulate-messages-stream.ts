/**
 * Folds an Anthropic Messages event stream into one Messages response, as upstream
 * `openinference/anthropic/messages.go` convertSSEToResponse does before recording it:
 * `message_start` gives the message, `content_block_start` each block, `content_block_delta`
 * appends text, thinking and tool-input JSON (parsed at `content_block_stop`), `message_delta`
 * the stop reason and the usage.
 *
 * Only what the stream carried is recorded: stop_reason and stop_sequence only when a
 * message_delta had them, and usage fields only as sent. A message_delta's usage fields replace
 * the message_start ones they name (Anthropic reports cumulative counts there; upstream keeps
 * only output_tokens, which loses the input count of streams whose message_start carries none).
 */
import { isRecord, optionalNumber, type JsonRecord } from '../../../common/json-guards.js';

export function accumulateMessagesStream(events: readonly unknown[]): JsonRecord {
  let message: Record<string, unknown> = {};
  const blocks: Record<string, unknown>[] = [];
  const toolInputs = new Map<number, string>();
  let usage: Record<string, unknown> | undefined;

  for (const event of events) {
    if (!isRecord(event)) continue;
    switch (event.type) {
      case 'message_start':
        if (isRecord(event.message)) {
          message = { ...event.message };
          if (isRecord(event.message.usage)) usage = { ...event.message.usage };
        }
        break;
      case 'content_block_start': {
        const index = optionalNumber(event.index);
        if (index !== undefined && isRecord(event.content_block)) blocks[index] = { ...event.content_block };
        break;
      }
      case 'content_block_delta': {
        const index = optionalNumber(event.index);
        const block = index === undefined ? undefined : blocks[index];
        if (index === undefined || !block || !isRecord(event.delta)) break;
        const delta = event.delta;
        if (typeof delta.text === 'string' && typeof block.text === 'string') block.text += delta.text;
        if (typeof delta.partial_json === 'string' && block.type === 'tool_use') toolInputs.set(index, (toolInputs.get(index) ?? '') + delta.partial_json);
        if (typeof delta.thinking === 'string' && typeof block.thinking === 'string') block.thinking += delta.thinking;
        if (typeof delta.signature === 'string' && delta.signature !== '' && block.type === 'thinking') block.signature = delta.signature;
        break;
      }
      case 'content_block_stop': {
        const index = optionalNumber(event.index);
        const json = index === undefined ? undefined : toolInputs.get(index);
        const block = index === undefined ? undefined : blocks[index];
        if (index === undefined || json === undefined) break;
        toolInputs.delete(index);
        try {
          if (block) block.input = JSON.parse(json);
        } catch {
          // Unparseable tool input: the block keeps what content_block_start gave it.
        }
        break;
      }
      case 'message_delta':
        if (isRecord(event.delta)) {
          if ('stop_reason' in event.delta) message.stop_reason = event.delta.stop_reason;
          if ('stop_sequence' in event.delta) message.stop_sequence = event.delta.stop_sequence;
        }
        if (isRecord(event.usage)) usage = { ...usage, ...event.usage };
        break;
    }
  }
  // Blocks that never started (a gap in the indices) are left out rather than recorded as empty.
  const content = blocks.filter((block): block is Record<string, unknown> => block !== undefined);
  return { ...message, content, ...(usage !== undefined ? { usage } : {}) };
}
