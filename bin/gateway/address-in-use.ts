import * as net from 'node:net';
import { AigwError } from '../../common/errors.js';

/** `host:port`, with brackets around an IPv6 host. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** What needs a port, and where to choose another one if there is such a flag. */
export interface PortUser {
  /** e.g. `the Gateway listener`. */
  name: string;
  flag?: string;
}

/** The one message for a port another process serves, whoever finds out (aigw's probe, Envoy, the ext_proc). */
export function addressInUseMessage(address: string, user: PortUser): string {
  return `address ${address} already in use (${user.name} needs it): another aigw or program is serving it${user.flag ? `; choose another with ${user.flag}` : ''}`;
}

/**
 * Fails with a clear RUN error when `host:port` cannot be listened on right now. A probe only:
 * two aigw started together may both pass it, and then the listener's own bind decides (Envoy's
 * listeners do not share ports: `enable_reuse_port: false`).
 */
export async function checkAddressFree(host: string, port: number, user: PortUser): Promise<void> {
  const error = await listenError(host, port);
  if (!error) return;
  const address = hostPort(host, port);
  throw new AigwError('RUN', error.code === 'EADDRINUSE' ? addressInUseMessage(address, user) : `cannot listen on ${address} (${user.name} needs it): ${error.message}`);
}

/** Whether another process has `host:port`, e.g. to explain why a child that listens there failed to start. */
export async function isAddressInUse(host: string, port: number): Promise<boolean> {
  return (await listenError(host, port))?.code === 'EADDRINUSE';
}

/** Listens on `host:port` and closes at once: undefined when that worked, else why not. */
function listenError(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', resolve);
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Envoy's fatal bind failure: `cannot bind '0.0.0.0:1975': Address already in use`. */
const ENVOY_BIND_CONFLICT = /cannot bind '([^']+)': Address already in use/;

/** The address Envoy could not bind because another process has it, from its last log lines. */
export function envoyBindConflict(logLines: readonly string[]): string | undefined {
  for (const line of logLines) {
    const match = ENVOY_BIND_CONFLICT.exec(line);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/** Envoy's non-fatal listen failure (it goes LIVE without the listener): `final pre-worker listener init for listener 'x' failed: cannot listen() errno=98`. */
const ENVOY_LISTEN_CONFLICT = /listener '[^']*' failed: cannot listen\(\) errno=98\b/;

/** Whether Envoy's last log lines show a listener whose listen() found its port taken (EADDRINUSE). */
export function envoyListenConflict(logLines: readonly string[]): boolean {
  return logLines.some((line) => ENVOY_LISTEN_CONFLICT.test(line));
}
