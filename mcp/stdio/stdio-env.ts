// SPDX-License-Identifier: Apache-2.0
//
// The environment of a stdio MCP server started by `aigw run` (stdio-bridge.ts).

/**
 * `${NAME}`, `${NAME:-default}` (default when NAME is unset or empty) and VS Code / Cursor's
 * `${env:NAME}`. A bare `$NAME` is left alone: env values are often secrets or shell snippets
 * where `$` is literal, and the MCP clients whose files we read only expand the braced forms.
 */
const REFERENCE = /\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces the `${...}` references in `value` from `env`; an unset variable becomes ''. */
export function substituteEnvReferences(value: string, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
    const found = Object.hasOwn(env, name) ? env[name] : undefined;
    if (fallback !== undefined && (found === undefined || found === '')) return fallback;
    return found ?? '';
  });
}

/**
 * aigw's own environment plus the server's `env` entries (which win), with references in those
 * entries resolved against aigw's environment only, never against each other, so the order of
 * keys in the JSON cannot change the result. The whole environment is inherited (as upstream's
 * exec.Command does), not the SDK's short safe list: servers expect PATH, proxies, HOME, ....
 */
export function buildStdioEnv(base: Readonly<Record<string, string | undefined>>, overrides: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  const set = (name: string, value: string): void => void Object.defineProperty(env, name, { value, enumerable: true, writable: true, configurable: true });
  for (const [name, value] of Object.entries(base)) if (value !== undefined) set(name, value);
  for (const [name, value] of Object.entries(overrides ?? {})) set(name, substituteEnvReferences(value, base));
  return env;
}
