/**
 * AWS Bedrock's wire formats for scripted fakes: Converse / ConverseStream bodies and binary
 * event streams, InvokeModelWithResponseStream `chunk` events (base64 `bytes` holding one
 * Anthropic event each), Titan embeddings, AWS JSON errors, and a SigV4 check written from
 * AWS's specification with node:crypto alone, independent of the signer the gateway uses.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */
import { createHash, createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { encodeAwsEvent } from '../../extproc/translator/aws-event-stream.js';
import type { ProviderRequest } from './scripted-provider.js';
import { sendChunks, sendJson } from './scripted-provider.js';

export interface AwsTestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** The shared-credentials file a BackendSecurityPolicy's `credentialsFile` Secret holds. */
export function awsCredentialsFile(credentials: AwsTestCredentials): string {
  return `[default]\naws_access_key_id = ${credentials.accessKeyId}\naws_secret_access_key = ${credentials.secretAccessKey}\n`;
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, upper-case hex. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Why the request's SigV4 signature is not what AWS would accept for these credentials and
 * service, or undefined when it is. Non-S3 services encode each path segment of the request as
 * sent once more (so `%3A` in a model ID is `%253A` in the canonical URI).
 */
export function sigV4Problem(request: ProviderRequest, credentials: AwsTestCredentials, service = 'bedrock'): string | undefined {
  const authorization = request.header('authorization') ?? '';
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!match) return `not a SigV4 Authorization header: ${JSON.stringify(authorization)}`;
  const [, accessKeyId, day, region, signedService, signedHeaderList, signature] = match;
  if (!accessKeyId || !day || !region || !signedService || !signedHeaderList || !signature) return 'malformed Authorization header';
  if (accessKeyId !== credentials.accessKeyId) return `access key ${accessKeyId}, expected ${credentials.accessKeyId}`;
  if (region !== credentials.region) return `region ${region}, expected ${credentials.region}`;
  if (signedService !== service) return `service ${signedService}, expected ${service}`;
  const amzDate = request.header('x-amz-date') ?? '';
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!date) return `x-amz-date ${JSON.stringify(amzDate)} is not YYYYMMDDTHHMMSSZ`;
  if (!amzDate.startsWith(day)) return `credential scope day ${day} is not the day of x-amz-date ${amzDate}`;
  const signedAt = Date.parse(`${date[1]}-${date[2]}-${date[3]}T${date[4]}:${date[5]}:${date[6]}Z`);
  // AWS refuses signatures more than 5 minutes off.
  if (Math.abs(Date.now() - signedAt) > 5 * 60_000) return `x-amz-date ${amzDate} is more than 5 minutes off`;
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host')) return `host is not signed (${signedHeaderList})`;
  if ([...signedHeaders].sort().join(';') !== signedHeaderList) return `SignedHeaders ${signedHeaderList} are not sorted`;
  const canonicalHeaders = signedHeaders
    .map((name) => {
      const value = request.header(name);
      return value === undefined ? undefined : `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const missing = signedHeaders.filter((name) => request.header(name) === undefined);
  if (missing.length > 0) return `signed headers missing from the request: ${missing.join(', ')}`;
  const canonicalUri = request.path
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/');
  const canonicalQuery = [...request.query.entries()]
    .map(([key, value]) => [uriEncode(key), uriEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const payloadHash = sha256Hex(request.body);
  const declaredHash = request.header('x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== payloadHash) return `x-amz-content-sha256 ${declaredHash} is not the body's hash ${payloadHash}`;
  const canonicalRequest = [request.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaderList, payloadHash].join('\n');
  const scope = `${day}/${region}/${signedService}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), signedService), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return expected === signature ? undefined : `signature mismatch: canonical request was\n${canonicalRequest}`;
}

export interface ConverseUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export type ConverseOutputBlock = { text: string } | { toolUse: { toolUseId: string; name: string; input: Record<string, unknown> } };

/** A Converse response body. */
export function converseResponse(content: ConverseOutputBlock[], stopReason: string, usage: ConverseUsage): Record<string, unknown> {
  return {
    output: { message: { role: 'assistant', content } },
    stopReason,
    usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens + (usage.cacheReadInputTokens ?? 0) + (usage.cacheWriteInputTokens ?? 0) },
    metrics: { latencyMs: 42 },
  };
}

/** Answers with a Converse response and Bedrock's request ID header. */
export function sendConverse(response: ServerResponse, body: Record<string, unknown>, requestId: string): void {
  sendJson(response, 200, body, { 'x-amzn-requestid': requestId });
}

/** One ConverseStream event frame. */
export const converseEvent = (type: string, payload: Record<string, unknown>): Buffer => encodeAwsEvent(type, payload);

/** An exception frame in a Bedrock event stream (`:message-type: exception`). */
export const awsStreamException = (exceptionType: string, message: string): Buffer => encodeAwsEvent(exceptionType, { message }, 'exception');

/** The frames of a ConverseStream answer that writes `texts` as one text block. */
export function converseTextStream(texts: string[], stopReason: string, usage: ConverseUsage): Buffer[] {
  return [
    converseEvent('messageStart', { role: 'assistant' }),
    ...texts.map((text) => converseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text } })),
    converseEvent('contentBlockStop', { contentBlockIndex: 0 }),
    converseEvent('messageStop', { stopReason }),
    converseEvent('metadata', { usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens }, metrics: { latencyMs: 42 } }),
  ];
}

/** Sends an AWS binary event stream, frame by frame. */
export async function sendEventStream(response: ServerResponse, frames: Buffer[], requestId: string): Promise<void> {
  await sendChunks(response, 200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': requestId }, frames);
}

/** An InvokeModelWithResponseStream `chunk` event carrying one Anthropic stream event. */
export function invokeChunk(anthropicEvent: Record<string, unknown>): Buffer {
  return encodeAwsEvent('chunk', { bytes: Buffer.from(JSON.stringify(anthropicEvent), 'utf8').toString('base64') });
}

/** An AWS JSON error, typed by `x-amzn-errortype` (with its namespace suffix, as AWS sends it). */
export function sendAwsError(response: ServerResponse, status: number, errorType: string, message: string, requestId = 'req-error'): void {
  sendJson(response, status, { message }, { 'x-amzn-errortype': `${errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': requestId });
}

/** A Titan text embeddings response. */
export function titanEmbeddingResponse(embedding: number[], inputTextTokenCount: number): Record<string, unknown> {
  return { embedding, embeddingsByType: { float: embedding }, inputTextTokenCount };
}
