/**
 * The GCE metadata server's token endpoint on 127.0.0.1, for Application Default Credentials:
 * google-auth-library finds it through `GCE_METADATA_HOST` and asks it for the default service
 * account's token, which this serves (`Metadata-Flavor: Google` as the real one).
 */
import { createServer } from 'node:http';

export interface FakeGceMetadata {
  /** `127.0.0.1:<port>`, the value for GCE_METADATA_HOST. */
  readonly host: string;
  /** How many tokens were handed out. */
  readonly tokensIssued: number;
  close(): Promise<void>;
}

export async function startFakeGceMetadata(token: string): Promise<FakeGceMetadata> {
  let issued = 0;
  const server = createServer((req, res) => {
    const headers = { 'metadata-flavor': 'Google', 'content-type': 'application/json' };
    if (req.headers['metadata-flavor'] !== 'Google') {
      res.writeHead(403, headers).end('{"error":"missing Metadata-Flavor header"}');
    } else if (req.url?.startsWith('/computeMetadata/v1/instance/service-accounts/default/token')) {
      issued++;
      res.writeHead(200, headers).end(JSON.stringify({ access_token: token, expires_in: 3599, token_type: 'Bearer' }));
    } else if (req.url?.startsWith('/computeMetadata/v1/project/project-id')) {
      res.writeHead(200, { ...headers, 'content-type': 'text/plain' }).end('fake-project');
    } else {
      // The library probes the server root (and other paths) to detect GCE.
      res.writeHead(200, { ...headers, 'content-type': 'text/plain' }).end('');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('fake GCE metadata: no port');
  return {
    host: `127.0.0.1:${address.port}`,
    get tokensIssued() {
      return issued;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
