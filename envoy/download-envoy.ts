// `aigw download-envoy`: make sure the pinned Envoy is in the cache (downloading it if needed),
// then print where it is and what it reports as its version.
import { getEnvoyBinaryVersion } from './envoy-binary-version.js';
import { obtainEnvoy, type ObtainEnvoyOptions, type ObtainedEnvoy } from './obtain-envoy.js';

export interface DownloadEnvoyOptions extends Omit<ObtainEnvoyOptions, 'explicitPath' | 'explicitPathOrigin'> {
  /** Result lines (stdout): the binary path, then Envoy's version line. */
  out: (line: string) => void;
}

export interface DownloadedEnvoy extends ObtainedEnvoy {
  /** Version reported by the binary itself, e.g. "1.38.3". */
  reportedVersion: string;
  /** Envoy's own `--version` line. */
  versionLine: string;
}

/**
 * Populates the cache regardless of --envoy-path/AIGW_ENVOY_PATH (this command is about the
 * managed copy), and runs the binary once so a download that cannot execute here is reported now
 * rather than at the first `aigw run`.
 */
export async function downloadEnvoy(opts: DownloadEnvoyOptions): Promise<DownloadedEnvoy> {
  // Spread + explicit undefined: an untyped caller's stray explicitPath must not bypass the cache.
  const obtained = await obtainEnvoy({ ...opts, explicitPath: undefined });
  opts.log(obtained.source === 'cache' ? `Envoy ${opts.version} is already downloaded` : `Envoy ${opts.version} installed`);
  const reported = await getEnvoyBinaryVersion(obtained.path, { signal: opts.signal });
  if (reported.version !== opts.version) {
    opts.log(`warning: ${obtained.path} reports version ${reported.version}, expected ${opts.version}`);
  }
  opts.out(obtained.path);
  opts.out(reported.line);
  return { ...obtained, reportedVersion: reported.version, versionLine: reported.line };
}
