// Maps Node's platform/arch names onto the "GOOS/GOARCH" keys used by envoy-versions.json.

export type EnvoyPlatform = 'linux/amd64' | 'linux/arm64' | 'darwin/amd64' | 'darwin/arm64';

export function envoyPlatform(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): EnvoyPlatform | undefined {
  const goArch = arch === 'x64' ? 'amd64' : arch === 'arm64' ? 'arm64' : undefined;
  if (goArch === undefined) return undefined;
  if (platform === 'linux') return goArch === 'amd64' ? 'linux/amd64' : 'linux/arm64';
  if (platform === 'darwin') return goArch === 'amd64' ? 'darwin/amd64' : 'darwin/arm64';
  return undefined;
}
