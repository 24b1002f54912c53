/**
 * OpenInference redaction settings, read from the environment the way upstream Envoy AI Gateway
 * does (`internal/tracing/openinference/config.go`): booleans parse like Go's strconv.ParseBool,
 * the image limit like strconv.Atoi; an unset, empty or unparsable value keeps the default.
 */

export interface OpenInferenceConfig {
  /** OPENINFERENCE_HIDE_LLM_INVOCATION_PARAMETERS: omit llm/embedding.invocation_parameters. */
  readonly hideLlmInvocationParameters: boolean;
  /** OPENINFERENCE_HIDE_INPUTS: input.value becomes __REDACTED__ (no mime type), no input messages, no embedding texts. */
  readonly hideInputs: boolean;
  /** OPENINFERENCE_HIDE_OUTPUTS: output.value becomes __REDACTED__ (no mime type), no output messages, no vectors. */
  readonly hideOutputs: boolean;
  /** OPENINFERENCE_HIDE_INPUT_MESSAGES: no llm.input_messages.* (input.value kept). */
  readonly hideInputMessages: boolean;
  /** OPENINFERENCE_HIDE_OUTPUT_MESSAGES: no llm.output_messages.* (output.value kept). */
  readonly hideOutputMessages: boolean;
  /** OPENINFERENCE_HIDE_INPUT_IMAGES: image parts of input messages are dropped. */
  readonly hideInputImages: boolean;
  /** OPENINFERENCE_HIDE_INPUT_TEXT: input message text becomes __REDACTED__. */
  readonly hideInputText: boolean;
  /** OPENINFERENCE_HIDE_OUTPUT_TEXT: output message text becomes __REDACTED__. */
  readonly hideOutputText: boolean;
  /** OPENINFERENCE_HIDE_EMBEDDINGS_TEXT: no embedding.embeddings.N.embedding.text. */
  readonly hideEmbeddingsText: boolean;
  /** OPENINFERENCE_HIDE_EMBEDDINGS_VECTORS: no embedding.embeddings.N.embedding.vector. */
  readonly hideEmbeddingsVectors: boolean;
  /** OPENINFERENCE_HIDE_PROMPTS: no llm.prompts.N.prompt.text (legacy completions). */
  readonly hidePrompts: boolean;
  /** OPENINFERENCE_HIDE_CHOICES: no llm.choices.N.completion.text (legacy completions). */
  readonly hideChoices: boolean;
  /** OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH: longer base64 data-URL images become __REDACTED__. */
  readonly base64ImageMaxLength: number;
}

export const DEFAULT_BASE64_IMAGE_MAX_LENGTH = 32_000;

export const DEFAULT_OPENINFERENCE_CONFIG: OpenInferenceConfig = Object.freeze({
  hideLlmInvocationParameters: false,
  hideInputs: false,
  hideOutputs: false,
  hideInputMessages: false,
  hideOutputMessages: false,
  hideInputImages: false,
  hideInputText: false,
  hideOutputText: false,
  hideEmbeddingsText: false,
  hideEmbeddingsVectors: false,
  hidePrompts: false,
  hideChoices: false,
  base64ImageMaxLength: DEFAULT_BASE64_IMAGE_MAX_LENGTH,
});

/** Environment variable for each boolean flag. */
export const OPENINFERENCE_ENV = {
  hideLlmInvocationParameters: 'OPENINFERENCE_HIDE_LLM_INVOCATION_PARAMETERS',
  hideInputs: 'OPENINFERENCE_HIDE_INPUTS',
  hideOutputs: 'OPENINFERENCE_HIDE_OUTPUTS',
  hideInputMessages: 'OPENINFERENCE_HIDE_INPUT_MESSAGES',
  hideOutputMessages: 'OPENINFERENCE_HIDE_OUTPUT_MESSAGES',
  hideInputImages: 'OPENINFERENCE_HIDE_INPUT_IMAGES',
  hideInputText: 'OPENINFERENCE_HIDE_INPUT_TEXT',
  hideOutputText: 'OPENINFERENCE_HIDE_OUTPUT_TEXT',
  hideEmbeddingsText: 'OPENINFERENCE_HIDE_EMBEDDINGS_TEXT',
  hideEmbeddingsVectors: 'OPENINFERENCE_HIDE_EMBEDDINGS_VECTORS',
  hidePrompts: 'OPENINFERENCE_HIDE_PROMPTS',
  hideChoices: 'OPENINFERENCE_HIDE_CHOICES',
} as const satisfies Record<Exclude<keyof OpenInferenceConfig, 'base64ImageMaxLength'>, string>;

export const OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH_ENV = 'OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH';

type Env = Readonly<Record<string, string | undefined>>;

/** Go strconv.ParseBool. */
function parseGoBool(value: string): boolean | undefined {
  switch (value) {
    case '1': case 't': case 'T': case 'TRUE': case 'true': case 'True':
      return true;
    case '0': case 'f': case 'F': case 'FALSE': case 'false': case 'False':
      return false;
    default:
      return undefined;
  }
}

/** Go strconv.Atoi (base 10, optional sign, 64-bit range). */
function parseGoInt(value: string): number | undefined {
  if (!/^[+-]?\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

function boolFromEnv(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  return parseGoBool(raw) ?? fallback;
}

export function openInferenceConfigFromEnv(env: Env = process.env): OpenInferenceConfig {
  const d = DEFAULT_OPENINFERENCE_CONFIG;
  const rawMax = env[OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH_ENV];
  const max = rawMax === undefined || rawMax === '' ? undefined : parseGoInt(rawMax);
  return {
    hideLlmInvocationParameters: boolFromEnv(env, OPENINFERENCE_ENV.hideLlmInvocationParameters, d.hideLlmInvocationParameters),
    hideInputs: boolFromEnv(env, OPENINFERENCE_ENV.hideInputs, d.hideInputs),
    hideOutputs: boolFromEnv(env, OPENINFERENCE_ENV.hideOutputs, d.hideOutputs),
    hideInputMessages: boolFromEnv(env, OPENINFERENCE_ENV.hideInputMessages, d.hideInputMessages),
    hideOutputMessages: boolFromEnv(env, OPENINFERENCE_ENV.hideOutputMessages, d.hideOutputMessages),
    hideInputImages: boolFromEnv(env, OPENINFERENCE_ENV.hideInputImages, d.hideInputImages),
    hideInputText: boolFromEnv(env, OPENINFERENCE_ENV.hideInputText, d.hideInputText),
    hideOutputText: boolFromEnv(env, OPENINFERENCE_ENV.hideOutputText, d.hideOutputText),
    hideEmbeddingsText: boolFromEnv(env, OPENINFERENCE_ENV.hideEmbeddingsText, d.hideEmbeddingsText),
    hideEmbeddingsVectors: boolFromEnv(env, OPENINFERENCE_ENV.hideEmbeddingsVectors, d.hideEmbeddingsVectors),
    hidePrompts: boolFromEnv(env, OPENINFERENCE_ENV.hidePrompts, d.hidePrompts),
    hideChoices: boolFromEnv(env, OPENINFERENCE_ENV.hideChoices, d.hideChoices),
    base64ImageMaxLength: max ?? d.base64ImageMaxLength,
  };
}

/**
 * True when either side's messages are recorded; upstream then lifts the span attribute-count
 * limit (-1) because long conversations exceed the default of 128.
 */
export function openInferenceCapturesMessages(config: OpenInferenceConfig): boolean {
  return !(config.hideInputs || config.hideInputMessages) || !(config.hideOutputs || config.hideOutputMessages);
}
