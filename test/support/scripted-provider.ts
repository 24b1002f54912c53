/**
 * A provider stand-in on 127.0.0.1 whose answers each test scripts (`reply`), recording every
 * request byte for byte so tests can check what the gateway sent: the translated path, the
 * credentials and the translated body. The wire formats of the real providers are built by
 * fake-bedrock.ts, fake-gemini.ts and fake-anthropic.ts.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';

export interface ProviderRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  /** Path without the query. */
  path: string;
  /** Query parameters. */
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** First value of a header (case-insensitive name). */
  header(name: string): string | undefined;
  /** The body parsed as JSON (throws when it is not JSON). */
  json(): unknown;
}

export type ProviderReply = (request: ProviderRequest, response: ServerResponse) => void | Promise<void>;

export interface ScriptedProvider {
  readonly port: number;
  readonly requests: ProviderRequest[];
  /** Answers the following requests with this handler (until the next `reply`). */
  reply(handler: ProviderReply): void;
  /** Forgets recorded requests and the handler. */
  reset(): void;
  /** The one request received since the last reset; fails when there were none or several. */
  only(): ProviderRequest;
  close(): Promise<void>;
}

const NO_SCRIPT: ProviderReply = (request, response) => {
  response.writeHead(599, { 'content-type': 'text/plain' }).end(`scripted provider: no reply scripted for ${request.method} ${request.url}`);
};

export async function startScriptedProvider(name: string): Promise<ScriptedProvider> {
  const requests: ProviderRequest[] = [];
  let handler: ProviderReply = NO_SCRIPT;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '';
      const parsed = new URL(url, 'http://provider.invalid');
      const request: ProviderRequest = {
        method: req.method ?? '',
        url,
        path: parsed.pathname,
        query: parsed.searchParams,
        headers: req.headers,
        body,
        header(headerName) {
          const value = req.headers[headerName.toLowerCase()];
          return Array.isArray(value) ? value[0] : value;
        },
        json() {
          const value: unknown = JSON.parse(body.toString('utf8'));
          return value;
        },
      };
      requests.push(request);
      Promise.resolve(handler(request, res)).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(599, { 'content-type': 'text/plain' }).end(`${name}: reply failed: ${String(error)}`);
        else res.destroy();
      });
    });
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error(`${name}: no port`);
  return {
    port: address.port,
    requests,
    reply(next) {
      handler = next;
    },
    reset() {
      requests.length = 0;
      handler = NO_SCRIPT;
    },
    only() {
      if (requests.length !== 1) throw new Error(`${name}: expected one request, got ${requests.length}: ${requests.map((r) => `${r.method} ${r.url}`).join(', ')}`);
      const [request] = requests;
      if (!request) throw new Error(`${name}: no request`);
      return request;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends a JSON body. */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Writes chunks one by one with a short pause, so the gateway sees a real stream, then ends. */
export async function sendChunks(response: ServerResponse, status: number, headers: Record<string, string>, chunks: (string | Buffer)[], pauseMs = 5): Promise<void> {
  response.writeHead(status, headers);
  response.flushHeaders();
  for (const chunk of chunks) {
    response.write(chunk);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  response.end();
}
