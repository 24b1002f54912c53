import { AigwError } from '../common/errors.js';
import { fullMatchRegExp } from '../common/full-match-regexp.js';
import { ipv4Cidr } from '../common/ipv4-cidr.js';
import { METADATA_NAMESPACE } from '../contract/filter-config.js';
import type { RateLimitAction, RateLimitCheck } from '../contract/rate-limit-config.js';
import type { DescriptorEntry } from './descriptor-tree.js';
import type { RequestDescriptor } from './rate-limit-request.js';

/** What Envoy's rate-limit actions read of a request, as the router sees it once it has routed it. */
export interface RequestFacts {
  /**
   * The request's headers after the router's own edits (what Envoy's filters after it would
   * see), by lower-case name, every value in order; values decoded with `decodeDescriptorValue`
   * so bytes that are not UTF-8 stay apart. Only the headers the checks read need be present.
   */
  headers: ReadonlyMap<string, readonly string[]>;
  /** The client's address (`ip:port` or `[ipv6]:port`, Envoy's `source.address`), when Envoy sent it. */
  sourceAddress?: string;
  /** The dynamic metadata the router sets on the request (namespace `io.envoy.ai_gateway`). */
  metadata: Readonly<Record<string, string | number>>;
}

/** Envoy's largest `hits_addend` from a format (ratelimit_config.cc: MAX_HITS_ADDEND). */
const MAX_FORMAT_HITS = 1_000_000_000;

type CompiledAction = Exclude<RateLimitAction, { kind: 'headerMatch' }> | { kind: 'headerMatch'; key: string; header: string; matches: (value: string) => boolean; expectMatch: boolean };

/** A request-time check with its header patterns compiled once (at load, not per request). */
export interface CompiledCheck {
  actions: readonly CompiledAction[];
  hits: RateLimitCheck['hits'];
}

/** Compiles checks; a regex JavaScript cannot run is a configuration error, raised at start. */
export function compileCheck(check: RateLimitCheck, where: string): CompiledCheck {
  return {
    hits: check.hits,
    actions: check.actions.map((action, index): CompiledAction => {
      if (action.kind !== 'headerMatch') return action;
      const match = action.match;
      if ('exact' in match) return { kind: 'headerMatch', key: action.key, header: action.header, expectMatch: action.expectMatch, matches: (value) => value === match.exact };
      let pattern: RegExp;
      try {
        pattern = fullMatchRegExp(match.regex);
      } catch (error) {
        throw new AigwError('CONFIG', `${where}.actions[${index}]: header ${action.header} regex ${JSON.stringify(match.regex)} does not compile: ${error instanceof Error ? error.message : String(error)}`);
      }
      return { kind: 'headerMatch', key: action.key, header: action.header, expectMatch: action.expectMatch, matches: (value) => pattern.test(value) };
    }),
  };
}

/** The headers a check's actions read. */
export function checkHeaders(check: RateLimitCheck): string[] {
  return check.actions.flatMap((action) => (action.kind === 'requestHeader' || action.kind === 'headerMatch' ? [action.header] : []));
}

/**
 * The descriptor Envoy's rate-limit filter would send for this check, or undefined when Envoy
 * would send none: an action that yields no entry (header absent, no match, no IP address) or a
 * `hits_addend` from metadata that is not a number from 0 to 10^9 skips the whole descriptor.
 */
export function requestDescriptor(check: CompiledCheck, facts: RequestFacts): RequestDescriptor | undefined {
  const entries: DescriptorEntry[] = [];
  for (const action of check.actions) {
    const entry = actionEntry(action, facts);
    if (!entry) return undefined;
    entries.push(entry);
  }
  const hits = check.hits;
  if (!hits) return { entries };
  if ('number' in hits) return { entries, hitsAddend: hits.number };
  const value = hits.metadata.namespace === METADATA_NAMESPACE ? facts.metadata[hits.metadata.key] : undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(number) || number < 0 || number > MAX_FORMAT_HITS) return undefined;
  return { entries, hitsAddend: Math.trunc(number) };
}

function actionEntry(action: CompiledAction, facts: RequestFacts): DescriptorEntry | undefined {
  switch (action.kind) {
    case 'generic':
      return { key: action.key, value: action.value };
    case 'requestHeader': {
      // Envoy counts under the first value (RequestHeadersAction).
      const value = facts.headers.get(action.header)?.[0];
      return value === undefined ? undefined : { key: action.key, value };
    }
    case 'headerMatch': {
      // Envoy's header matchers see every value joined by `,`; an absent header matches nothing.
      const values = facts.headers.get(action.header);
      const matched = values !== undefined && values.length > 0 && action.matches(values.join(','));
      return matched === action.expectMatch ? { key: action.key, value: action.key } : undefined;
    }
    case 'maskedRemoteAddress': {
      const ip = addressIp(facts.sourceAddress);
      if (ip === undefined) return undefined;
      return { key: 'masked_remote_address', value: maskAddress(ip, action.prefixLength) };
    }
    case 'remoteAddress': {
      const ip = addressIp(facts.sourceAddress);
      return ip === undefined ? undefined : { key: 'remote_address', value: ip };
    }
  }
}

/** The IP of `ip:port` / `[ipv6]:port` (Envoy's `source.address`); undefined for anything else (a pipe). */
export function addressIp(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  if (address.startsWith('[')) {
    const end = address.indexOf(']');
    return end > 1 ? address.slice(1, end) : undefined;
  }
  const colon = address.lastIndexOf(':');
  const ip = colon > 0 ? address.slice(0, colon) : '';
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) ? ip : undefined;
}

/**
 * Envoy's masked_remote_address value: the address masked to the prefix, as a CIDR range
 * (`10.1.2.3`, 8 → `10.0.0.0/8`). IPv6 keeps all 128 bits (the action's v6 mask, unset, is 128).
 */
export function maskAddress(ip: string, v4PrefixLength: number): string {
  return ip.includes(':') ? `${ip}/128` : ipv4Cidr(ip.split('.').map(Number), v4PrefixLength);
}
