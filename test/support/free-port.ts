import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on 127.0.0.1 (the OS picks it for port 0). Racy by
 * nature, but the window is short and the ports handed out are spread over the ephemeral range.
 */
export function freePort(): Promise<number> {
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
