/**
 * A provider stand-in told by each request what to expect and what to answer, in the style of
 * upstream's data-plane `testupstream`: the client sets `x-expected-*` and `x-response-*` headers
 * (base64 where values are bodies), the gateway forwards them, and this server checks the
 * translated request against them. A mismatch answers 418 with the reason, so the client-side
 * assertion shows what differed. AWS SigV4 signatures are verified with the same library the
 * gateway signs with, for the access keys it is given.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { encodeAwsEvent } from '../../extproc/translator/aws-event-stream.js';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Set for requests with a SigV4 Authorization header: `valid`, or why not. */
  signature?: string;
}

export interface InstructedUpstream {
  readonly port: number;
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** Instruction headers for one request (values already encoded as the server expects). */
export function instructions(spec: {
  responseBody?: string;
  responseStatus?: number;
  /** `sse`: each non-empty line becomes `data: <line>\n\n`; `aws-event-stream`: each line is `{"type","payload"}` → an event frame. */
  responseType?: 'sse' | 'aws-event-stream';
  responseHeaders?: Record<string, string>;
  expectedPath?: string;
  /** Compared byte for byte. */
  expectedBody?: string;
  /** Compared as JSON. */
  expectedJsonBody?: string;
  expectedHeaders?: Record<string, string>;
  absentHeaders?: string[];
}): Record<string, string> {
  const headers: Record<string, string> = {};
  if (spec.responseBody !== undefined) headers['x-response-body'] = b64(spec.responseBody);
  if (spec.responseStatus !== undefined) headers['x-response-status'] = String(spec.responseStatus);
  if (spec.responseType !== undefined) headers['x-response-type'] = spec.responseType;
  if (spec.responseHeaders) headers['x-response-headers'] = b64(JSON.stringify(spec.responseHeaders));
  if (spec.expectedPath !== undefined) headers['x-expected-path'] = b64(spec.expectedPath);
  if (spec.expectedBody !== undefined) headers['x-expected-request-body'] = b64(spec.expectedBody);
  if (spec.expectedJsonBody !== undefined) headers['x-expected-json-body'] = b64(spec.expectedJsonBody);
  if (spec.expectedHeaders) headers['x-expected-headers'] = b64(JSON.stringify(spec.expectedHeaders));
  if (spec.absentHeaders) headers['x-non-expected-request-headers'] = b64(spec.absentHeaders.join(','));
  return headers;
}

export async function startInstructedUpstream(options: { awsSecrets?: Record<string, string> } = {}): Promise<InstructedUpstream> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`instructed upstream failed: ${String(error)}`);
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    const received: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers, body };
    if (headers.authorization?.startsWith('AWS4-HMAC-SHA256')) received.signature = await verifySigV4(received, options.awsSecrets ?? {});
    requests.push(received);
    const problem = check(received);
    if (problem) {
      res.writeHead(418, { 'content-type': 'text/plain' }).end(`instructed upstream: ${problem}`);
      return;
    }
    const decode = (name: string): string | undefined => (headers[name] !== undefined ? Buffer.from(headers[name], 'base64').toString('utf8') : undefined);
    const status = Number(headers['x-response-status'] ?? '200');
    const extraHeaders = parseJsonRecord(decode('x-response-headers'));
    const responseBody = decode('x-response-body') ?? '';
    const type = headers['x-response-type'];
    if (type === 'sse') {
      res.writeHead(status, { 'content-type': 'text/event-stream', ...extraHeaders });
      for (const line of responseBody.split('\n')) if (line.trim() !== '') res.write(`data: ${line}\n\n`);
      res.end();
    } else if (type === 'aws-event-stream') {
      res.writeHead(status, { 'content-type': 'application/vnd.amazon.eventstream', ...extraHeaders });
      for (const line of responseBody.split('\n')) {
        if (line.trim() === '') continue;
        const event = parseJsonRecord(line);
        const eventType = event.type ?? '';
        const payload: unknown = JSON.parse(event.payload ?? '{}');
        res.write(encodeAwsEvent(eventType, payload, event.exception === 'true' ? 'exception' : 'event'));
      }
      res.end();
    } else {
      res.writeHead(status, { 'content-type': 'application/json', ...extraHeaders }).end(responseBody);
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('instructed upstream: no port');
  return {
    port: address.port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Values of a JSON object as strings (nested values JSON-encoded), or {} for anything else. */
function parseJsonRecord(text: string | undefined): Record<string, string> {
  if (text === undefined) return {};
  const parsed: unknown = JSON.parse(text);
  const result: Record<string, string> = {};
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    for (const [key, value] of Object.entries(parsed)) result[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return result;
}

function check(request: ReceivedRequest): string | undefined {
  const decode = (name: string): string | undefined => {
    const value = request.headers[name];
    return value !== undefined ? Buffer.from(value, 'base64').toString('utf8') : undefined;
  };
  const path = decode('x-expected-path');
  // As upstream's testupstream: the query is checked only when the expectation has one.
  const actualPath = path !== undefined && !path.includes('?') ? (request.url.split('?')[0] ?? '') : request.url;
  if (path !== undefined && path !== actualPath) return `path ${request.url}, expected ${path}`;
  const body = decode('x-expected-request-body');
  if (body !== undefined && body !== request.body.toString('utf8')) return `body ${request.body.toString('utf8')}, expected ${body}`;
  const json = decode('x-expected-json-body');
  if (json !== undefined) {
    let actual: unknown;
    try {
      actual = JSON.parse(request.body.toString('utf8'));
    } catch {
      return `body is not JSON: ${request.body.toString('utf8')}`;
    }
    const expected: unknown = JSON.parse(json);
    if (!isDeepStrictEqual(actual, expected)) return `body ${request.body.toString('utf8')}, expected (as JSON) ${json}`;
  }
  for (const [name, value] of Object.entries(parseJsonRecord(decode('x-expected-headers')))) {
    if (request.headers[name.toLowerCase()] !== value) return `header ${name}: ${JSON.stringify(request.headers[name.toLowerCase()])}, expected ${JSON.stringify(value)}`;
  }
  for (const name of (decode('x-non-expected-request-headers') ?? '').split(',').filter(Boolean)) {
    if (request.headers[name.toLowerCase()] !== undefined) return `header ${name} must not reach the upstream`;
  }
  if (request.signature !== undefined && request.signature !== 'valid') return `SigV4: ${request.signature}`;
  return undefined;
}

/** Re-signs the request as received and compares the Authorization header. */
async function verifySigV4(request: ReceivedRequest, secrets: Record<string, string>): Promise<string> {
  const authorization = request.headers.authorization ?? '';
  const match = /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization);
  if (!match?.[1] || !match[3] || !match[4]) return 'malformed Authorization header';
  const secret = secrets[match[1]];
  if (secret === undefined) return `unknown access key ${match[1]}`;
  const amzDate = request.headers['x-amz-date'] ?? '';
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!date) return `bad x-amz-date ${amzDate}`;
  const signingDate = new Date(`${date[1]}-${date[2]}-${date[3]}T${date[4]}:${date[5]}:${date[6]}Z`);
  const sessionToken = request.headers['x-amz-security-token'];
  const signer = new SignatureV4({
    service: match[4],
    region: match[3],
    sha256: Sha256,
    applyChecksum: false,
    credentials: { accessKeyId: match[1], secretAccessKey: secret, ...(sessionToken !== undefined ? { sessionToken } : {}) },
  });
  const queryAt = request.url.indexOf('?');
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname: request.headers.host ?? '',
      path: queryAt === -1 ? request.url : request.url.slice(0, queryAt),
      query: queryAt === -1 ? {} : Object.fromEntries(new URLSearchParams(request.url.slice(queryAt + 1))),
      headers: { host: request.headers.host ?? '' },
      body: request.body,
    },
    { signingDate },
  );
  return signed.headers.authorization === authorization ? 'valid' : `signature mismatch (host ${request.headers.host ?? ''}, path ${request.url})`;
}
