import { isRecord } from '../../common/json-guards.js';
import { redactFilterConfig, type FilterConfig } from '../../contract/filter-config.js';
import { configuredCredentialHeaders, isCredentialHeader } from '../../extproc/request/sensitive-headers.js';
import { secretVariants, type RedactionRules } from '../../envoy/log-redactor.js';

const REDACTED = '<redacted>';

/**
 * Every credential in a filter config: the values `redactFilterConfig` (what `translate` prints)
 * replaces, found by comparing the two, so a new kind of secret redacted there is covered here too.
 */
export function configSecrets(config: FilterConfig): string[] {
  const found: string[] = [];
  const walk = (value: unknown, redacted: unknown): void => {
    if (typeof value === 'string') {
      if (redacted === REDACTED && value !== REDACTED) found.push(value);
    } else if (Array.isArray(value) && Array.isArray(redacted)) {
      value.forEach((item, index) => walk(item, redacted[index]));
    } else if (isRecord(value) && isRecord(redacted)) {
      for (const [key, item] of Object.entries(value)) walk(item, redacted[key]);
    }
  };
  walk(config, redactFilterConfig(config));
  return found;
}

/**
 * What aigw takes out of its children's output for this configuration, and for the rate-limit
 * Redis URL when there is one (its password, and the whole URL, which a client error may quote).
 */
export function redactionRules(config: FilterConfig, redisUrl?: string): RedactionRules {
  const overrideHeaders = configuredCredentialHeaders(config);
  return { secrets: secretVariants([...configSecrets(config), ...redisUrlSecrets(redisUrl)]), isCredentialHeader: (name) => isCredentialHeader(name, overrideHeaders) };
}

function redisUrlSecrets(redisUrl: string | undefined): string[] {
  if (redisUrl === undefined) return [];
  let password = '';
  try {
    password = decodeURIComponent(new URL(redisUrl).password);
  } catch {
    // run.ts checked the URL; a password that does not decode is taken as written.
    password = /^[a-z]+:\/\/[^:@/]*:([^@/]*)@/.exec(redisUrl)?.[1] ?? '';
  }
  return password === '' ? [] : [redisUrl, password];
}
