/**
 * Child-process entry for the benchmark's fake upstream: running it outside the load
 * generator's process keeps the two from competing for one event loop, which would skew the
 * direct baseline. Prints `{"port":N}` on stdout once listening; exits on SIGTERM/SIGINT or when
 * its parent closes stdin. Does nothing without `--serve`, so a test runner that loads every file
 * under test/ does not start a server that waits forever.
 */
import { encodeAwsEvent } from '../../extproc/translator/aws-event-stream.js';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
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
    if (!request.path.startsWith('/model/')) return false;
    response.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'bench-request' });
    response.end(CONVERSE_STREAM);
    return true;
  },
});
process.stdout.write(`${JSON.stringify({ port: fake.port })}\n`);

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
