// Source 3: the official release archive that func-e uses. Reads the versions index, downloads the
// tarball for this platform with progress, verifies its SHA-256 before extracting anything, and
// installs it into the cache with an atomic rename.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cachedEnvoyPath, createStagingDir, envoyVersionDir, installVersionDir } from './envoy-cache.js';
import { findEnvoyTarball } from './envoy-versions-index.js';
import { createDownloadProgress, formatBytes, type DownloadProgress } from './download-progress.js';
import { downloadFile, fetchJson, type DownloadedFile } from './download-file.js';
import { hostOf, networkFailureOfError } from './download-network-failure.js';
import { extractTarball, findEnvoyRoot } from './extract-tarball.js';

export interface ArchiveSourceOptions {
  dataHome: string;
  version: string;
  /** "GOOS/GOARCH" key, or undefined when this host has no official build. */
  platform: string | undefined;
  versionsUrl: string;
  log: (line: string) => void;
  progress?: NodeJS.WritableStream;
  signal?: AbortSignal;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
}

/** Downloads and installs Envoy from the release archive; returns the cached binary path. */
export async function obtainFromArchive(opts: ArchiveSourceOptions): Promise<string> {
  if (opts.platform === undefined) {
    throw new Error(`no official Envoy build exists for ${process.platform}/${process.arch}`);
  }
  const timeouts = { signal: opts.signal, connectTimeoutMs: opts.connectTimeoutMs, idleTimeoutMs: opts.idleTimeoutMs };
  const index = await fetchJson(opts.versionsUrl, timeouts).catch((err: unknown) => {
    throw unreachable(opts.versionsUrl, err);
  });
  const tarball = findEnvoyTarball(index, opts.version, opts.platform);

  const staging = await createStagingDir(opts.dataHome, `${opts.version}-download`);
  try {
    const archivePath = join(staging, 'envoy-archive');
    opts.log(`Downloading Envoy ${opts.version} (${opts.platform}) from ${tarball.url}`);
    let bar: DownloadProgress | undefined;
    let downloaded: DownloadedFile;
    try {
      downloaded = await downloadFile(tarball.url, archivePath, {
        ...timeouts,
        onStart: (total) => {
          bar = createDownloadProgress({ label: `envoy ${opts.version}`, total, log: opts.log, stream: opts.progress });
        },
        onProgress: (received) => bar?.update(received),
      });
    } catch (err) {
      bar?.fail();
      throw unreachable(tarball.url, err);
    }
    bar?.done();
    if (downloaded.sha256 !== tarball.sha256) {
      throw new Error(
        `checksum mismatch for ${tarball.fileName}: expected sha256 ${tarball.sha256}, got ${downloaded.sha256} ` +
          `(${formatBytes(downloaded.bytes)} received); the download was discarded`,
      );
    }
    const extractDir = join(staging, 'extract');
    await mkdir(extractDir);
    await extractTarball(archivePath, extractDir, opts.signal);
    const root = await findEnvoyRoot(extractDir);
    const outcome = await installVersionDir(root, envoyVersionDir(opts.dataHome, opts.version));
    if (outcome === 'already-present') opts.log(`Envoy ${opts.version} was installed concurrently by another process; using it`);
    return cachedEnvoyPath(opts.dataHome, opts.version);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * A download error that means the release host was never reached says so, with the host, instead
 * of fetch's "fetch failed"; any other error (an HTTP status, a bad index) is returned as it is.
 */
function unreachable(url: string, err: unknown): unknown {
  const reason = networkFailureOfError(err);
  return reason === undefined ? err : new Error(`no network access to the release host ${hostOf(url)}: ${reason}`, { cause: err });
}
