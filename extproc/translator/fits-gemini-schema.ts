import { isRecord } from '../../common/json-guards.js';

/** Keywords of Vertex AI's `Schema` (a subset of OpenAPI 3.0) as JSON Schema spells them. */
const SCHEMA_KEYWORDS = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'default',
  'example',
  'enum',
  'items',
  'minItems',
  'maxItems',
  'properties',
  'propertyOrdering',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'anyOf',
  'additionalProperties',
]);

/**
 * Whether a JSON Schema only uses what Vertex AI's OpenAPI-subset `Schema` accepts (one string
 * `type`, no `$ref`/`$defs`/`const`/`oneOf`…). Vertex refuses unknown `Schema` fields with 400,
 * so schemas that do not fit go in the JSON-Schema twin fields (`parametersJsonSchema`,
 * `responseJsonSchema`) instead. Schemas from Pydantic or Zod commonly need that.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/Schema
 */
export function fitsGeminiSchema(schema: unknown): boolean {
  if (!isRecord(schema)) return false;
  for (const [keyword, value] of Object.entries(schema)) {
    if (!SCHEMA_KEYWORDS.has(keyword)) return false;
    switch (keyword) {
      case 'type':
        if (typeof value !== 'string') return false;
        break;
      case 'enum':
        // Gemini enums are strings; numeric enums need JSON Schema.
        if (!Array.isArray(value) || !value.every((member: unknown) => typeof member === 'string')) return false;
        break;
      case 'items':
        if (!fitsGeminiSchema(value)) return false;
        break;
      case 'additionalProperties':
        if (typeof value !== 'boolean' && !fitsGeminiSchema(value)) return false;
        break;
      case 'anyOf':
        if (!Array.isArray(value) || !value.every((member: unknown) => fitsGeminiSchema(member))) return false;
        break;
      case 'properties':
        if (!isRecord(value) || !Object.values(value).every((member) => fitsGeminiSchema(member))) return false;
        break;
    }
  }
  return true;
}
