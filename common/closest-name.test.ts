import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closestName } from './closest-name.js';

test('the nearest candidate within a third of the name, else none', () => {
  assert.equal(closestName('backendRef', ['backendRefs', 'parentRefs']), 'backendRefs');
  assert.equal(closestName('modl', ['model', 'backend']), 'model');
  assert.equal(closestName('xyz', ['model', 'backend']), undefined);
  assert.equal(closestName('a', ['b', 'c']), 'b', 'one edit is always allowed; ties go to the first');
  assert.equal(closestName('same', ['same']), 'same');
  assert.equal(closestName('openai', ['Cohere', 'OpenAI']), 'OpenAI', 'case is ignored');
  assert.equal(closestName('nmae', ['name', 'prefix', 'version']), 'name', 'two swapped letters are one typo');
});
