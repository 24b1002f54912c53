// SPDX-License-Identifier: Apache-2.0
import { createLineRedactor, secretVariants, type LineRedactor } from '../../envoy/log-redactor.js';

/**
 * Variables whose values are credentials by their name. A stdio server inherits aigw's whole
 * environment (stdio-env.ts), so it can print a provider key it never needed.
 */
const CREDENTIAL_NAME = /key|token|secret|password|credential/i;

/**
 * What aigw takes out of a stdio MCP server's command line and stderr before printing them: the
 * values of the server's own `env` entries (that is where MCP configs put a server's credentials),
 * the values of credential-named variables of its environment, and `Bearer` tokens, by the same
 * rules as Envoy's output (envoy/log-redactor.ts). Secrets shorter than 8 characters are not
 * searched for there, so placeholders such as `unused` are left alone.
 */
export function stdioServerRedactor(env: Readonly<Record<string, string>>, configured: Iterable<string>): LineRedactor {
  const secrets = new Set<string>();
  for (const name of configured) {
    const value = env[name];
    if (value !== undefined) secrets.add(value);
  }
  for (const [name, value] of Object.entries(env)) if (CREDENTIAL_NAME.test(name)) secrets.add(value);
  return createLineRedactor({ secrets: secretVariants(secrets), isCredentialHeader: () => false });
}
