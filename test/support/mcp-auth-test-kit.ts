// Test helpers (not a test file): locally generated signing keys, token minting, and one local HTTP
// server that plays both the JWKS endpoint and the issuer's discovery documents.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

import type { McpOAuthConfig, McpRouteConfig } from '../../contract/mcp-config.js';
import type { McpHttpRequest } from '../../mcp/auth/mcp-route-auth.js';

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function signingKey(alg: 'RS256' | 'ES256', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, jwk };
}

export const ISSUER_PATH = '/realms/test';
/** Fixed test clock (epoch ms). */
export const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
export const nowSeconds = (): number => Math.floor(NOW / 1000);

export async function mint(key: SigningKey, claims: JWTPayload, options: { issuer: string; audience?: string; expiresIn?: number; notBefore?: number; kid?: string }): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid, typ: 'JWT' })
    .setIssuer(options.issuer)
    .setIssuedAt(nowSeconds())
    .setExpirationTime(nowSeconds() + (options.expiresIn ?? 300));
  if (options.audience !== undefined) jwt.setAudience(options.audience);
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
  return jwt.sign(key.privateKey);
}

/** A local identity provider: `/jwks` plus RFC 8414 / OIDC documents, each switchable. */
export class FakeIssuer {
  keys: JWK[] = [];
  jwksHits = 0;
  metadataHits: string[] = [];
  /** Paths that answer 404 (to exercise the discovery fallbacks). */
  missing = new Set<string>();
  private server: Server | undefined;
  private port = 0;

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get issuer(): string {
    return `${this.origin}${ISSUER_PATH}`;
  }

  get jwksUri(): string {
    return `${this.origin}/jwks`;
  }

  /** Listens on a free port the first time, then on the same port again (after stop()). */
  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const path = req.url ?? '/';
      if (path === '/jwks') {
        this.jwksHits += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys }));
        return;
      }
      if (path.includes('/.well-known/') && !this.missing.has(path)) {
        this.metadataHits.push(path);
        const document = { issuer: this.issuer, authorization_endpoint: `${this.issuer}/auth`, token_endpoint: `${this.issuer}/token`, jwks_uri: this.jwksUri, served_from: path };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document));
        return;
      }
      res.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
    const address: AddressInfo | string | null = server.address();
    if (typeof address === 'object' && address !== null) this.port = address.port;
  }

  /** Stops answering (connections refused) until start() is called again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export function oauthConfig(issuer: string, jwks: McpOAuthConfig['jwks'], extra: Partial<McpOAuthConfig> = {}): McpOAuthConfig {
  return {
    issuer,
    audiences: ['mcp-gateway'],
    jwks,
    protectedResourceMetadata: { resource: 'https://gateway.example.com/mcp', resourceName: 'Test MCP', scopesSupported: ['tools:read', 'tools:write'] },
    claimToHeaders: [],
    ...extra,
  };
}

export function route(extra: Partial<McpRouteConfig> = {}): McpRouteConfig {
  return { name: 'default/mcp-route', path: '/mcp', listeners: ['default/gw/http'], hostnames: [], backends: [], ...extra };
}

export function request(headers: Record<string, string> = {}, extra: Partial<McpHttpRequest> = {}): McpHttpRequest {
  return { method: 'POST', host: 'localhost:1975', path: '/mcp', headers, ...extra };
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
