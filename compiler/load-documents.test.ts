// SPDX-License-Identifier: Apache-2.0

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { ConfigError, formatDiagnostic, type Diagnostic } from './diagnostic.js';
import { findNonPrintable, formatFieldPath, loadDocuments, MAX_ALIAS_COUNT, MAX_NESTING_DEPTH, type SourceDocument } from './load-documents.js';

function only(text: string): SourceDocument {
  const { documents, problems } = loadDocuments(text, 'config.yaml');
  assert.deepEqual(problems, []);
  assert.equal(documents.length, 1);
  const [doc] = documents;
  assert.ok(doc);
  return doc;
}

/** Problems as `line:col severity message` strings, which keeps expectations readable. */
function problemsOf(text: string): string[] {
  return loadDocuments(text, 'config.yaml').problems.map((p) => `${p.line}:${p.column} ${p.severity} ${p.message}`);
}

const route = [
  'apiVersion: aigateway.envoyproxy.io/v1alpha1', // 1
  'kind: AIGatewayRoute', // 2
  'metadata:', // 3
  '  name: my-route', // 4
  'spec:', // 5
  '  rules:', // 6
  '    - matches:', // 7
  '        - headers:', // 8
  '            - name: x-ai-eg-model', // 9
  '              value: gpt-4o', // 10
  '      backendRefs:', // 11
  '        - name: openai', // 12
  '        - name: anthropic', // 13
  '',
].join('\n');

describe('loadDocuments: values', () => {
  it('converts a document to plain JS data', () => {
    const doc = only(route);
    assert.equal(doc.file, 'config.yaml');
    assert.equal(doc.index, 0);
    assert.deepEqual(doc.value, {
      apiVersion: 'aigateway.envoyproxy.io/v1alpha1',
      kind: 'AIGatewayRoute',
      metadata: { name: 'my-route' },
      spec: {
        rules: [
          {
            matches: [{ headers: [{ name: 'x-ai-eg-model', value: 'gpt-4o' }] }],
            backendRefs: [{ name: 'openai' }, { name: 'anthropic' }],
          },
        ],
      },
    });
  });

  it('accepts JSON, including tab indentation', () => {
    const doc = only('{\n\t"apiVersion": "v1",\n\t"kind": "Secret",\n\t"data": {"k": "dg=="}\n}\n');
    assert.deepEqual(doc.value, { apiVersion: 'v1', kind: 'Secret', data: { k: 'dg==' } });
  });

  it('resolves YAML 1.2 core scalars, as Kubernetes decoding does for these', () => {
    const doc = only('a: 1\nb: 1.5\nc: true\nd: null\ne: "1"\nf: 0x10\n');
    assert.deepEqual(doc.value, { a: 1, b: 1.5, c: true, d: null, e: '1', f: 16 });
  });

  it('supports << merge keys (explicit keys win)', () => {
    const doc = only('base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n');
    assert.deepEqual(doc.value, { base: { x: 1, y: 2 }, d: { x: 1, y: 3 } });
  });

  it('gives each alias use its own copy', () => {
    const doc = only('a: &a {k: [1]}\nb: *a\n');
    const { a, b } = doc.value;
    assert.deepEqual(a, b);
    assert.notEqual(a, b);
  });

  it('keeps a "__proto__" key as data', () => {
    const doc = only('__proto__: {polluted: true}\nx: 1\n');
    assert.equal(Object.getPrototypeOf(doc.value), Object.prototype);
    assert.ok(Object.hasOwn(doc.value, '__proto__'));
    const fresh: Record<string, unknown> = {};
    assert.equal(fresh['polluted'], undefined);
  });

  it('handles CRLF and a byte-order mark', () => {
    const doc = only('\ufeffa: 1\r\nb:\r\n  c: 2\r\n');
    assert.deepEqual(doc.value, { a: 1, b: { c: 2 } });
    assert.deepEqual(doc.positionOf(['b', 'c']), { line: 3, column: 3 });
  });
});

