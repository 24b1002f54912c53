import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, credentials, Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { loadExtProcService } from '../../test/support/load-ext-proc-service.js';
import { headersMessage, testRuntime } from '../../test/support/test-runtime.js';
import type { ProcessingRequest } from '../generated/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { ProcessingResponse__Output } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { startExtProcServer, type ExtProcServer } from './ext-proc-server.js';

// A real gRPC client (grpc-js, the generic codec) against the server's own HTTP/2 framing and codec.
const found = loadExtProcService().Process;
if (!found) throw new Error('no Process method in the ExternalProcessor service');
const method = found;
const PATH = method.path;

/** The generic decoder's output, typed by the generated shape (it decodes with the options those types were generated with). */
function isProcessingResponse(value: unknown): value is ProcessingResponse__Output {
  return typeof value === 'object' && value !== null;
}

function decodeResponse(bytes: Buffer): ProcessingResponse__Output {
  const value: unknown = method.responseDeserialize(bytes);
  if (!isProcessingResponse(value)) throw new Error('the generic decoder returned no message');
  return value;
}

let dir: string;
let server: ExtProcServer;
let client: Client;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aigw-extproc-server-'));
  const runtime = testRuntime();
  server = await startExtProcServer(join(dir, 'ext_proc.sock'), () => runtime);
  client = new Client(`unix://${join(dir, 'ext_proc.sock')}`, credentials.createInsecure(), { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
});

after(async () => {
  client.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

type ProcessStream = ClientDuplexStream<ProcessingRequest, ProcessingResponse__Output>;

/** Opens a Process stream, sends the messages, half-closes; resolves with every answer and the status. */
function exchange(messages: ProcessingRequest[], halfClose = true): Promise<{ answers: ProcessingResponse__Output[]; code: number }> {
  return new Promise((resolve, reject) => {
    const metadata = new Metadata();
    metadata.set('x-aigw-listener', 'default/gw/http');
    const call: ProcessStream = client.makeBidiStreamRequest(PATH, (message: ProcessingRequest) => method.requestSerialize(message), decodeResponse, metadata);
    const answers: ProcessingResponse__Output[] = [];
    const timer = setTimeout(() => reject(new Error('no end of the stream in 10 s')), 10_000);
    call.on('data', (answer: ProcessingResponse__Output) => answers.push(answer));
    call.on('status', (status: { code: number }) => {
      clearTimeout(timer);
      resolve({ answers, code: status.code });
    });
    call.on('error', (error: ServiceError) => {
      clearTimeout(timer);
      resolve({ answers, code: error.code });
    });
    for (const message of messages) call.write(message);
    if (halfClose) call.end();
  });
}

test('the socket is private to the user', { timeout: 5000 }, () => {
  assert.equal(statSync(join(dir, 'ext_proc.sock')).mode & 0o777, 0o600);
});

test('a request routed over a real gRPC stream: headers, a 12 MiB body (many DATA frames), status OK', { timeout: 15_000 }, async () => {
  const body = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(12 * 1024 * 1024) }] }));
  const { answers, code } = await exchange([
    { request_headers: headersMessage({ ':path': '/v1/chat/completions', ':method': 'POST', 'content-type': 'application/json', 'x-ai-eg-route': 'smuggled' }) },
    { request_body: { body, end_of_stream: true } },
  ]);
  assert.equal(code, 0);
  assert.equal(answers.length, 2);
  assert.ok(answers[0]?.request_headers?.response?.header_mutation?.remove_headers?.includes('x-ai-eg-route'));
  const routed = answers[1]?.request_body?.response?.header_mutation?.set_headers?.find((option) => option.header?.key === 'x-ai-eg-route');
  assert.equal(routed?.header?.raw_value?.toString(), 'default/openai/route/r/rule/0/ref/0');
  assert.equal(answers[1]?.request_body?.response?.clear_route_cache, true);
});

test('a local reply ends the stream from the server side with status OK, without waiting for the client', { timeout: 5000 }, async () => {
  const { answers, code } = await exchange([{ request_headers: headersMessage({ ':path': '/v1/models', ':method': 'GET' }, true) }], false);
  assert.equal(code, 0);
  assert.equal(answers.length, 1);
  assert.equal(answers[0]?.immediate_response?.status?.code, 'OK');
  assert.match(answers[0]?.immediate_response?.body?.toString() ?? '', /"gpt-4o-mini"/);
});

test('many streams at once on one connection all get their answers', { timeout: 15_000 }, async () => {
  const results = await Promise.all(Array.from({ length: 200 }, () => exchange([{ request_headers: headersMessage({ ':path': '/nope', ':method': 'GET' }, true) }])));
  for (const { answers, code } of results) {
    assert.equal(code, 0);
    assert.equal(answers[0]?.immediate_response?.status?.code, 'NotFound');
  }
});

test('a malformed message fails only its stream (INTERNAL), the server keeps serving', { timeout: 5000 }, async () => {
  const { code } = await new Promise<{ code: number }>((resolve) => {
    // A raw frame the generic codec would never write: a ProcessingRequest whose request_body length runs past the end.
    const raw = new Client(`unix://${join(dir, 'ext_proc.sock')}`, credentials.createInsecure());
    const call: ClientDuplexStream<Buffer, Buffer> = raw.makeBidiStreamRequest(PATH, (bytes: Buffer) => bytes, (bytes: Buffer) => bytes, new Metadata());
    call.on('data', () => undefined);
    call.on('error', (error: ServiceError) => {
      raw.close();
      resolve({ code: error.code });
    });
    call.on('status', (status: { code: number }) => {
      raw.close();
      resolve({ code: status.code });
    });
    call.write(Buffer.from([0x22, 0x05, 0x0a]));
  });
  assert.equal(code, 13);
  const { code: next } = await exchange([{ request_headers: headersMessage({ ':path': '/nope', ':method': 'GET' }, true) }]);
  assert.equal(next, 0);
});
