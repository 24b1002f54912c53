import type { AigwDirs } from '../gateway/aigw-dirs.js';

/** The directory flags every command takes; resolveDirs fills in what is unset from the environment. */
export function dirFlags(values: { 'config-home'?: string | undefined; 'data-home'?: string | undefined; 'state-home'?: string | undefined; 'runtime-dir'?: string | undefined }): Partial<AigwDirs> {
  return { configHome: values['config-home'], dataHome: values['data-home'], stateHome: values['state-home'], runtimeDir: values['runtime-dir'] };
}
