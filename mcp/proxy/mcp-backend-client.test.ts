import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
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

test('closeWhenIdle waits for the call under way (a reload never cuts a request), then closes the connections', async () => {
  const sockets = new Set<Socket>();
  let finish: (() => void) | undefined;
  const server = http.createServer((request, response) => {
    if (request.url === '/gzip-stream') {
      // A compressed stream that never ends by itself: its reader stops early.
      response.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      const gzip = zlib.createGzip();
      gzip.pipe(response);
      gzip.write('data: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}\n\n');
      gzip.flush();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{"jsonrpc":"2.0","id":1,');
    finish = () => response.end('"result":{}}');
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address: AddressInfo | string | null = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  try {
    const client = new McpBackendClient({ name: 'b', url: `${base}/slow`, headers: [], forwardHeaders: [] });
    const response = await client.request(call);
    assert.equal(client.callsUnderWay, 1);
    client.closeWhenIdle();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(sockets.size, 1, 'the connection of the call under way stays open');
    assert.ok(finish);
    finish();
    const messages = [];
    for await (const { message } of readMessages(response)) messages.push(message);
    assert.deepEqual(messages, [{ kind: 'response', id: 1, result: {} }]);
    await waitFor(() => client.callsUnderWay === 0 && sockets.size === 0, 'the connection closed once the call was over');

    // A reader that stops early on a compressed stream ends the call too.
    const streaming = new McpBackendClient({ name: 'b', url: `${base}/gzip-stream`, headers: [], forwardHeaders: [] });
    for await (const { message } of readMessages(await streaming.request(call))) {
      assert.equal(message.kind, 'notification');
      break;
    }
    await waitFor(() => streaming.callsUnderWay === 0, 'the early-stopped call over');
    streaming.close();
    // A call that fails is over as well.
    const down = new McpBackendClient({ name: 'b', url: 'http://127.0.0.1:1/mcp', headers: [], forwardHeaders: [] });
    await assert.rejects(down.request(call));
    await waitFor(() => down.callsUnderWay === 0, 'the failed call over');
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
