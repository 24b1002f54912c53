import { createServer } from 'node:net';

/**
 * Ports are drawn below Linux's ephemeral range (32768–60999 by default): a port the OS picked
 * for port 0 is one it also hands out as the local port of outgoing connections, and under load
 * (thousands of connections through the gateway) one of those took a test's listener port between
 * the probe and Envoy's bind.
 */
const LOW = 10_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

/** A TCP port free on 127.0.0.1 a moment ago, never handed out twice by this process. Racy by nature. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  return listenAnywhere();
}

/** Whether `port` is free on every interface (what the zero-config gateway's fixed 1975 needs); tests skip when it is not. */
export function portFreeEverywhere(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The fallback: whatever port the OS picks. */
function listenAnywhere(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = address !== null && typeof address === 'object' ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('freePort: no TCP port assigned'))));
    });
  });
}
