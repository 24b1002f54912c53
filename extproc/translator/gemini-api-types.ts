import type { JsonRecord } from '../../common/json-guards.js';

/**
 * The parts of the Gemini `generateContent` request the gateway writes (Vertex AI REST, camelCase
 * JSON). Outgoing only: responses are read through the lean guards in `read-gemini-response.ts`.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/projects.locations.publishers.models/generateContent
 */
export type GeminiPart =
  | { text: string; thought?: boolean; thoughtSignature?: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } }
  | { functionCall: { name: string; args: JsonRecord }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: JsonRecord } };

export interface GeminiContent {
  /** `user` or `model`; function responses are sent as `user`. */
  role: 'user' | 'model';
  parts: GeminiPart[];
}

/** A function the model may call. Exactly one of the two schema fields is set, when any. */
export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  /** The OpenAPI-subset `Schema`. */
  parameters?: JsonRecord;
  /** Full JSON Schema, for schemas the OpenAPI subset cannot hold (`$ref`, `const`, type lists…). */
  parametersJsonSchema?: JsonRecord;
}

export interface GeminiTool {
  functionDeclarations: GeminiFunctionDeclaration[];
}

export interface GeminiToolConfig {
  functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] };
}

export interface GeminiThinkingConfig {
  includeThoughts?: boolean;
  thinkingBudget?: number;
  /** Gemini 3 and later: `MINIMAL`, `LOW`, `MEDIUM`, `HIGH`. */
  thinkingLevel?: string;
}

export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  candidateCount?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
  responseMimeType?: string;
  responseSchema?: JsonRecord;
  responseJsonSchema?: JsonRecord;
  thinkingConfig?: GeminiThinkingConfig;
  /** Vendor `generationConfig` fields the client sent that the gateway does not map itself. */
  [vendorField: string]: unknown;
}

/**
 * Key order is fixed on purpose: `contents` and `tools` are always present (null when empty),
 * as upstream aigw serialises them, so bodies compare equal byte for byte with upstream's.
 */
export interface GeminiGenerateContentRequest {
  contents: GeminiContent[] | null;
  tools: GeminiTool[] | null;
  toolConfig?: GeminiToolConfig;
  generationConfig: GeminiGenerationConfig;
  safetySettings?: unknown[];
  systemInstruction?: { parts: GeminiPart[] };
}
