import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gcpVertexAIErrorBody } from './gcp-vertexai-error-body.js';

const error = (status: number, body: string): unknown => JSON.parse(gcpVertexAIErrorBody(status, Buffer.from(body)).toString());

test('a Google error: the status name is the type, the details follow the message', () => {
  const body = JSON.stringify({
    error: { code: 400, message: 'Invalid JSON payload received. Unknown name "foo".', status: 'INVALID_ARGUMENT', details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ description: 'x' }] }] },
  });
  assert.deepEqual(error(400, body), {
    type: 'error',
    error: {
      type: 'INVALID_ARGUMENT',
      code: '400',
      message: 'Invalid JSON payload received. Unknown name "foo".\nDetails: [{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"description":"x"}]}]',
    },
  });
});

test('without details the message is Google’s alone; the array form of streaming methods is read too', () => {
  const body = JSON.stringify([{ error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } }]);
  assert.deepEqual(error(429, body), { type: 'error', error: { type: 'RESOURCE_EXHAUSTED', code: '429', message: 'Quota exceeded' } });
});

test('bodies that are not Google errors keep their text as GCPVertexAIBackendError', () => {
  assert.deepEqual(error(503, '<html>upstream connect error</html>'), {
    type: 'error',
    error: { type: 'GCPVertexAIBackendError', code: '503', message: '<html>upstream connect error</html>' },
  });
  assert.deepEqual(error(500, '{"message":"odd"}'), { type: 'error', error: { type: 'GCPVertexAIBackendError', code: '500', message: '{"message":"odd"}' } });
  assert.deepEqual(error(404, '{"error":{"code":404,"message":"not found"}}'), { type: 'error', error: { type: 'GCPVertexAIBackendError', code: '404', message: 'not found' } });
});
