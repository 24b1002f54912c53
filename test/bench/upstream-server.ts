/**
 * Child-process entry for the benchmark's fake upstream: running it outside the load
 * generator's process keeps the two from competing for one event loop, which would skew the
 * direct baseline. Prints `{"port":N}` on stdout once listening; exits on SIGTERM/SIGINT or when
 * its parent closes stdin. Does nothing without `--serve`, so a test runner that loads every file
 * under test/ does not start a server that waits forever.
 */
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';

if (!process.argv.includes('--serve')) process.exit(0);
const fake = await startFakeOpenAI({ record: false });
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
