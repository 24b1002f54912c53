// Reads the version of an Envoy binary from `envoy --version`, which prints e.g.
//   envoy  version: 0ebfcfe5b0484b89ca85b761da9e05ce75dbda8d/1.38.3/Modified/RELEASE/BoringSSL
import { AigwError } from '../common/errors.js';
import { describeError } from './envoy-errors.js';
import { outputTail, runProcess, type ProcessResult } from '../common/run-process.js';

export interface EnvoyBinaryVersion {
  /** Semantic version, e.g. "1.38.3" (may carry a suffix such as "-dev"). */
  version: string;
  /** Source commit SHA from the build. */
  commit: string;
  /** The whole "version:" line, trimmed, suitable for showing to users. */
  line: string;
}

const VERSION_LINE = /version:\s*([0-9a-f]{7,40})\/(\d+\.\d+\.\d+[^/\s]*)\//;

/** Parses `envoy --version` output; undefined when it does not look like Envoy's. */
export function parseEnvoyVersionOutput(output: string): EnvoyBinaryVersion | undefined {
  for (const raw of output.split('\n')) {
    const match = VERSION_LINE.exec(raw);
    if (match?.[1] !== undefined && match[2] !== undefined) {
      return { commit: match[1], version: match[2], line: raw.trim() };
    }
  }
  return undefined;
}

export interface EnvoyBinaryVersionOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs `<path> --version`; throws an ENVOY AigwError if it fails or prints no version. */
export async function getEnvoyBinaryVersion(
  path: string,
  opts: EnvoyBinaryVersionOptions = {},
): Promise<EnvoyBinaryVersion> {
  let result: ProcessResult;
  try {
    result = await runProcess([path, '--version'], {
      signal: opts.signal,
      timeoutMs: opts.timeoutMs ?? 30_000,
      env: opts.env,
    });
  } catch (err) {
    if (opts.signal?.aborted === true) throw err;
    throw new AigwError('ENVOY', `${path} could not be started: ${describeError(err)}`);
  }
  const parsed = parseEnvoyVersionOutput(`${result.stdout}\n${result.stderr}`);
  if (result.exitCode !== 0 || parsed === undefined) {
    const status = result.signal !== null ? `killed by ${result.signal}` : `exit ${String(result.exitCode)}`;
    const tail = outputTail(result);
    throw new AigwError(
      'ENVOY',
      `\`${path} --version\` did not report an Envoy version (${status})${tail === '' ? '' : `: ${tail}`}`,
    );
  }
  return parsed;
}
