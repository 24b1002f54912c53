import type { JsonBodyEditor } from '../request/json-body-editor.js';
import { editClientBody } from './edited-request.js';
import { pathEscape } from './path-escape.js';
import type { ClientRequest } from './translator.js';

/**
 * Request details shared by every translator that sends the Anthropic Messages body to
 * Anthropic itself, to Bedrock's InvokeModel (AWSAnthropic) or to Vertex's rawPredict
 * (GCPAnthropic): paths, API versions and the beta flags.
 */

/** The `anthropic-version` header Anthropic requires; clients that send none get this one. */
export const ANTHROPIC_API_VERSION = '2023-06-01';
/** Bedrock's body `anthropic_version` (the only value InvokeModel accepts for Claude). */
export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';
/** Vertex's body `anthropic_version`. */
export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

/**
 * `anthropic-beta` flags Bedrock accepts in the body's `anthropic_beta`. Bedrock refuses the
 * whole request (400 "invalid beta flag") for any flag it does not know, and Anthropic clients
 * (Claude Code) send flags meant for Anthropic's own API, so only these are forwarded.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html
 */
const BEDROCK_BETA_FLAGS: ReadonlySet<string> = new Set([
  'computer-use-2024-10-22',
  'computer-use-2025-01-24',
  'context-1m-2025-08-07',
  'context-management-2025-06-27',
  'dev-full-thinking-2025-05-14',
  'effort-2025-11-24',
  'fine-grained-tool-streaming-2025-05-14',
  'interleaved-thinking-2025-05-14',
  'mcp-client-2025-04-04',
  'mcp-client-2025-11-20',
  'output-128k-2025-02-19',
  'search-results-2025-06-09',
  'token-counting-2024-11-01',
  'token-efficient-tools-2025-02-19',
  'tool-examples-2025-10-29',
  'tool-search-tool-2025-10-19',
  'web-search-2025-03-05',
]);

/** The client's `anthropic-beta` flags that Bedrock accepts, deduplicated, in the client's order. */
export function bedrockBetaFlags(client: ClientRequest): string[] {
  const header = client.headers['anthropic-beta'];
  if (header === undefined) return [];
  const flags = header.split(',').map((flag) => flag.trim());
  return [...new Set(flags.filter((flag) => BEDROCK_BETA_FLAGS.has(flag)))];
}

/** `anthropic-version` for Anthropic's API, unless the client sent its own (Envoy forwards that one). */
export function anthropicVersionHeader(client: ClientRequest | undefined): [string, string][] {
  return client?.headers['anthropic-version'] === undefined ? [['anthropic-version', ANTHROPIC_API_VERSION]] : [];
}

/** Bedrock InvokeModel for a model ID or ARN. */
export function awsAnthropicPath(model: string, stream: boolean): string {
  return `/model/${pathEscape(model)}/${stream ? 'invoke-with-response-stream' : 'invoke'}`;
}

/** Vertex rawPredict, relative: the GCP authenticator prefixes `/v1/projects/{p}/locations/{r}/`. */
export function gcpAnthropicPath(model: string, stream: boolean): string {
  return `publishers/anthropic/models/${pathEscape(model)}:${stream ? 'streamRawPredict' : 'rawPredict'}`;
}

/**
 * Bedrock CountTokens for a model. CountTokens takes foundation model IDs only, so a
 * cross-region inference profile (`us.anthropic.…`, `global.anthropic.…`) loses its prefix.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CountTokens.html
 */
export function awsCountTokensPath(model: string): string {
  const foundationModel = model.replace(/^(?:us|us-gov|eu|apac|jp|au|ca|global)\.(?=anthropic\.)/, '');
  return `/model/${pathEscape(foundationModel)}/count-tokens`;
}

/**
 * The model named in a Vertex count-tokens body. Vertex's count-tokens refuses the version
 * aliases its other methods take (`claude-…@default`, `@latest`), so they are left out; a dated
 * version (`@20250514`) stays.
 */
export function vertexCountTokensModel(model: string): string {
  return model.replace(/@(?:default|latest)$/, '');
}

/**
 * The client's Anthropic Messages body as Bedrock InvokeModel or Vertex rawPredict take it: the
 * model moves to the path, `anthropic_version` goes into the body, and for Bedrock `stream` goes
 * too (the path says it) while the accepted beta flags become `anthropic_beta`. The rest of the
 * client's bytes are kept as sent. Returned as edits, written in one splice when the body is read.
 */
export function nativeAnthropicBody(client: ClientRequest, target: { schema: 'AWSAnthropic' | 'GCPAnthropic'; version: string }): JsonBodyEditor {
  const edits = editClientBody(client).remove('model');
  if (target.schema === 'AWSAnthropic') {
    edits.remove('stream');
    const flags = bedrockBetaFlags(client);
    if (flags.length > 0) edits.set('anthropic_beta', JSON.stringify(flags));
  }
  return edits.set('anthropic_version', JSON.stringify(target.version));
}
