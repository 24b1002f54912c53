// SPDX-License-Identifier: Apache-2.0
//
// The expected values below were checked against the real a8m/envsubst v1.4.3 (relaxed mode),
// row by row. The first block covers the syntax form by form (SET=val, EMPTY= and UNSET unset). The rest pins the quirks that fall out of its lexer.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { isAigwError } from '../common/errors.js';
import { ConfigError } from './diagnostic.js';
import { envsubst, envsubstError } from './envsubst.js';

const env = { SET: 'val', EMPTY: '', HOME: '/home/u' } as const;

function sub(text: string, e: Readonly<Record<string, string | undefined>> = env): string {
  return envsubst(text, e);
}

/** Asserts the single syntax error and where it is reported. */
function assertSyntaxError(text: string, line: number, column: number): void {
  assert.throws(
    () => envsubst(text, env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, 'closing brace expected');
      assert.deepEqual({ line: err.diagnostics[0]?.line, column: err.diagnostics[0]?.column }, { line, column });
      assert.match(err.diagnostics[0]?.hint ?? '', /close the \$\{\.\.\.\}/);
      return true;
    },
  );
}

describe('envsubst: the syntax, form by form', () => {
  const rows: ReadonlyArray<readonly [input: string, output: string]> = [
    // bare $NAME is substituted too
    ['${SET}', 'val'],
    ['$SET', 'val'],
    ['$SET.x', 'val.x'],
    // unset gives ""
    ['${UNSET}', ''],
    ['$UNSET|', '|'],
    // := and :- mean "unset or empty"; := does not assign
    ['${UNSET:=def}', 'def'],
    ['${EMPTY:=def}', 'def'],
    // = and - mean "unset only"
    ['${UNSET=def}', 'def'],
    ['${EMPTY=def}', ''],
    ['${UNSET:-def}', 'def'],
    ['${EMPTY-def}', ''],
    // + and :+ both mean "is set" (empty counts as set)
    ['${SET:+alt}', 'alt'],
    ['${UNSET:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    // default text may contain ':' and spaces
    ['${CHAT_MODEL:=deepseek-r1:1.5b}', 'deepseek-r1:1.5b'],
    ['${UNSET:-a b}', 'a b'],
    // default may be a single $VAR
    ['${UNSET:-$HOME}', '/home/u'],
    // quirk: text after a $VAR default replaces it
    ['${UNSET:-$HOME/bin}', '/bin'],
    // quirk: a default that starts with text is literal
    ['${UNSET:-pre$HOME}', 'pre$HOME'],
    // nesting unsupported
    ['${UNSET:-${SET}}', '}'],
    // $$ escapes one $
    ['pa$$word', 'pa$word'],
    ['$$SET', '$SET'],
    // $ not followed by a name, { or $ is literal
    ['^gpt-.*$', '^gpt-.*$'],
    ['a $ b', 'a $ b'],
    // $5 is a variable
    ['cost $5', 'cost '],
    ['${}', '${}'],
    // a space breaks the name
    ['${ SET }', ''],
    // ? forms are not error operators
    ['${SET:?msg}', 'val'],
    ['${UNSET:?msg}', ''],
    // bash case/length operators unsupported
    ['${SET^^}', 'val'],
    ['${#SET}', ''],
  ];
  for (const [input, output] of rows) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(output)}`, () => {
      assert.equal(sub(input), output);
    });
  }

  it('${UNCLOSED is the syntax error', () => assertSyntaxError('${UNCLOSED', 1, 1));
  it('a brace on the next line does not close', () => assertSyntaxError('${SET\n}', 1, 1));
  it('${SET:} is the syntax error (the ":" swallows the "}")', () => assertSyntaxError('${SET:}', 1, 1));
});

describe('envsubst: identifiers', () => {
  it('names may start with a digit', () => {
    assert.equal(sub('$1 ${1}', { '1': 'one' }), 'one one');
  });
  it('$_ and ${_} stay literal, $_x does not', () => {
    assert.equal(sub('$_ ${_}', { _: 'U' }), '$_ ${_}');
    assert.equal(sub('$_x', { _x: 'U' }), 'U');
  });
  it('Unicode letters are part of names', () => {
    assert.equal(sub('$é ${é}', { é: 'E' }), 'E E');
    assert.equal(sub('$SET😀'), 'val😀');
  });
  it('unset and empty substitute to "" and are never an error', () => {
    assert.equal(sub('[$UNSET][$EMPTY][${UNSET}][${EMPTY}]'), '[][][][]');
  });
  it('an undefined value is unset', () => {
    assert.equal(sub('${U-def}', { U: undefined }), 'def');
  });
  it('only own properties are looked up', () => {
    assert.equal(sub('[$constructor][${toString}][$__proto__]', {}), '[][][]');
  });
});

describe('envsubst: more lexer quirks', () => {
  it('an operator with no word is ignored', () => {
    assert.equal(sub('${SET:+}'), 'val');
    assert.equal(sub('${UNSET:-}'), '');
  });
  it('${$NAME} looks up "$NAME" and is always empty', () => {
    assert.equal(sub('${$SET}'), '');
  });
  it('unknown text after the name is ignored', () => {
    assert.equal(sub('${SET x}'), 'val');
    assert.equal(sub('${SET:x}'), 'val');
  });
  it('the last operator wins', () => {
    assert.equal(sub('${UNSET:-$HOME:=x}'), 'x');
  });
  it('":" followed by a newline swallows it', () => {
    assert.equal(sub('${SET:\n}'), 'val');
  });
  it('a stray "}" after a substitution is text', () => {
    assert.equal(sub('${SET}}'), 'val}');
    assert.equal(sub('${SET:-a}b}'), 'valb}');
  });
  it('lone and repeated dollars', () => {
    assert.equal(sub('$'), '$');
    assert.equal(sub('$$$'), '$$');
    assert.equal(sub('end $'), 'end $');
  });
  it('${_} leaves the lexer inside a substitution, so a later bare $VAR needs a "}"', () => {
    assertSyntaxError('${_} $SET x', 1, 1);
    assert.equal(sub('${_} $SET}'), '${_} val}');
  });
  it('an unclosed ${ reached via $_ is an error (upstream v1.4.3 hangs here)', () => {
    assertSyntaxError('a: ${X:-$_}', 1, 4);
    assertSyntaxError('a: ok\nb: ${X:-pre$_}\nc: ok\n', 2, 4);
  });
});

describe('envsubst: multi-line text', () => {
  it('substitutes across a whole YAML document, comments included', () => {
    const text = [
      'apiVersion: v1',
      'kind: Secret',
      '# key from ${UNSET:-the env}',
      'stringData:',
      '  apiKey: ${SET}',
      '  other: "$SET-$EMPTY."',
      '  regex: ^gpt-.*$',
      '',
    ].join('\n');
    const want = [
      'apiVersion: v1',
      'kind: Secret',
      '# key from the env',
      'stringData:',
      '  apiKey: val',
      '  other: "val-."',
      '  regex: ^gpt-.*$',
      '',
    ].join('\n');
    assert.equal(sub(text), want);
  });
  it('keeps CRLF line endings', () => {
    assert.equal(sub('a: ${SET}\r\nb: $SET\r\n'), 'a: val\r\nb: val\r\n');
  });
  it('a value with newlines is inserted verbatim', () => {
    assert.equal(sub('k: $V\n', { V: 'x\ny' }), 'k: x\ny\n');
  });
  it('substituted values are not substituted again', () => {
    assert.equal(sub('$V', { V: '${SET}' }), '${SET}');
  });
});

describe('envsubst: error positions', () => {
  it('reports the 1-based line and column of the offending ${', () => {
    assertSyntaxError('a: ok\nb: ${SET\nc: ${SET}\n', 2, 4);
  });
  it('counts columns after earlier substitutions on the same line by the input text', () => {
    assertSyntaxError('x: ${SET} ${SET:-$HOME', 1, 11);
  });
  it('an error in a comment is still an error', () => {
    assertSyntaxError('a: 1\n# see ${DOCS\n', 2, 7);
  });
  it('CR counts as the end of a substitution but not as a line break', () => {
    assertSyntaxError('a: 1\r\nb: ${SET\r\n', 2, 4);
  });
  it('blames the innermost unclosed ${', () => {
    assertSyntaxError('${A} ${B:-x', 1, 6);
  });
  it('is a CONFIG AigwError', () => {
    const err = envsubstError('closing brace expected', 3, 5);
    assert.ok(isAigwError(err, 'CONFIG'));
    assert.equal(err.name, 'ConfigError');
  });
});

describe('envsubst: no loops, bounded output', () => {
  it('is one pass: self-references and cycles come out as written', () => {
    assert.equal(sub('k: ${SELF}', { SELF: '${SELF}' }), 'k: ${SELF}');
    assert.equal(sub('k: $A $B', { A: '$B', B: '${A:-$A}' }), 'k: $B ${A:-$A}');
  });
  it('refuses an expansion past maxLength, at the variable that crossed it', () => {
    const big = 'x'.repeat(1000);
    assert.equal(envsubst('a: $BIG\nb: $BIG\n', { BIG: big }, { maxLength: 2100 }).length, 2008);
    assert.throws(
      () => envsubst('a: $BIG\nb: $BIG\nc: ${BIG}\n', { BIG: big }, { maxLength: 2100 }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.message, 'environment substitution makes the configuration longer than 2100 characters (at ${BIG})');
        assert.deepEqual({ line: err.diagnostics[0]?.line, column: err.diagnostics[0]?.column }, { line: 3, column: 4 });
        assert.match(err.diagnostics[0]?.hint ?? '', /check its value/);
        return true;
      },
    );
  });
  it('text after the last variable is blamed on that variable', () => {
    assert.throws(() => envsubst(`a: $V ${'y'.repeat(50)}`, { V: 'v' }, { maxLength: 20 }), (err: unknown) => err instanceof ConfigError && err.diagnostics[0]?.line === 1 && err.diagnostics[0]?.column === 4);
  });
  it('has no limit unless asked', () => {
    assert.equal(sub('$B$B$B', { B: 'z'.repeat(100_000) }).length, 300_000);
  });
});
