/**
 * The entry of a long-running measurement script (`npm run bench`, `bench:mcp`, `soak`): skipped
 * when the test runner loads it (`node --test dist/` loads every file under test/), cleaned up
 * on Ctrl-C, and its result or failure turned into the exit code.
 */
export function runScript(options: { npmScript: string; log: (line: string) => void; main: () => Promise<number>; cleanup: () => Promise<void> }): void {
  const { log, cleanup } = options;
  if (process.env.NODE_TEST_CONTEXT !== undefined) {
    log(`skipped under the test runner; run \`npm run ${options.npmScript}\``);
    process.exit(0);
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  void options.main().then(
    (code) => {
      process.exitCode = code;
    },
    async (error: unknown) => {
      log(`error: ${error instanceof Error ? error.message : String(error)}`);
      await cleanup();
      process.exitCode = 1;
    },
  );
}
