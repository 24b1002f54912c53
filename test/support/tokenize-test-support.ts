import assert from 'node:assert/strict';
import { findEndpoint } from '../../extproc/request/endpoints.js';
import type { BackendSchema } from '../../contract/filter-config.js';
import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import type { Translator, TranslatorFactory } from '../../extproc/translator/translator.js';

/** A `/tokenize` translator for a backend schema, the model overridden when `model` differs from the client's. */
export function tokenizeTranslatorFor(factory: TranslatorFactory, schema: BackendSchema, model = 'client-model'): Translator {
  const endpoint = findEndpoint('/tokenize');
  assert.ok(endpoint);
  return factory({
    endpoint,
    backend: { name: 'default/b/route/r/rule/0/ref/0', route: 'default/r', aiServiceBackend: 'default/b', schema, ...(model !== 'client-model' ? { modelNameOverride: model } : {}) },
    originalModel: 'client-model',
    requestModel: model,
  });
}

/** Sends a tokenize body; returns the upstream path and the JSON body. */
export function sendTokenize(translator: Translator, json: JsonRecord): { path: string; body: JsonRecord; headers?: [string, string][] } {
  const request = translator.request({ raw: Buffer.from(JSON.stringify(json)), json, stream: false, headers: {} });
  const body: unknown = JSON.parse(request.body?.toString() ?? '');
  assert.ok(isRecord(body));
  return { path: request.path, body, ...(request.headers ? { headers: request.headers } : {}) };
}

/** The provider's answer as the client gets it. */
export function answer(translator: Translator, status: number, body: unknown, headers: Record<string, string> = {}): { json: unknown; usage?: unknown; responseModel?: string } {
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  translator.responseHeaders(status, { 'content-type': 'application/json', ...headers });
  if (status >= 200 && status < 300) {
    const result = translator.responseBody(bytes, true);
    return { json: JSON.parse(result.body?.toString() ?? ''), usage: result.usage, ...(result.responseModel !== undefined ? { responseModel: result.responseModel } : {}) };
  }
  const error = translator.responseError(status, bytes);
  return { json: JSON.parse(error.body?.toString() ?? bytes.toString()) };
}
