import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AIGW_BIN } from './aigw-process.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the compiled `aigw` CLI to completion with private state/runtime directories, optionally
 * feeding `input` on stdin, and returns its exit code and output (never throws on a non-zero exit).
 */
export async function runCli(args: string[], options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-cli-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AIGW_BIN, ...args], {
      env: { ...process.env, AIGW_STATE_HOME: join(dir, 'state'), AIGW_RUNTIME_DIR: join(dir, 'run'), ...options.env },
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
