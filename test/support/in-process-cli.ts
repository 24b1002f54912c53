/**
 * `aigw validate` and `aigw translate` called as functions, for tests that run them over a corpus:
 * a Node process per file costs about half a second of start-up on a busy 2-core machine, which
 * for 50 files is most of the test's time. The functions are the ones bin/aigw.ts calls after
 * parsing argv, so only flag parsing and exit-code mapping are skipped; each suite keeps a real
 * CLI spawn or two (test/support/run-cli.ts) to cover that path.
 */
import { Writable } from 'node:stream';
import { translateConfig, type TranslateOptions } from '../../bin/commands/translate-config.js';
import { validateConfigs, type ValidateOptions } from '../../bin/commands/validate-configs.js';
import type { CliResult } from './run-cli.js';

/** A stream that keeps what is written to it, for the commands' stdout and stderr. */
class TextSink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/**
 * `aigw validate <inputs…>`: exit code 0 valid, 1 invalid, as the CLI; anything thrown (a usage
 * error included) propagates, since the corpus tests only pass paths.
 */
export async function validateInProcess(inputs: string[], options: Partial<Pick<ValidateOptions, 'output' | 'strict' | 'env'>> & { input?: string } = {}): Promise<CliResult> {
  const stdout = new TextSink();
  const code = await validateConfigs({
    inputs,
    output: options.output ?? 'text',
    strict: options.strict ?? false,
    env: options.env ?? process.env,
    readStdin: () => Promise.resolve(options.input ?? ''),
    stdout,
  });
  return { code, stdout: stdout.text, stderr: '' };
}

/**
 * `aigw translate <paths…>` printed to a string. A configuration aigw refuses throws the error the
 * CLI would print (an AigwError), as the CLI then exits non-zero.
 */
export async function translateInProcess(configPaths: string[], options: Partial<Pick<TranslateOptions, 'output' | 'showSecrets' | 'env'>> = {}): Promise<CliResult> {
  const stdout = new TextSink();
  const stderr = new TextSink();
  const code = await translateConfig({
    configPaths,
    output: options.output ?? 'yaml',
    showSecrets: options.showSecrets ?? false,
    env: options.env ?? process.env,
    stdout,
    stderr,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
