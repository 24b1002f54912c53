import { execFile } from 'node:child_process';
import { writePrivateFileAtomically } from '../common/write-private-file.js';

/**
 * Envoy's own verdict on a bootstrap (`envoy --mode validate`): undefined when Envoy accepts it,
 * else its output lines. aigw gives Envoy its listeners, routes and clusters as xDS files
 * (file-xds.ts), and Envoy reads those more leniently than a static bootstrap (an unknown enum
 * value becomes the default), so resources that do not come from aigw's compiler alone (an
 * EnvoyProxy bootstrap merge) are checked in the static form first, where Envoy is strict.
 */
export async function validateBootstrap(binary: string, bootstrap: unknown, path: string, redact: (line: string) => string): Promise<string[] | undefined> {
  await writePrivateFileAtomically(path, JSON.stringify(bootstrap));
  return new Promise((resolve) => {
    execFile(binary, ['--mode', 'validate', '-c', path, '-l', 'error'], { timeout: 30_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      // Envoy quotes the configuration it rejects: its lines are redacted as its log is.
      const lines = `${stdout}${stderr}`.split('\n').filter((line) => line.trim() !== '').slice(-20).map(redact);
      resolve(error ? (lines.length > 0 ? lines : [error.message]) : undefined);
    });
  });
}
