// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseGoUrl } from './parse-go-url.js';
import { isAigwError } from '../../common/errors.js';

describe('parseGoUrl (Go net/url semantics)', () => {
  it('parses like url.Parse', () => {
    assert.deepEqual(parseGoUrl('HTTPS://u:p@Api.Example.com:8443/a%20b/v1?q=1#f'), { scheme: 'https', hostname: 'Api.Example.com', port: '8443', path: '/a b/v1', opaque: '' });
    assert.deepEqual(parseGoUrl('http://[fe80::1%25eth0]:80/'), { scheme: 'http', hostname: 'fe80::1%eth0', port: '80', path: '/', opaque: '' });
    assert.deepEqual(parseGoUrl('localhost:11434/v1'), { scheme: 'localhost', hostname: '', port: '', path: '', opaque: '11434/v1' });
    assert.deepEqual(parseGoUrl('http://h:/x'), { scheme: 'http', hostname: 'h', port: '', path: '/x', opaque: '' });
    assert.deepEqual(parseGoUrl('//h/x'), { scheme: '', hostname: 'h', port: '', path: '/x', opaque: '' });
  });
  it("reports Go's errors", () => {
    const cases: [string, string][] = [
      [':::invalid', 'parse ":::invalid": missing protocol scheme'],
      ['1http://h', 'parse "1http://h": first path segment in URL cannot contain colon'],
      ['http://h h/', 'parse "http://h h/": invalid character " " in host name'],
      ['http://h:8x/', 'parse "http://h:8x/": invalid port ":8x" after host'],
      ['http://h/%4', 'parse "http://h/%4": invalid URL escape "%4"'],
      ['http://h%41/', 'parse "http://h%41/": invalid URL escape "%41"'],
      ['http://h/\n', 'parse "http://h/\\n": net/url: invalid control character in URL'],
    ];
    for (const [raw, message] of cases) assert.throws(() => parseGoUrl(raw), (error: unknown) => isAigwError(error, 'CONFIG') && error.message === message, raw);
  });
});
