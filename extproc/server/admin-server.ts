import * as http from 'node:http';
import { readFile } from 'node:fs/promises';
import type { Registry } from 'prom-client';

export interface AdminServerOptions {
  port: number;
  host: string;
  registry: Registry;
  /** Whether the ext_proc gRPC server is serving. */
  extProcServing: () => boolean;
  /** File where Envoy writes its admin address (`--admin-address-path`); readiness is asked there. */
  envoyAdminAddressFile?: string;
}

/**
 * The admin server: `/metrics` (Prometheus text) and `/health`, which is 200 only when the
 * ext_proc serves and Envoy reports ready — the whole data path, not just this process.
 */
export function startAdminServer(options: AdminServerOptions): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    void handle(options, request, response);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

async function handle(options: AdminServerOptions, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  try {
    if (path === '/metrics') {
      const body = await options.registry.metrics();
      response.writeHead(200, { 'content-type': options.registry.contentType });
      response.end(body);
      return;
    }
    if (path === '/health') {
      const problem = await healthProblem(options);
      response.writeHead(problem ? 503 : 200, { 'content-type': 'text/plain' });
      response.end(problem ? `${problem}\n` : 'OK\n');
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found\n');
  } catch (error) {
    response.writeHead(500, { 'content-type': 'text/plain' });
    response.end(`${error instanceof Error ? error.message : String(error)}\n`);
  }
}

async function healthProblem(options: AdminServerOptions): Promise<string | undefined> {
  if (!options.extProcServing()) return 'ext_proc is not serving';
  if (!options.envoyAdminAddressFile) return undefined;
  let address: string;
  try {
    address = (await readFile(options.envoyAdminAddressFile, 'utf8')).trim();
  } catch {
    return 'envoy is not started yet';
  }
  try {
    const ready = await fetch(`http://${address}/ready`, { signal: AbortSignal.timeout(1000) });
    const text = (await ready.text()).trim();
    return ready.ok && text.toUpperCase() === 'LIVE' ? undefined : `envoy is not ready: ${text}`;
  } catch (error) {
    return `envoy admin did not answer: ${error instanceof Error ? error.message : String(error)}`;
  }
}
