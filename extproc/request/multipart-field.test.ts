import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setMultipartField } from './multipart-field.js';

async function encode(fields: Record<string, string>, file: Uint8Array): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  form.set('file', new Blob([file], { type: 'audio/wav' }), 'a.wav');
  const response = new Response(form);
  return { body: Buffer.from(await response.arrayBuffer()), contentType: response.headers.get('content-type') ?? '' };
}

test('the model field is replaced; the file and other fields keep their bytes', async () => {
  const file = new Uint8Array([0, 1, 2, 255, 13, 10, 45, 45]);
  const { body, contentType } = await encode({ model: 'whisper-1', language: 'en' }, file);
  const edited = setMultipartField(body, contentType, 'model', 'gpt-4o-transcribe');
  const form = await new Response(edited, { headers: { 'content-type': contentType } }).formData();
  assert.equal(form.get('model'), 'gpt-4o-transcribe');
  assert.equal(form.get('language'), 'en');
  const uploaded = form.get('file');
  assert.ok(uploaded instanceof Blob);
  assert.deepEqual(new Uint8Array(await uploaded.arrayBuffer()), file);
  assert.equal(edited.length, body.length + 'gpt-4o-transcribe'.length - 'whisper-1'.length);
});

test('no such field, or no boundary: 400', async () => {
  const { body, contentType } = await encode({ language: 'en' }, new Uint8Array([1]));
  assert.throws(() => setMultipartField(body, contentType, 'model', 'x'), /no "model" field/);
  assert.throws(() => setMultipartField(body, 'multipart/form-data', 'model', 'x'), /no boundary/);
});
