import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import { SseReader } from '../../common/sse/sse-reader.js';

/**
 * A client's GET notification stream read raw: every JSON-RPC message the gateway wrote, in
 * order, heartbeat pings included (which the SDK client answers without showing them).
 */
export interface McpEventStream {
  status: number;
  /** Every message so far. */
  messages: JsonRecord[];
  /** The first message from index `from` on that matches, waiting up to `timeoutMs` for it. */
  waitFor(match: (message: JsonRecord) => boolean, timeoutMs: number, from?: number): Promise<JsonRecord>;
  /** Resolves when the gateway ended the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openMcpEventStream(url: string, headers: Record<string, string>): Promise<McpEventStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const messages: JsonRecord[] = [];
  const waiters = new Set<() => void>();
  const reader = new SseReader();
  let over = false;
  const ended = (async () => {
    const body = response.body?.getReader();
    if (!body) return;
    try {
      for (;;) {
        const chunk: unknown = await body.read();
        if (!isRecord(chunk) || chunk.done === true) return;
        if (!(chunk.value instanceof Uint8Array)) continue;
        for (const event of reader.push(Buffer.from(chunk.value.buffer, chunk.value.byteOffset, chunk.value.byteLength)).events) {
          const parsed: unknown = JSON.parse(event.data);
          if (isRecord(parsed)) messages.push(parsed);
        }
        for (const wake of waiters) wake();
      }
    } catch {
      // Aborted by close(): the stream is over either way.
    } finally {
      over = true;
      for (const wake of waiters) wake();
    }
  })();
  return {
    status: response.status,
    messages,
    ended,
    close: () => controller.abort(),
    waitFor: (match, timeoutMs, from = 0) =>
      new Promise<JsonRecord>((resolve, reject) => {
        const check = (): boolean => {
          const found = messages.slice(from).find(match);
          if (found) {
            settle();
            resolve(found);
            return true;
          }
          if (over) {
            settle();
            reject(new Error(`stream ended without the message; got ${JSON.stringify(messages)}`));
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          settle();
          reject(new Error(`no such message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
        }, timeoutMs);
        const wake = (): void => void check();
        const settle = (): void => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        if (!check()) waiters.add(wake);
      }),
  };
}
