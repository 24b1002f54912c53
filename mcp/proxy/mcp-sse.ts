/**
 * Serialises one MCP message event (parsing is extproc/sse/sse-reader.ts, shared with provider
 * streams). `data` must be single-line JSON (JSON.stringify never emits newlines).
 */
export function formatSseEvent(data: string, id?: string): string {
  return `event: message\n${id ? `id: ${id}\n` : ''}data: ${data}\n\n`;
}
