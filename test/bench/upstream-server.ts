/**
 * Child-process entry for the benchmark's fake upstream: running it outside the load
 * generator's process keeps the two from competing for one event loop, which would skew the
 * direct baseline. Prints `{"port":N}` on stdout once listening; exits on SIGTERM/SIGINT or when
 * its parent closes stdin. Does nothing without `--serve`, so a test runner that loads every file
 * under test/ does not start a server that waits forever.
 */
import type { ServerResponse } from 'node:http';
import { encodeAwsEvent } from '../../extproc/translator/aws-event-stream.js';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { LONG_STREAM_HEADER } from './upstream-process.js';
import { DEFAULT_CONTENT_CHUNKS } from '../support/synthetic-openai.js';

if (!process.argv.includes('--serve')) process.exit(0);

/**
 * Bedrock ConverseStream's answer with the same text chunks and usage as the synthetic OpenAI
 * stream, so the Bedrock scenario differs from the OpenAI one only in the translation work.
 */
const CONVERSE_STREAM = Buffer.concat([
  encodeAwsEvent('messageStart', { role: 'assistant' }),
  ...DEFAULT_CONTENT_CHUNKS.map((text) => encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text } })),
  encodeAwsEvent('contentBlockStop', { contentBlockIndex: 0 }),
  encodeAwsEvent('messageStop', { stopReason: 'end_turn' }),
  encodeAwsEvent('metadata', { usage: { inputTokens: 11, outputTokens: 7, totalTokens: 18 }, metrics: { latencyMs: 1 } }),
]);

const fake = await startFakeOpenAI({
  record: false,
  handler: (request, response) => {
    const longStream = Number(request.header(LONG_STREAM_HEADER) ?? 0);
    if (longStream > 0) {
      streamFor(longStream, response);
      return true;
    }
    if (!request.path.startsWith('/model/')) return false;
    response.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'bench-request' });
    response.end(CONVERSE_STREAM);
    return true;
  },
});
process.stdout.write(`${JSON.stringify({ port: fake.port })}\n`);

/** One chat.completion.chunk per second for `seconds`, then usage and [DONE]; stops if the peer goes. */
function streamFor(seconds: number, response: ServerResponse): void {
  const chunk = (delta: Record<string, unknown>, finish: string | null, usage?: Record<string, number>): string =>
    `data: ${JSON.stringify({ id: 'long', object: 'chat.completion.chunk', created: 1, model: 'long', choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.write(chunk({ role: 'assistant', content: '' }, null));
  let sent = 0;
  const timer = setInterval(() => {
    if (response.destroyed) {
      clearInterval(timer);
      return;
    }
    if (++sent < seconds) {
      response.write(chunk({ content: ` t${sent}` }, null));
      return;
    }
    clearInterval(timer);
    response.write(chunk({}, 'stop'));
    response.write(chunk({}, null, { prompt_tokens: 5, completion_tokens: sent, total_tokens: 5 + sent }));
    response.end('data: [DONE]\n\n');
  }, 1000);
}

let closing = false;
const shutdown = (): void => {
  if (closing) return;
  closing = true;
  fake.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.resume();
