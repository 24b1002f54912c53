/**
 * Microsoft Entra ID's client-credentials token endpoint over HTTPS on localhost (MSAL refuses
 * plain-HTTP authorities), with a throwaway self-signed certificate: point aigw at it with
 * `AZURE_AUTHORITY_HOST=<url>` and `NODE_EXTRA_CA_CERTS=<caFile>`. It checks the client id and
 * secret like the real service and records the tokens it issued.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeEntraId {
  /** `https://localhost:<port>` */
  readonly url: string;
  /** PEM certificate to trust. */
  readonly caFile: string;
  readonly tokensIssued: number;
  close(): Promise<void>;
}

export async function startFakeEntraId(options: { tenantId: string; clientId: string; clientSecret: string; token: string }): Promise<FakeEntraId> {
  const dir = mkdtempSync(join(tmpdir(), 'aigw-entra-'));
  const keyFile = join(dir, 'key.pem');
  const caFile = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  let issued = 0;
  let base = '';
  const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(caFile) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      const tenant = `/${options.tenantId}`;
      if (url.pathname.endsWith('/discovery/instance')) {
        json(200, { tenant_discovery_endpoint: `${base}${tenant}/v2.0/.well-known/openid-configuration`, metadata: [] });
      } else if (url.pathname === `${tenant}/v2.0/.well-known/openid-configuration`) {
        json(200, {
          token_endpoint: `${base}${tenant}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}${tenant}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}${tenant}/oauth2/v2.0/logout`,
          issuer: `${base}${tenant}/v2.0`,
          jwks_uri: `${base}${tenant}/discovery/v2.0/keys`,
        });
      } else if (url.pathname === `${tenant}/oauth2/v2.0/token` && req.method === 'POST') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        if (form.get('client_id') !== options.clientId || form.get('client_secret') !== options.clientSecret || form.get('grant_type') !== 'client_credentials') {
          json(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
          return;
        }
        issued++;
        json(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: options.token });
      } else {
        json(404, { error: 'not_found', error_description: url.pathname });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('fake Entra ID: no port');
  base = `https://localhost:${address.port}`;
  return {
    url: base,
    caFile,
    get tokensIssued() {
      return issued;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
