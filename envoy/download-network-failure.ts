// SPDX-License-Identifier: Apache-2.0
//
// Telling "this machine cannot reach the download host" apart from "the host has nothing for
// this platform/version". Both end a download, but they call for different fixes (a network or
// proxy setting, or --envoy-path with a build from elsewhere), and pip words the first like the
// second: without a network it still ends with "No matching distribution found".

import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';

/** Node / undici error codes that mean the host was never reached, in plain words. */
const NETWORK_CODES: Readonly<Record<string, string>> = {
  ENOTFOUND: 'its name does not resolve (DNS)',
  EAI_AGAIN: 'its name could not be resolved (DNS unavailable)',
  EAI_NONAME: 'its name does not resolve (DNS)',
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  ENETUNREACH: 'the network is unreachable',
  EHOSTUNREACH: 'the host is unreachable',
  ENETDOWN: 'the network is down',
  EPROTO: 'the TLS handshake failed (a proxy or firewall in the way?)',
};

/** Why `err` (or an error in its `cause` chain) means the host was not reached, else undefined. */
export function networkFailureOfError(err: unknown): string | undefined {
  for (let current: unknown = err, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = 'code' in current ? String(current.code) : '';
    const reason = NETWORK_CODES[code];
    if (reason !== undefined) return `${reason} (${code})`;
  }
  return undefined;
}

/** pip's words (urllib3 via pip, stderr) for a host it did not reach, most specific first. */
const PIP_NETWORK_PATTERNS: readonly [RegExp, string][] = [
  [/ProxyError|Tunnel connection failed|407 Proxy Authentication/i, 'the proxy refused or failed the connection'],
  [/Name or service not known|nodename nor servname|Temporary failure in name resolution|getaddrinfo failed|No address associated/i, 'its name does not resolve (DNS)'],
  [/Connection refused/i, 'the connection was refused'],
  [/Network is unreachable|No route to host/i, 'the network is unreachable'],
  [/ConnectTimeoutError|Read timed out|timed out/i, 'the connection timed out'],
  [/SSLError|CERTIFICATE_VERIFY_FAILED/i, 'the TLS handshake failed (a proxy or firewall in the way?)'],
  [/NewConnectionError|Failed to establish a new connection|Max retries exceeded|connection broken/i, 'the connection failed'],
];

/** Why pip's output says it did not reach its index, else undefined. */
export function networkFailureInPipOutput(output: string): string | undefined {
  for (const [pattern, reason] of PIP_NETWORK_PATTERNS) if (pattern.test(output)) return reason;
  return undefined;
}

/** The index pip used: its "Looking in indexes:" line, PIP_INDEX_URL, else PyPI. */
export function pipIndexUrl(output: string, env: NodeJS.ProcessEnv): string {
  const shown = /Looking in indexes: (\S+)/.exec(output)?.[1];
  return shown ?? (env.PIP_INDEX_URL || 'https://pypi.org/simple');
}

/** `host:port` of a URL, for messages. */
export function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.port === '' ? parsed.hostname : `${parsed.hostname}:${parsed.port}`;
  } catch {
    return url;
  }
}

/**
 * Whether a TCP connection to the URL's host can be opened: undefined when it can, else why not.
 * For when a failure is ambiguous (pip reports no versions both offline and for a missing
 * wheel). Behind a proxy a direct connection says nothing about the proxied one: not probed.
 */
export async function probeHost(url: string, env: NodeJS.ProcessEnv, timeoutMs = 5000): Promise<string | undefined> {
  if (env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy || env.ALL_PROXY || env.all_proxy) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const port = Number(parsed.port || (parsed.protocol === 'http:' ? 80 : 443));
  try {
    const { address } = await lookup(parsed.hostname.replace(/^\[|\]$/g, ''));
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: address, port, timeout: timeoutMs });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('timeout', () => {
        socket.destroy();
        reject(Object.assign(new Error(`connecting to ${parsed.host} timed out`), { code: 'ETIMEDOUT' }));
      });
      socket.once('error', reject);
    });
    return undefined;
  } catch (err) {
    return networkFailureOfError(err) ?? (err instanceof Error ? err.message : String(err));
  }
}
