// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildStdioEnv, substituteEnvReferences } from './stdio-env.js';

describe('substituteEnvReferences', () => {
  const env = { HOME: '/home/me', EMPTY: '', TOKEN: 'secret' };
  it('expands ${VAR}, ${env:VAR} and ${VAR:-default}; unset is empty; bare $VAR stays', () => {
    assert.equal(substituteEnvReferences('${HOME}/x', env), '/home/me/x');
    assert.equal(substituteEnvReferences('Bearer ${env:TOKEN}', env), 'Bearer secret');
    assert.equal(substituteEnvReferences('${NOPE:-fallback} ${EMPTY:-e} ${HOME:-h}', env), 'fallback e /home/me');
    assert.equal(substituteEnvReferences('[${NOPE}]', env), '[]');
    assert.equal(substituteEnvReferences('$HOME ${ not a ref } $${HOME}', env), '$HOME ${ not a ref } $/home/me');
  });
  it('does not read inherited properties', () => {
    assert.equal(substituteEnvReferences('${toString}', {}), '');
  });
});

describe('buildStdioEnv', () => {
  it('is the base environment plus the entries, resolved against the base only', () => {
    const env = buildStdioEnv({ PATH: '/bin', A: 'base', GONE: undefined }, { A: 'override', B: '${A}-${PATH}' });
    assert.deepEqual(env, { PATH: '/bin', A: 'override', B: 'base-/bin' });
  });
  it('keeps a variable named __proto__ as data', () => {
    const env = buildStdioEnv({}, Object.fromEntries([['__proto__', 'x']]));
    assert.deepEqual(Object.keys(env), ['__proto__']);
  });
});
