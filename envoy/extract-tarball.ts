// Extracts an Envoy release tarball with the system `tar` and locates the install root in it.
// Release tarballs hold a single top-level directory, e.g. envoy-v1.38.3-linux-amd64/bin/envoy
// (func-e strips that first path component); we accept bin/envoy at the top level as well.
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isExecutableFile } from './envoy-cache.js';
import { outputTail, runProcess } from '../common/run-process.js';

export type TarCompression = 'xz' | 'gzip';

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/** Identifies the compression from the file's magic bytes (the URL's extension is not trusted). */
export async function detectCompression(archivePath: string): Promise<TarCompression> {
  const file = await open(archivePath, 'r');
  try {
    const head = Buffer.alloc(XZ_MAGIC.length);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    const got = head.subarray(0, bytesRead);
    if (got.length >= XZ_MAGIC.length && got.subarray(0, XZ_MAGIC.length).equals(XZ_MAGIC)) return 'xz';
    if (got.length >= GZIP_MAGIC.length && got.subarray(0, GZIP_MAGIC.length).equals(GZIP_MAGIC)) return 'gzip';
    throw new Error('downloaded file is neither a .tar.xz nor a .tar.gz archive');
  } finally {
    await file.close();
  }
}

export async function extractTarball(archivePath: string, destDir: string, signal?: AbortSignal): Promise<void> {
  const compression = await detectCompression(archivePath);
  const flag = compression === 'xz' ? '-xJf' : '-xzf';
  // --no-same-owner: when run as root, do not hand files to the archive's recorded uid/gid.
  const result = await runProcess(['tar', flag, archivePath, '--no-same-owner', '-C', destDir], { signal });
  if (result.exitCode !== 0) {
    const hint = compression === 'xz' ? ' (is `xz` installed?)' : '';
    throw new Error(`tar ${flag} failed${hint}: ${outputTail(result) || `exit ${String(result.exitCode ?? result.signal)}`}`);
  }
}

/** Returns the directory inside extractedDir that contains bin/envoy. */
export async function findEnvoyRoot(extractedDir: string): Promise<string> {
  if (await isExecutableFile(join(extractedDir, 'bin', 'envoy'))) return extractedDir;
  const entries = await readdir(extractedDir, { withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const candidate = join(extractedDir, entry.name);
    if (await isExecutableFile(join(candidate, 'bin', 'envoy'))) return candidate;
  }
  throw new Error('archive does not contain an executable bin/envoy');
}
