// Typed lookup into func-e's envoy-versions.json (https://archive.tetratelabs.io/envoy/envoy-versions.json,
// schema https://archive.tetratelabs.io/release-versions-schema.json). Shape, as func-e reads it:
//   {
//     "latestVersion": "1.38.3",
//     "versions": { "1.38.3": { "releaseDate": "2025-..", "tarballs": { "linux/amd64": "https://.../envoy-v1.38.3-linux-amd64.tar.xz" } } },
//     "sha256sums": { "envoy-v1.38.3-linux-amd64.tar.xz": "<64 hex>" }
//   }
// The checksum is keyed by the tarball URL's base name. Only the entries this lookup needs are
// validated, so unrelated malformed versions in the index do not break us.

export const DEFAULT_ENVOY_VERSIONS_URL = 'https://archive.tetratelabs.io/envoy/envoy-versions.json';

export interface EnvoyTarball {
  url: string;
  /** Base name of the URL path, the key into "sha256sums", e.g. envoy-v1.38.3-linux-amd64.tar.xz */
  fileName: string;
  /** Lower-case hex SHA-256 of the tarball. */
  sha256: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(record: Record<string, unknown>, name: string): unknown {
  // Go's encoding/json (what func-e uses) matches keys case-insensitively; do the same.
  if (name in record) return record[name];
  const lower = name.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : record[key];
}

/** Finds the tarball URL and SHA-256 for a version and platform; throws a descriptive Error if absent. */
export function findEnvoyTarball(index: unknown, version: string, platform: string): EnvoyTarball {
  if (!isRecord(index)) throw new Error('versions index is not a JSON object');
  const versions = field(index, 'versions');
  if (!isRecord(versions)) throw new Error('versions index has no "versions" object');
  const release = versions[version] ?? versions[`v${version}`];
  if (release === undefined) throw new Error(`version ${version} is not listed in the versions index`);
  if (!isRecord(release)) throw new Error(`versions index entry for ${version} is not an object`);
  const tarballs = field(release, 'tarballs');
  const url = isRecord(tarballs) ? tarballs[platform] : undefined;
  if (typeof url !== 'string' || url === '') {
    throw new Error(`no Envoy ${version} build for platform ${platform} in the versions index`);
  }
  let fileName: string;
  try {
    fileName = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {
    throw new Error(`invalid tarball URL for ${version} ${platform}: ${url}`);
  }
  const sums = field(index, 'sha256sums');
  const sha256 = isRecord(sums) ? sums[fileName] : undefined;
  if (typeof sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha256)) {
    throw new Error(`versions index has no valid sha256sums entry for ${fileName}`);
  }
  return { url, fileName, sha256: sha256.toLowerCase() };
}
