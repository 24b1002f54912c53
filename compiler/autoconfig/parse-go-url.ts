// SPDX-License-Identifier: Apache-2.0
//
// The subset of Go's net/url `url.Parse` that upstream auto-config depends on (base URLs in
// internal/autoconfig/config.go, MCP server URLs in mcp.go): scheme detection (`localhost:11434/v1` has the scheme `localhost`), authority and host
// validation, percent-decoding of the path, and Go's error texts (`parse ":::invalid": missing
// protocol scheme`). WHATWG `URL` differs on every one of these, so it is not used.

import { AigwError } from '../../common/errors.js';
/** What auto-config reads from a parsed URL. */
export interface GoUrl {
  /** Lower-cased, as Go does. */
  scheme: string;
  /** `u.Hostname()`: brackets and port stripped, userinfo dropped, case preserved. */
  hostname: string;
  /** `u.Port()`: the digits after the host's last colon, or ''. */
  port: string;
  /** `u.Path`: percent-decoded. */
  path: string;
  /** Set for `scheme:opaque` URLs (no `//`), where the hostname is empty. */
  opaque: string;
}

/** A failed parse; the message is Go's `*url.Error` text: `parse "<url>": <reason>`. */
function goUrlError(rawUrl: string, reason: string): AigwError {
  return new AigwError('CONFIG', `parse ${goQuote(rawUrl)}: ${reason}`);
}

/** Go's `url.Parse(raw)`. Throws a CONFIG AigwError. */
export function parseGoUrl(raw: string): GoUrl {
  if ([...raw].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) throw goUrlError(raw, 'net/url: invalid control character in URL');
  const hash = raw.indexOf('#');
  const withoutFragment = hash >= 0 ? raw.slice(0, hash) : raw;
  const { scheme, rest: afterScheme } = getScheme(raw, withoutFragment);
  let rest = afterScheme;
  const question = rest.indexOf('?');
  if (question >= 0) rest = rest.slice(0, question);
  const result: GoUrl = { scheme: scheme.toLowerCase(), hostname: '', port: '', path: '', opaque: '' };
  if (!rest.startsWith('/')) {
    if (scheme !== '') {
      result.opaque = rest;
      return result;
    }
    const slash = rest.indexOf('/');
    const segment = slash >= 0 ? rest.slice(0, slash) : rest;
    if (segment.includes(':')) throw goUrlError(raw, 'first path segment in URL cannot contain colon');
  }
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    const afterSlashes = rest.slice(2);
    const slash = afterSlashes.indexOf('/');
    const authority = slash >= 0 ? afterSlashes.slice(0, slash) : afterSlashes;
    rest = slash >= 0 ? afterSlashes.slice(slash) : '';
    const host = parseAuthorityHost(raw, authority);
    const split = splitHostPort(host);
    result.hostname = split.hostname;
    result.port = split.port;
  }
  result.path = unescape(raw, rest, 'path');
  return result;
}

function getScheme(raw: string, text: string): { scheme: string; rest: string } {
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return { scheme: '', rest: text };
      continue;
    }
    if (c === ':') {
      if (i === 0) throw goUrlError(raw, 'missing protocol scheme');
      return { scheme: text.slice(0, i), rest: text.slice(i + 1) };
    }
    return { scheme: '', rest: text };
  }
  return { scheme: '', rest: text };
}

/** `parseAuthority` + `parseHost`: returns the (unescaped) host, port included. */
function parseAuthorityHost(raw: string, authority: string): string {
  const at = authority.lastIndexOf('@');
  const host = at >= 0 ? authority.slice(at + 1) : authority;
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) throw goUrlError(raw, 'net/url: invalid userinfo');
  }
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw goUrlError(raw, "missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw goUrlError(raw, `invalid port ${goQuote(colonPort)} after host`);
    return unescape(raw, host, 'host');
  }
  const colon = host.lastIndexOf(':');
  if (colon >= 0) {
    const colonPort = host.slice(colon);
    if (!validOptionalPort(colonPort)) throw goUrlError(raw, `invalid port ${goQuote(colonPort)} after host`);
  }
  return unescape(raw, host, 'host');
}

function validOptionalPort(port: string): boolean {
  return port === '' || /^:[0-9]*$/.test(port);
}

function splitHostPort(host: string): { hostname: string; port: string } {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    const hostname = close >= 0 ? host.slice(1, close) : host.slice(1);
    const after = close >= 0 ? host.slice(close + 1) : '';
    return { hostname, port: after.startsWith(':') ? after.slice(1) : '' };
  }
  const colon = host.lastIndexOf(':');
  if (colon < 0) return { hostname: host, port: '' };
  return { hostname: host.slice(0, colon), port: host.slice(colon + 1) };
}

/** Characters Go accepts unescaped in a host name (`shouldEscape(c, encodeHost)` is false). */
const HOST_CHAR = /[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]/;

function unescape(raw: string, text: string, mode: 'path' | 'host'): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw goUrlError(raw, `invalid URL escape ${goQuote(text.slice(i, i + 3))}`);
      // Go only lets a host escape produce a non-ASCII byte (or, in an IPv6 zone, anything).
      if (mode === 'host' && parseInt(hex, 16) < 0x80 && hex !== '25') {
        throw goUrlError(raw, `invalid URL escape ${goQuote(text.slice(i, i + 3))}`);
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
      continue;
    }
    if (mode === 'host' && c.charCodeAt(0) < 0x80 && !HOST_CHAR.test(c)) throw goUrlError(raw, `invalid character ${goQuote(c)} in host name`);
    bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Go's `%q` for the strings that occur here (printable ASCII and UTF-8 kept, others escaped). */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
