/**
 * What the gateway knows about one provider API (an AIServiceBackend `spec.schema.name`). The
 * compiler, the translator table and the credential handling all read it from here, so a schema
 * is described once: `PROVIDERS` is a `Record<SchemaName, ProviderDescriptor>`, and a schema name
 * added to the contract does not compile until it has a descriptor.
 *
 * This folder is data only and imports nothing but the contract's vocabulary: the compiler reads
 * it without loading a translator, and the extproc maps `wire` to its translators.
 */

/**
 * The translator family that speaks a provider's wire API: the extproc's translator table has one
 * column per wire, with an entry (or a reason it cannot) for each client endpoint. The wire also
 * fixes the error shape the translators read: OpenAI's `{"error":{…}}` for `openai` and
 * `azure-openai`, AWS's `{"message"}` for `aws-*`, Google's `{"error":{"status"}}` for
 * `gcp-vertexai`, Anthropic's `{"type":"error"}` for the Anthropic family, Cohere's `{"message"}`.
 * An OpenAI-compatible provider reuses `openai`; a new wire needs its own translators.
 */
export type ProviderWire = 'openai' | 'azure-openai' | 'aws-bedrock' | 'aws-anthropic' | 'gcp-vertexai' | 'gcp-anthropic' | 'anthropic' | 'cohere';

/**
 * Which of `spec.schema.prefix` / `spec.schema.version` the provider uses; the other is dropped,
 * as upstream's controller does (`schemaToFilterAPI`).
 */
export type SchemaAddressing =
  /** A path prefix before the API's own paths (`v1`, or `v1beta/openai` for Gemini's OpenAI API). */
  | { field: 'prefix'; defaultPrefix: string }
  /** An API version outside the path (Azure's `api-version`, the Anthropic-on-cloud `anthropic_version`). */
  | { field: 'version'; missingWarning?: string };

/** A request header that carries a key, and the auth scheme before the key (`Bearer`), if any. */
export interface KeyHeader {
  header: string;
  scheme?: 'Bearer';
}

export interface ProviderDescriptor {
  /** OpenTelemetry `gen_ai.provider.name` (metrics label `gen_ai_provider_name`, span attribute). */
  otelName: string;
  addressing: SchemaAddressing;
  wire: ProviderWire;
  /**
   * Where a BackendSecurityPolicy of type `APIKey` puts its key. Upstream sends every APIKey as
   * `Authorization: Bearer`, whatever the schema (AzureAPIKey and AnthropicAPIKey are the typed
   * alternatives), so the existing schemas keep that; a new provider states its own header.
   */
  apiKey: KeyHeader;
  /**
   * Every request header the provider reads a credential from. A backend whose policy supplies the
   * credential strips all providers' credential headers from the client's request, and none of
   * them is ever logged or copied into telemetry. `apiKey.header` is included implicitly.
   */
  credentialHeaders: readonly string[];
}
