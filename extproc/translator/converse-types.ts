/**
 * The AWS Bedrock Converse API, as the gateway writes requests to it and reads responses from it.
 * Client-API neutral: OpenAI chat and Anthropic Messages translators both build these shapes.
 * Outgoing shapes list what the gateway sends; incoming shapes list only the fields it reads
 * (see `read-converse-response.ts` and `converse-stream-reader.ts` for the guards).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 */

export interface ConverseRequest {
  /** Always present, even when empty (as upstream sends it). */
  inferenceConfig: ConverseInferenceConfig;
  messages: ConverseMessage[];
  system?: ConverseSystemBlock[];
  toolConfig?: ConverseToolConfig;
  /** Model-specific fields Converse passes to the model as they are (e.g. Anthropic `thinking`). */
  additionalModelRequestFields?: Record<string, unknown>;
  outputConfig?: { textFormat: ConverseOutputFormat };
  serviceTier?: { type: string };
}

export interface ConverseInferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

export type ConverseRole = 'user' | 'assistant';

export interface ConverseMessage {
  role: ConverseRole;
  content: ConverseContentBlock[];
}

/** Marks the end of a cacheable prefix (prompt caching). */
export interface ConverseCachePoint {
  cachePoint: { type: 'default' };
}

export type ConverseSystemBlock = { text: string } | ConverseCachePoint;

export type ConverseImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export interface ConverseImageBlock {
  format: ConverseImageFormat;
  /** `bytes` is base64 in Converse's JSON wire format. */
  source: { bytes: string };
}

export interface ConverseToolUse {
  toolUseId: string;
  name: string;
  /** The tool's arguments: a JSON object. */
  input: unknown;
}

export type ConverseToolResultContent = { text: string } | { json: unknown } | { image: ConverseImageBlock };

export interface ConverseToolResult {
  toolUseId: string;
  content: ConverseToolResultContent[];
  status?: 'success' | 'error';
}

/** Model reasoning: readable text with its signature, or redacted (encrypted, base64) content. */
export type ConverseReasoningContent = { reasoningText: { text: string; signature?: string } } | { redactedContent: string };

export type ConverseContentBlock =
  | { text: string }
  | { image: ConverseImageBlock }
  | { toolUse: ConverseToolUse }
  | { toolResult: ConverseToolResult }
  | { reasoningContent: ConverseReasoningContent }
  | ConverseCachePoint;

export interface ConverseToolSpec {
  name: string;
  description?: string;
  inputSchema: { json: unknown };
  /** Enforce the input schema on the model's tool calls (structured outputs). */
  strict?: boolean;
}

export type ConverseToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

export interface ConverseToolConfig {
  tools: ({ toolSpec: ConverseToolSpec } | ConverseCachePoint)[];
  toolChoice?: ConverseToolChoice;
}

/**
 * Structured output. `schema` is the JSON Schema as a JSON string, not an object.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_OutputFormat.html
 */
export interface ConverseOutputFormat {
  type: 'json_schema';
  structure: { jsonSchema: { schema: string; name?: string; description?: string } };
}

/**
 * Why the model stopped. Open-ended: AWS adds values, and a translator must map unknown ones too.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 */
export type ConverseStopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'guardrail_intervened'
  | 'content_filtered'
  | 'malformed_model_output'
  | 'malformed_tool_use'
  | 'model_context_window_exceeded'
  | (string & {});

/** Token counts as Bedrock reports them: input excludes the cache reads and writes. */
export interface ConverseUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

/** Content blocks of a response the gateway reads; other kinds are skipped. */
export type ConverseOutputBlock =
  | { type: 'text'; text: string }
  | { type: 'toolUse'; toolUse: ConverseToolUse }
  | { type: 'reasoningText'; text: string; signature?: string }
  | { type: 'redactedReasoning'; data: string };

/** A non-streaming Converse response, as read. */
export interface ConverseResponse {
  content: ConverseOutputBlock[];
  stopReason?: ConverseStopReason;
  usage?: ConverseUsage;
}

/** A reasoning delta: exactly one of text, signature or redacted content. */
export type ConverseReasoningDelta = { kind: 'text'; text: string } | { kind: 'signature'; signature: string } | { kind: 'redacted'; data: string };

/**
 * One ConverseStream event, as read (named by its `:event-type` header). `contentBlockIndex` is
 * undefined when the event does not carry it: some models behind Bedrock leave it out, and
 * guessing 0 would fold every block (and every tool call) into the first.
 */
export type ConverseStreamEvent =
  | { type: 'messageStart'; role: string }
  | { type: 'contentBlockStart'; contentBlockIndex?: number; toolUse?: { toolUseId: string; name: string } }
  | { type: 'contentBlockDelta'; contentBlockIndex?: number; text?: string; toolUseInput?: string; reasoning?: ConverseReasoningDelta }
  | { type: 'contentBlockStop'; contentBlockIndex?: number }
  | { type: 'messageStop'; stopReason?: ConverseStopReason }
  | { type: 'metadata'; usage?: ConverseUsage };

/**
 * An exception inside a 2xx ConverseStream (`throttlingException`, `modelStreamErrorException`,
 * …): the stream ends after it, and the client must learn that the answer is incomplete.
 */
export interface ConverseStreamException {
  type: 'exception';
  exceptionType: string;
  message: string;
}
