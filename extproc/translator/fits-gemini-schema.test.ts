import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitsGeminiSchema } from './fits-gemini-schema.js';

test('OpenAPI-subset schemas fit, nested ones included', () => {
  assert.equal(
    fitsGeminiSchema({
      type: 'object',
      properties: { tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } }, any: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
      required: ['tags'],
      additionalProperties: false,
    }),
    true,
  );
  assert.equal(fitsGeminiSchema({ type: 'object', additionalProperties: { type: 'number' } }), true);
});

test('JSON-Schema-only keywords anywhere in the tree do not fit', () => {
  assert.equal(fitsGeminiSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' }), false);
  assert.equal(fitsGeminiSchema({ type: 'object', properties: { a: { type: ['string', 'null'] } } }), false);
  assert.equal(fitsGeminiSchema({ type: 'array', items: { oneOf: [{ type: 'string' }] } }), false);
  assert.equal(fitsGeminiSchema({ anyOf: [{ type: 'string' }, { const: 1 }] }), false);
  assert.equal(fitsGeminiSchema({ type: 'integer', enum: [1, 2] }), false);
  assert.equal(fitsGeminiSchema({ type: 'object', additionalProperties: { $ref: '#/$defs/x' } }), false);
  assert.equal(fitsGeminiSchema('string'), false);
});
