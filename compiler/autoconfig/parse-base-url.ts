// SPDX-License-Identifier: Apache-2.0
import { isIP } from 'node:net';
import { parseGoUrl } from './parse-go-url.js';
import { AigwError, isAigwError } from '../../common/errors.js';

/** Where a provider is reached, from its base URL (upstream internal/autoconfig/config.go `parseURL`). */
export interface ParsedBaseUrl {
  /** `u.Hostname()`: an IP literal (IPv6 without brackets) or a host name (case preserved). */
  host: string;
  /** Rendered as a Backend `ip` endpoint rather than `fqdn`. */
  isIp: boolean;
  port: number;
  /** The path without its leading `/`; '' for `/v1`, which is the schema default (upstream internal/autoconfig/config.go `parseURL`). */
  version: string;
  /** `https` ⇒ a BackendTLSPolicy. */
  needsTls: boolean;
}

/**
 * Parses OPENAI_BASE_URL, AZURE_OPENAI_ENDPOINT or ANTHROPIC_BASE_URL exactly as upstream does.
 * Throws a CONFIG AigwError with upstream's message.
 */
export function parseBaseUrl(baseUrl: string): ParsedBaseUrl {
  let url;
  try {
    url = parseGoUrl(baseUrl);
  } catch (error) {
    if (isAigwError(error, 'CONFIG')) throw new AigwError('CONFIG', `invalid base URL: ${error.message}`);
    throw error;
  }
  if (url.hostname === '') throw new AigwError('CONFIG', 'invalid base URL: missing hostname');
  let port: number;
  if (url.port === '') {
    if (url.scheme === 'https') port = 443;
    else if (url.scheme === 'http') port = 80;
    else throw new AigwError('CONFIG', `invalid base URL: unsupported scheme ${JSON.stringify(url.scheme)}`);
  } else {
    const parsed = goAtoi(url.port);
    if (typeof parsed === 'string') throw new AigwError('CONFIG', `invalid port in base URL: ${parsed}`);
    port = parsed;
  }
  let version = url.path.startsWith('/') ? url.path.slice(1) : url.path;
  if (version === 'v1') version = '';
  return { host: url.hostname, isIp: isIpAddress(url.hostname), port, version, needsTls: url.scheme === 'https' };
}

/** Go's `netip.ParseAddr` succeeds: IPv4, IPv6, IPv6 with a zone. */
export function isIpAddress(host: string): boolean {
  if (isIP(host) !== 0) return true;
  const percent = host.indexOf('%');
  return percent > 0 && percent < host.length - 1 && isIP(host.slice(0, percent)) === 6;
}

/**
 * `strconv.Atoi` on digits Go's URL parser already validated: only overflow can fail, with
 * Go's message (returned as a string).
 */
export function goAtoi(digits: string): number | string {
  if (BigInt(digits) > 9223372036854775807n) return `strconv.Atoi: parsing ${JSON.stringify(digits)}: value out of range`;
  return Number(digits);
}
