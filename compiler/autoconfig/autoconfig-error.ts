// SPDX-License-Identifier: Apache-2.0

/** Stable codes for the ways auto-configuration from the environment can fail. */
export type AutoconfigErrorCode =
  /** No OPENAI_API_KEY / AZURE_OPENAI_API_KEY / ANTHROPIC_API_KEY and no usable MCP server. */
  | 'NO_PROVIDER'
  /** AZURE_OPENAI_API_KEY without AZURE_OPENAI_ENDPOINT. */
  | 'AZURE_ENDPOINT_REQUIRED'
  /** AZURE_OPENAI_API_KEY without OPENAI_API_VERSION. */
  | 'AZURE_API_VERSION_REQUIRED'
  /** OPENAI_BASE_URL, AZURE_OPENAI_ENDPOINT or ANTHROPIC_BASE_URL cannot be used. */
  | 'INVALID_BASE_URL'
  /** An OTEL_* variable read for the access log is invalid. */
  | 'INVALID_OTEL_CONFIG'
  /** An MCP server's URL cannot be parsed. */
  | 'INVALID_MCP_SERVER'
  /** The MCP servers JSON (--mcp-config / --mcp-json) is malformed. */
  | 'INVALID_MCP_CONFIG';

/**
 * A failure of auto-configuration. `message` is upstream's text (the `fmt.Errorf` chains of its
 * cmd/aigw and internal/autoconfig), without the `Error running: ` / `aigw: error: run: ` prefix
 * the CLI adds.
 */
export class AutoconfigError extends Error {
  readonly code: AutoconfigErrorCode;
  /** The environment variable (or MCP source) the problem is in, when there is one. */
  readonly variable: string | undefined;

  constructor(code: AutoconfigErrorCode, message: string, variable?: string) {
    super(message);
    this.name = 'AutoconfigError';
    this.code = code;
    this.variable = variable;
  }
}