describe('loadDocuments: positionOf', () => {
  const doc = only(route);
  const cases: ReadonlyArray<readonly [path: readonly (string | number)[], line: number, column: number]> = [
    [[], 1, 1],
    [['kind'], 2, 1],
    [['metadata', 'name'], 4, 3],
    [['spec', 'rules'], 6, 3],
    // A sequence item is positioned at its first token after "- ".
    [['spec', 'rules', 0], 7, 7],
    [['spec', 'rules', 0, 'matches'], 7, 7],
    [['spec', 'rules', 0, 'matches', 0, 'headers', 0, 'value'], 10, 15],
    [['spec', 'rules', 0, 'backendRefs'], 11, 7],
    [['spec', 'rules', 0, 'backendRefs', 1, 'name'], 13, 11],
  ];
  for (const [path, line, column] of cases) {
    it(`${formatFieldPath(path) || '(root)'} is at ${line}:${column}`, () => {
      assert.deepEqual(doc.positionOf(path), { line, column });
    });
  }

  it('falls back to the nearest existing ancestor', () => {
    assert.deepEqual(doc.positionOf(['spec', 'rules', 0, 'timeouts', 'request']), { line: 7, column: 7 });
    assert.deepEqual(doc.positionOf(['spec', 'rules', 3]), { line: 6, column: 3 });
    assert.deepEqual(doc.positionOf(['metadata', 'name', 'deeper']), { line: 4, column: 3 });
    assert.deepEqual(doc.positionOf(['spec', 'rules', 'notAnIndex']), { line: 6, column: 3 });
    assert.deepEqual(doc.positionOf(['nope']), { line: 1, column: 1 });
  });

  it('follows aliases and merge keys to where the value is written', () => {
    const merged = only('base: &b\n  x: 1\n  y: {z: 2}\nd:\n  <<: *b\n  w: 3\ne: *b\n');
    assert.deepEqual(merged.positionOf(['d', 'x']), { line: 2, column: 3 });
    assert.deepEqual(merged.positionOf(['d', 'y', 'z']), { line: 3, column: 7 });
    assert.deepEqual(merged.positionOf(['d', 'w']), { line: 6, column: 3 });
    assert.deepEqual(merged.positionOf(['e', 'y', 'z']), { line: 3, column: 7 });
  });

  it('uses the last of duplicate keys, like the value', () => {
    const { documents } = loadDocuments('a: 1\nb: 2\na: 3\n', 'config.yaml');
    assert.deepEqual(documents[0]?.value, { a: 3, b: 2 });
    assert.deepEqual(documents[0]?.positionOf(['a']), { line: 3, column: 1 });
  });

  it('matches non-string keys by their text', () => {
    const numeric = only('ports:\n  8080: http\n');
    assert.deepEqual(numeric.value, { ports: { '8080': 'http' } });
    assert.deepEqual(numeric.positionOf(['ports', '8080']), { line: 2, column: 3 });
    assert.deepEqual(numeric.positionOf(['ports', 8080]), { line: 2, column: 3 });
  });
});

describe('loadDocuments: multiple documents', () => {
  const text = [
    '# leading comment', // 1
    'kind: Gateway', // 2
    'metadata: {name: gw}', // 3
    '---', // 4
    '# comment-only document', // 5
    '---', // 6
    'kind: Secret', // 7
    'metadata:', // 8
    '  name: key', // 9
    '---', // 10
    '',
  ].join('\n');

  it('returns each non-empty document with its stream index and positions', () => {
    const { documents, problems } = loadDocuments(text, 'multi.yaml');
    assert.deepEqual(problems, []);
    assert.deepEqual(
      documents.map((d) => [d.index, d.value['kind']]),
      [
        [0, 'Gateway'],
        [2, 'Secret'],
      ],
    );
    assert.deepEqual(documents[0]?.positionOf(['metadata', 'name']), { line: 3, column: 12 });
    assert.deepEqual(documents[1]?.positionOf(['metadata', 'name']), { line: 9, column: 3 });
    assert.ok(documents.every((d) => d.file === 'multi.yaml'));
  });

  it('skips empty documents and empty streams', () => {
    assert.deepEqual(loadDocuments('', 'e.yaml'), { documents: [], problems: [] });
    assert.deepEqual(loadDocuments('# nothing\n', 'e.yaml'), { documents: [], problems: [] });
    assert.deepEqual(loadDocuments('---\n---\n# c\n---\n', 'e.yaml'), { documents: [], problems: [] });
    const { documents } = loadDocuments('---\na: 1\n...\n---\nb: 2\n---\n', 'e.yaml');
    assert.deepEqual(
      documents.map((d) => d.value),
      [{ a: 1 }, { b: 2 }],
    );
  });

  it('keeps good documents when another one is broken', () => {
    const { documents, problems } = loadDocuments('a: [1\n---\nb: 2\n', 'config.yaml');
    assert.deepEqual(
      documents.map((d) => d.value),
      [{ b: 2 }],
    );
    assert.equal(problems.length, 1);
  });
});

