import { setMultipartField } from '../request/multipart-field.js';
import { readResponsesUsage } from '../usage/convert-responses-usage.js';
import { joinPath, openAIWireFormat } from './openai-to-openai.js';
import type { Translator, TranslatorContext } from './translator.js';

/**
 * OpenAI audio uploads (`/v1/audio/transcriptions`, `/v1/audio/translations`, multipart/form-data)
 * to an OpenAI backend: the form is forwarded byte for byte (re-encoding it would copy the audio);
 * a model override replaces only the `model` field's bytes. Usage is in the Responses shape
 * (`usage.input_tokens`, also in the `transcript.text.done` stream event).
 */
export function openAIMultipartPassThrough(context: TranslatorContext): Translator {
  const override = context.backend.modelNameOverride;
  const rewritesModel = override !== undefined && override !== '' && override !== context.originalModel;
  const wire = openAIWireFormat(context, { path: joinPath(context.backend.schema.prefix ?? 'v1', context.endpoint.suffix), writeOverrideToBody: false, readUsage: readResponsesUsage });
  if (!rewritesModel) return wire;
  return {
    ...wire,
    needsBody: true,
    request: (client) => {
      const translated = wire.request(client);
      if (!client) return translated;
      return { ...translated, body: setMultipartField(client.raw, client.headers['content-type'] ?? '', 'model', override) };
    },
  };
}
