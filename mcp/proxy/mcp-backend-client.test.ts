import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import * as zlib from 'node:zlib';
import { McpBackendClient, readMessages } from './mcp-backend-client.js';

let server: http.Server;
let url = '';
const seen: { url: string; headers: http.IncomingHttpHeaders }[] = [];

before(async () => {
  server = http.createServer((request, response) => {
    seen.push({ url: request.url ?? '', headers: request.headers });
    const reply = '{"jsonrpc":"2.0","id":1,"result":{"ok":true}}';
    switch (request.url?.split('?')[0]) {
      case '/gzip':
        response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip', 'mcp-session-id': 'backend-session' });
        response.end(zlib.gzipSync(reply));
        return;
      case '/br':
        response.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'br' });
        response.end(zlib.brotliCompressSync(`: priming\n\nevent: message\nid: e1\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}\n\ndata: ${reply}\n\n`));
        return;
      default:
        response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address: AddressInfo | string | null = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const call = { method: 'POST' as const, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}', protocolVersion: '2025-06-18', forwardedHeaders: [['x-forwarded', 'f'], ['authorization', 'client']] as [string, string][] };

test('decompresses gzip JSON, sends protocol headers, configuration wins over forwarded headers', async () => {
  const client = new McpBackendClient({ name: 'b', url: `${url}/gzip`, headers: [{ name: 'Authorization', value: 'Bearer configured' }], forwardHeaders: [] });
  const response = await client.request({ ...call, sessionId: 's1' });
  assert.equal(response.contentType, 'application/json');
  assert.equal(response.sessionId, 'backend-session');
  const messages = [];
  for await (const { message } of readMessages(response)) messages.push(message);
  assert.deepEqual(messages, [{ kind: 'response', id: 1, result: { ok: true } }]);
  const headers = seen.at(-1)?.headers;
  assert.equal(headers?.authorization, 'Bearer configured');
  assert.equal(headers?.['x-forwarded'], 'f');
  assert.equal(headers?.['mcp-session-id'], 's1');
  assert.equal(headers?.['mcp-protocol-version'], '2025-06-18');
  assert.equal(headers?.accept, 'application/json, text/event-stream');
  assert.equal(headers?.['accept-encoding'], 'gzip, br');
  client.close();
});

test('decompresses brotli SSE, skips events without a message, keeps event ids; API key in the query', async () => {
  const client = new McpBackendClient({ name: 'b', url: `${url}/br?x=1`, headers: [], forwardHeaders: [], apiKey: { value: 'k 1', queryParam: 'key' } });
  const response = await client.request(call);
  const messages = [];
  for await (const message of readMessages(response)) messages.push(message);
  assert.deepEqual(messages, [
    { message: { kind: 'notification', method: 'notifications/message', params: { level: 'info', data: 'x' } }, eventId: 'e1' },
    { message: { kind: 'response', id: 1, result: { ok: true } } },
  ]);
  assert.equal(seen.at(-1)?.url, '/br?x=1&key=k+1');
  assert.equal(seen.at(-1)?.headers.authorization, 'client');
  client.close();
});

test('API key: default Bearer, or a named header', async () => {
  const bearer = new McpBackendClient({ name: 'b', url: `${url}/gzip`, headers: [], forwardHeaders: [], apiKey: { value: 'secret' } });
  await readAll(bearer);
  assert.equal(seen.at(-1)?.headers.authorization, 'Bearer secret');
  const named = new McpBackendClient({ name: 'b', url: `${url}/gzip`, headers: [], forwardHeaders: [], apiKey: { value: 'secret', header: 'X-Api-Key' } });
  await readAll(named);
  assert.equal(seen.at(-1)?.headers['x-api-key'], 'secret');
  bearer.close();
  named.close();
});

test('a refused connection and a timeout are errors', async () => {
  const down = new McpBackendClient({ name: 'b', url: 'http://127.0.0.1:1/mcp', headers: [], forwardHeaders: [] });
  await assert.rejects(down.request(call), /ECONNREFUSED/);
  const hung = http.createServer(() => undefined);
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  const address: AddressInfo | string | null = hung.address();
  const slow = new McpBackendClient({ name: 'b', url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/`, headers: [], forwardHeaders: [] });
  await assert.rejects(slow.request({ ...call, timeoutMs: 100 }), /no response within 100 ms/);
  slow.close();
  hung.closeAllConnections();
  await new Promise<void>((resolve) => hung.close(() => resolve()));
});

async function readAll(client: McpBackendClient): Promise<void> {
  for await (const _ of readMessages(await client.request(call))) {
    // drain
  }
}