describe('loadDocuments: problems', () => {
  it('reports the first syntax error of each document with file:line:col, across documents', () => {
    const { problems } = loadDocuments('a: [1, 2\nb: : c\n---\nok: 1\n---\nx: 1\n  y: 2\n', 'bad.yaml');
    assert.deepEqual(
      problems.map((p) => [p.severity, p.file, p.line, p.column]),
      [
        // The parser's follow-on errors about the same broken flow sequence are not repeated.
        ['error', 'bad.yaml', 2, 1],
        // `1\n  y: 2` reads as a multi-line implicit key starting at the `1` (two parser errors
        // there); the typo is the over-indented `y` on line 7.
        ['error', 'bad.yaml', 7, 3],
      ],
    );
    assert.ok(problems.every((p) => p.message.startsWith('invalid YAML: ')));
  });

  it('reports tabs used as indentation', () => {
    assert.deepEqual(problemsOf('a:\n\tb: 1\n'), ['2:1 error invalid YAML: a tab is used for indentation; YAML indents with spaces only']);
  });

  it('explains an indentation typo once, at the line that is off, with what it should line up with', () => {
    const secret = (metadata: string): string => `apiVersion: v1\nkind: Secret\nmetadata:\n${metadata}stringData:\n  a: b\n`;
    const deeper = loadDocuments(secret('  name: x\n   namespace: y\n'), 'gw.yaml').problems;
    assert.equal(deeper.length, 1, 'BLOCK_AS_IMPLICIT_KEY and MULTILINE_IMPLICIT_KEY become one message');
    assert.equal(
      formatDiagnostic(deeper[0] ?? { severity: 'error', file: '', message: '' }),
      [
        'gw.yaml:5:4: error: invalid YAML: "namespace:" is indented more than "name:" on line 4, so it reads as part of the value of "name" (and a value cannot hold a key) (hint: line it up with "name:" (column 3); to nest it under "name", put nothing after "name:")',
        '       namespace: y',
        '       ^',
      ].join('\n'),
    );
    assert.deepEqual(problemsOf(secret('    name: x\n  namespace: y\n')), [
      '5:3 error invalid YAML: "namespace:" starts at column 3, but "name:" on line 4 starts at column 5: the keys of one mapping must start at the same column',
    ]);
    assert.deepEqual(problemsOf('spec:\n  rules:\n  - backendRefs:\n    - name: a\n   weight: 2\n'), [
      '5:4 error invalid YAML: "weight:" is indented like an item of the list above it, but has no "-"',
    ]);
    const [noDash] = loadDocuments('spec:\n  rules:\n  - backendRefs:\n    - name: a\n   weight: 2\n', 'gw.yaml').problems;
    assert.match(noDash?.hint ?? '', /"name:" on line 4 starts at column 7/);
    assert.deepEqual(problemsOf('spec:\n  rules\n    - name: a\n'), ['2:8 error invalid YAML: "rules" has no ":" after it, so the indented lines below cannot be its value']);
  });

  it('rejects an alias bomb instead of expanding it', () => {
    const bomb = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      '',
    ].join('\n');
    const { documents, problems } = loadDocuments(bomb, 'bomb.yaml');
    assert.deepEqual(documents, []);
    assert.equal(problems.length, 1);
    const [p] = problems;
    assert.equal(p?.severity, 'error');
    assert.deepEqual([p?.line, p?.column], [2, 8]);
    assert.match(p?.message ?? '', new RegExp(`more than ${MAX_ALIAS_COUNT}`));
    assert.ok(p?.hint);
  });

  it('refuses a merge-key alias bomb too', () => {
    const levels = Array.from({ length: 30 }, (_, i) => `a${i + 1}: &a${i + 1} {<<: [*a${i}, *a${i}], k${i}: v}`).join('\n');
    const problems = loadDocuments(`a0: &a0 {k: v}\n${levels}\n`, 'bomb.yaml').problems;
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message ?? '', /too many YAML alias expansions/);
  });

  it(`refuses nesting deeper than ${MAX_NESTING_DEPTH} levels at the node, flow or block`, () => {
    const flow = (n: number): string => `x: ${'['.repeat(n)}${']'.repeat(n)}\n`;
    assert.deepEqual(loadDocuments(flow(MAX_NESTING_DEPTH - 1), 'ok.yaml').problems, []);
    assert.deepEqual(problemsOf(flow(MAX_NESTING_DEPTH)), [`1:${4 + MAX_NESTING_DEPTH - 1} error nested more than ${MAX_NESTING_DEPTH} levels deep; no Kubernetes object is`]);
    const block = Array.from({ length: 100 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n');
    assert.deepEqual(problemsOf(`${block} end\n`), [`${MAX_NESTING_DEPTH + 1}:${2 * MAX_NESTING_DEPTH + 1} error nested more than ${MAX_NESTING_DEPTH} levels deep; no Kubernetes object is`]);
  });

  it('says "nested too deeply" where the parser itself runs out of stack', () => {
    const balanced = problemsOf(`kind: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    assert.equal(balanced.length, 1);
    assert.match(balanced[0] ?? '', /^1:\d+ error invalid YAML: nested too deeply to read \(aigw reads at most 64 levels\)$/);
    // Unclosed, the parser leaves an error per bracket too: only the overflow is reported.
    const unclosed = problemsOf(`kind: ${'['.repeat(100_000)}\n`);
    assert.equal(unclosed.length, 1);
    assert.match(unclosed[0] ?? '', /nested too deeply to read/);
  });

  it('refuses control characters (binary files) at their position, as go-yaml does', () => {
    assert.deepEqual(problemsOf('kind: Gate\u0000way\n'), ['1:11 error invalid YAML: the control character U+0000 is not allowed in a YAML file (is it a binary file?)']);
    assert.deepEqual(problemsOf('a: 1\nb: \u001b[31m\n'), ['2:4 error invalid YAML: the control character U+001B is not allowed in a YAML file (is it a binary file?)']);
    assert.deepEqual(problemsOf('a: "\ud800"\n'), ['1:5 error invalid YAML: an unpaired surrogate (U+D800) is not allowed in a YAML file (is it a binary file?)']);
    // Tabs, CR LF, a byte-order mark, NEL and any printable Unicode are fine.
    assert.equal(findNonPrintable('\ufeffa:\t"x"\r\nb: \u0085 é 😀 \u2028\n'), undefined);
  });

  it('refuses an alias inside its own anchor (a value that would contain itself)', () => {
    for (const [text, at] of [
      ['spec: &s\n  self: *s\n', '2:9'],
      ['a: &a [1, *a]\n', '1:11'],
      ['a: &a {b: {c: *a}}\n', '1:15'],
      ['a: &a {<<: *a}\n', '1:12'],
    ] as const) {
      assert.deepEqual(problemsOf(text), [`${at} error invalid YAML: this alias is inside the value of its own anchor, which would make the value contain itself`], text);
    }
  });

  it('allows ordinary alias use', () => {
    const refs = Array.from({ length: 20 }, (_, i) => `r${i}: *t`).join('\n');
    const { documents, problems } = loadDocuments(`t: &t {timeout: 60s}\n${refs}\n`, 'ok.yaml');
    assert.deepEqual(problems, []);
    assert.deepEqual(documents[0]?.value['r19'], { timeout: '60s' });
  });

  it('reports an alias to an unknown anchor at the alias', () => {
    assert.deepEqual(problemsOf('a: 1\nb: *nope\n'), [
      '2:4 error invalid YAML: Unresolved alias (the anchor must be set before the alias): nope',
    ]);
  });

  it('reports documents whose top level is not a mapping', () => {
    const { documents, problems } = loadDocuments('- a\n---\nhello\n---\n~\n---\n42\n---\nkind: Secret\n', 'x.yaml');
    assert.deepEqual(
      documents.map((d) => d.index),
      [4],
    );
    assert.deepEqual(
      problems.map((p) => `${p.line}:${p.column} ${p.message}`),
      [
        '1:1 expected a Kubernetes object (a YAML mapping) but found a sequence',
        '3:1 expected a Kubernetes object (a YAML mapping) but found the string "hello"',
        '5:1 expected a Kubernetes object (a YAML mapping) but found null',
        '7:1 expected a Kubernetes object (a YAML mapping) but found the number 42',
      ],
    );
  });

  it('warns about duplicate keys but keeps the document (upstream accepts them)', () => {
    const { documents, problems } = loadDocuments('a: 1\nb: 2\na: 3\n', 'dup.yaml');
    assert.equal(documents.length, 1);
    assert.deepEqual(
      problems.map((p) => `${p.line}:${p.column} ${p.severity} ${p.message}`),
      ['3:1 warning duplicate key "a"; the last value is used'],
    );
  });

  it('passes on warnings such as unknown tags', () => {
    const { documents, problems } = loadDocuments('a: !custom 1\n', 'tag.yaml');
    assert.deepEqual(documents[0]?.value, { a: '1' });
    assert.deepEqual(
      problems.map((p) => [p.severity, p.line, p.column]),
      [['warning', 1, 4]],
    );
  });
});

describe('diagnostic formatting', () => {
  const full: Diagnostic = {
    severity: 'error',
    file: 'config.yaml',
    line: 12,
    column: 9,
    resource: 'AIGatewayRoute "my-route"',
    path: 'spec.rules[0].backendRefs[0].name',
    message: 'AIServiceBackend "openai" not found',
    hint: 'define it or fix the name',
  };

  it('puts file:line:col first', () => {
    assert.equal(
      formatDiagnostic(full),
      'config.yaml:12:9: error: AIGatewayRoute "my-route": spec.rules[0].backendRefs[0].name: AIServiceBackend "openai" not found (hint: define it or fix the name)',
    );
  });

  it('leaves out missing parts', () => {
    assert.equal(formatDiagnostic({ severity: 'warning', file: 'c.yaml', message: 'm' }), 'c.yaml: warning: m');
    assert.equal(formatDiagnostic({ severity: 'error', file: 'c.yaml', line: 3, message: 'm' }), 'c.yaml:3: error: m');
    assert.equal(
      formatDiagnostic({ severity: 'error', file: 'c.yaml', line: 3, column: 1, path: 'spec', message: 'm' }),
      'c.yaml:3:1: error: spec: m',
    );
  });

  it('ConfigError lists every diagnostic, one per line', () => {
    const second: Diagnostic = { severity: 'warning', file: 'c.yaml', line: 1, column: 1, message: 'w' };
    const err = new ConfigError([full, second]);
    assert.ok(err instanceof Error);
    assert.equal(err.code, 'CONFIG');
    assert.equal(err.name, 'ConfigError');
    assert.deepEqual(err.diagnostics, [full, second]);
    assert.equal(err.message, `${formatDiagnostic(full)}\nc.yaml:1:1: warning: w`);
  });

  it('loadDocuments problems format as file:line:col', () => {
    const [p] = loadDocuments('a:\n\tb: 1\n', 'tabs.yaml').problems;
    assert.ok(p);
    // The source line follows, with a caret under the column (tabs kept so it lines up).
    assert.equal(
      formatDiagnostic(p),
      'tabs.yaml:2:1: error: invalid YAML: a tab is used for indentation; YAML indents with spaces only (hint: replace the tab at the start of this line with spaces)\n    \tb: 1\n    ^',
    );
    assert.equal(formatDiagnostic({ severity: 'error', file: 'f', line: 1, column: 3, message: 'm', excerpt: '\tab' }), 'f:1:3: error: m\n    \tab\n    \t ^');
  });

  it('formatFieldPath renders Kubernetes field paths', () => {
    assert.equal(formatFieldPath([]), '');
    assert.equal(formatFieldPath(['spec', 'rules', 0, 'backendRefs', 1, 'name']), 'spec.rules[0].backendRefs[1].name');
    assert.equal(formatFieldPath([0, 'spec']), '[0].spec');
    assert.equal(
      formatFieldPath(['metadata', 'annotations', 'substitution.aigw.run/env/apiKey']),
      'metadata.annotations[substitution.aigw.run/env/apiKey]',
    );
    assert.equal(formatFieldPath(['stringData', 'api_key2']), 'stringData.api_key2');
  });
});
