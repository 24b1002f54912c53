// SPDX-License-Identifier: Apache-2.0
//
// Multi-document YAML → plain JS objects, keeping the syntax tree so later stages can turn a
// Kubernetes field path (spec.rules[0].matches) back into file:line:col for their diagnostics.
// Problems are collected, never thrown one at a time, so a user sees every broken document in
// one run.

import {
  LineCounter,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  parseAllDocuments,
  visit,
  type Alias,
  type Document,
  type YAMLError,
  type YAMLMap,
} from 'yaml';

import type { Diagnostic } from './diagnostic.js';
import { explainYamlError } from './explain-yaml-error.js';

export { formatFieldPath } from './diagnostic.js';

/** 1-based line and column (UTF-16 code units). */
export interface SourcePosition {
  line: number;
  column: number;
}

/** One non-empty YAML document whose top level is a mapping (a Kubernetes object). */
export interface SourceDocument {
  readonly file: string;
  /**
   * 0-based index of the document in the stream. Empty documents count too, so it matches
   * the position among the `---`-separated documents.
   */
  readonly index: number;
  /** The document as plain JS data (objects, arrays, strings, numbers, booleans, null). */
  readonly value: Record<string, unknown>;
  /**
   * Where the node at `path` is (e.g. `['spec', 'rules', 0, 'matches']`). For a mapping entry
   * that is its key, which is where a reader looks for a field. For a sequence item it is the
   * item. When the path does not exist, the nearest existing ancestor is returned instead, so a
   * missing field points at the object that should have it.
   */
  positionOf(path: readonly (string | number)[]): SourcePosition | undefined;
}

export interface LoadedDocuments {
  documents: SourceDocument[];
  /** YAML errors and warnings. A document with an error is left out of `documents`. */
  problems: Diagnostic[];
}

/**
 * Limit on alias expansion when converting to JS, the `yaml` package's guard against
 * "billion laughs" documents. Real configs use a handful of aliases at most.
 */
export const MAX_ALIAS_COUNT = 100;

/**
 * Deepest nesting of mappings and sequences a document may have. Kubernetes objects stay around
 * a dozen levels; far deeper input is refused with its position, before any stage that walks
 * values recursively (conversion, schema validation, CEL) could overflow the stack on it.
 */
export const MAX_NESTING_DEPTH = 64;

/**
 * Characters YAML 1.2 allows in a stream (c-printable): tab, line breaks and printable Unicode.
 * This matches the first one it does not: C0/C1 controls, DEL, U+FFFE/U+FFFF, lone surrogates.
 */
const NON_PRINTABLE =
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is matched
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The first character YAML does not allow in a stream, with its 1-based position, or undefined.
 * go-yaml (upstream) refuses them too ("control characters are not allowed"); they mean a binary
 * file or a broken copy and paste, and the `yaml` package would take them as part of a scalar.
 */
export function findNonPrintable(text: string): { line: number; column: number; message: string } | undefined {
  const match = NON_PRINTABLE.exec(text);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0);
  const lineStart = text.lastIndexOf('\n', match.index - 1) + 1;
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < match.index; i = text.indexOf('\n', i + 1)) line++;
  const name = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const what = code >= 0xd800 && code <= 0xdfff ? `an unpaired surrogate (${name})` : `the control character ${name}`;
  return { line, column: match.index - lineStart + 1, message: `invalid YAML: ${what} is not allowed in a YAML file (is it a binary file?)` };
}

type ParsedDocument = Document.Parsed;

/**
 * loadDocuments parses a (possibly multi-document) YAML text. Upstream decodes it with
 * sigs.k8s.io/yaml (YAML/JSON, `<<` merge keys allowed, duplicate keys accepted with the last one
 * winning). We accept the same and also report what it silently accepts as warnings.
 */
export function loadDocuments(text: string, file: string): LoadedDocuments {
  const nonPrintable = findNonPrintable(text);
  if (nonPrintable) {
    const { message, ...position } = nonPrintable;
    return { documents: [], problems: [{ severity: 'error', file, ...position, message }] };
  }
  const lineCounter = new LineCounter();
  // prettyErrors off: we render positions ourselves and want the bare message.
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, merge: true });
  const positionAt = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    // LineCounter reports line 0 for offsets before the first recorded line start.
    return line === 0 ? { line: 1, column: offset + 1 } : { line, column: col };
  };
  const problems: Diagnostic[] = [];
  // A broken structure makes the parser repeat itself (one error per unclosed `[`): say it once.
  const reported = new Set<string>();
  const report = (severity: Diagnostic['severity'], offset: number, message: string, hint?: string): void => {
    const key = `${offset} ${severity} ${message}`;
    if (reported.has(key)) return;
    reported.add(key);
    const d: Diagnostic = { severity, file, ...positionAt(offset), message };
    if (hint !== undefined) d.hint = hint;
    problems.push(d);
  };

  if ('empty' in docs) {
    // Stream-level problems (e.g. a directive with no document) exist only for an empty stream.
    for (const e of docs.errors) report('error', e.pos[0], `invalid YAML: ${e.message}`);
    for (const w of docs.warnings) report('warning', w.pos[0], w.message);
    return { documents: [], problems };
  }

  const documents: SourceDocument[] = [];
  docs.forEach((doc, index) => {
    let broken = false;
    // The parser out of stack (thousands of nested [ or {, or indentation levels) leaves a trail
    // of follow-on errors; the first overflow is the one worth reporting.
    const overflow = doc.errors.find((e) => e.message.includes('Maximum call stack size exceeded'));
    for (const e of overflow ? [overflow] : doc.errors.filter(isDuplicateKey)) {
      if (e === overflow) {
        report('error', e.pos[0], `invalid YAML: nested too deeply to read (aigw reads at most ${MAX_NESTING_DEPTH} levels)`);
        broken = true;
      } else {
        report('warning', e.pos[0], `duplicate key ${JSON.stringify(text.slice(e.pos[0], e.pos[1]))}; the last value is used`);
      }
    }
    // One mistake (a mis-indented key, a missing colon) makes the parser report two or three
    // errors, the later ones about its own recovery: the first one, explained, is the useful one.
    const syntax = overflow ? undefined : doc.errors.filter((e) => !isDuplicateKey(e)).sort((a, b) => a.pos[0] - b.pos[0])[0];
    if (syntax) {
      const { line, column } = positionAt(syntax.pos[0]);
      const explained = explainYamlError(text, syntax.code, syntax.message, line, column);
      const key = `${explained.line}:${explained.column} ${explained.message}`;
      if (!reported.has(key)) {
        reported.add(key);
        problems.push({ severity: 'error', file, ...explained, excerpt: sourceLine(text, explained.line) });
      }
      broken = true;
    }
    for (const w of doc.warnings) report('warning', w.pos[0], w.message);
    // A document with syntax errors still yields a best-effort tree, but acting on a guess
    // would only produce confusing follow-on errors.
    if (broken || isEmptyDocument(doc)) return;

    const contents = doc.contents;
    const start = contents?.range[0] ?? doc.range[0];
    if (!isMap(contents)) {
      report('error', start, `expected a Kubernetes object (a YAML mapping) but found ${describeNode(contents)}`);
      return;
    }

    const recursive = findAlias(doc, (alias, path) => path.includes(alias.resolve(doc) ?? alias));
    if (recursive !== undefined) {
      // go-yaml refuses these too ("anchor … value contains itself"); as plain data they never end.
      report('error', recursive, 'invalid YAML: this alias is inside the value of its own anchor, which would make the value contain itself', 'aliases can only repeat a value defined before and outside them');
      return;
    }
    const tooDeep = deeperThan(contents, MAX_NESTING_DEPTH);
    if (tooDeep !== undefined) {
      report('error', tooDeep, `nested more than ${MAX_NESTING_DEPTH} levels deep; no Kubernetes object is`, 'check the indentation and the [ ] and { } pairs');
      return;
    }

    let js: unknown;
    try {
      js = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      // toJS throws for alias bombs and for aliases to unknown anchors. The error carries no
      // position, so we point at the first alias that fits.
      const message = err instanceof Error ? err.message : String(err);
      if (message.startsWith('Excessive alias count')) {
        const at = findAlias(doc, () => true);
        report(
          'error',
          at ?? start,
          `too many YAML alias expansions (more than ${MAX_ALIAS_COUNT}); the document looks like an alias bomb`,
          'aliases (*name) are copied in full when loading; repeat the content instead of nesting aliases',
        );
      } else {
        const at = findAlias(doc, (alias) => alias.resolve(doc) === undefined);
        report('error', at ?? start, `invalid YAML: ${message}`);
      }
      return;
    }
    const value = clonePlain(js);
    if (!isRecord(value)) {
      // Unreachable for a YAMLMap without mapAsMap; checked so the type needs no cast.
      report('error', start, 'expected a Kubernetes object (a YAML mapping)');
      return;
    }
    documents.push({
      file,
      index,
      value,
      positionOf: (path) => {
        const offset = offsetOf(doc, path);
        return offset === undefined ? undefined : positionAt(offset);
      },
    });
  });
  return { documents, problems };
}

/** The text of 1-based line `line`, shown under a syntax error with a caret. */
function sourceLine(text: string, line: number): string {
  let start = 0;
  for (let n = 1; n < line; n++) {
    const next = text.indexOf('\n', start);
    if (next === -1) return '';
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end === -1 ? undefined : end).replace(/\r$/, '');
}

function isDuplicateKey(e: YAMLError): boolean {
  // Upstream's decoder (go-yaml v2, non-strict) keeps the last value; the `yaml` package
  // reports it as an error. We keep going, like upstream, and warn.
  return e.code === 'DUPLICATE_KEY';
}

/** A document with no content at all: a trailing `---`, or only comments. */
function isEmptyDocument(doc: ParsedDocument): boolean {
  const c = doc.contents;
  if (c === null) return true;
  // An absent node is represented as an untagged, unanchored null scalar with no source text.
  // An explicit `~` or `null` has source text and is reported as "not a mapping".
  return isScalar(c) && c.value === null && c.source === '' && c.tag === undefined && c.anchor === undefined;
}

function describeNode(node: unknown): string {
  if (isSeq(node)) return 'a sequence';
  if (isAlias(node)) return 'an alias';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    if (typeof v === 'number' || typeof v === 'boolean') return `the ${typeof v} ${String(v)}`;
    return 'a scalar';
  }
  return 'nothing';
}

/**
 * Offset of the first mapping or sequence nested deeper than `limit` (aliases are not followed:
 * toJS bounds their expansion), walked without recursion. Undefined when within the limit.
 */
function deeperThan(root: unknown, limit: number): number | undefined {
  const pending: { node: unknown; depth: number }[] = [{ node: root, depth: 1 }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { node, depth } = item;
    const children: unknown[] = isMap(node) ? node.items.flatMap((pair) => [pair.key, pair.value]) : isSeq(node) ? node.items : [];
    if (children.length === 0 && !isMap(node) && !isSeq(node)) continue;
    if (depth > limit) return isNode(node) ? node.range?.[0] : undefined;
    for (const child of children) pending.push({ node: child, depth: depth + 1 });
  }
  return undefined;
}

/** Offset of the first alias node satisfying `accept`, if any. */
function findAlias(doc: ParsedDocument, accept: (alias: Alias, path: readonly unknown[]) => boolean): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Alias(_key, alias, path) {
      const at = alias.range?.[0];
      if (at !== undefined && accept(alias, path)) {
        found = at;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

// ---------------------------------------------------------------------------------------------
// Path → node lookup

/** Offset of `path` (or of its nearest existing ancestor); see SourceDocument.positionOf. */
function offsetOf(doc: ParsedDocument, path: readonly (string | number)[]): number | undefined {
  let node: unknown = doc.contents;
  let best = isNode(node) ? node.range?.[0] : undefined;
  for (const segment of path) {
    node = resolveAlias(doc, node);
    let next: { at: number | undefined; node: unknown } | undefined;
    if (isMap(node)) {
      next = findEntry(doc, node, String(segment), 0);
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (isNode(item)) next = { at: item.range?.[0], node: item };
    }
    if (next === undefined) break;
    if (next.at !== undefined) best = next.at;
    node = next.node;
  }
  return best;
}

function resolveAlias(doc: ParsedDocument, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/** Merge chains deeper than this are not followed (aliases can form cycles). */
const MAX_MERGE_DEPTH = 10;

/**
 * Finds the entry for `key` the way the JS value was built. The last explicit pair wins
 * (duplicate keys), then `<<` merge sources in order, because explicit keys override merged
 * ones. Returns the key's offset (or the value's, for a pair with an empty key) and the value
 * node.
 */
function findEntry(
  doc: ParsedDocument,
  map: YAMLMap,
  key: string,
  depth: number,
): { at: number | undefined; node: unknown } | undefined {
  const merges: unknown[] = [];
  for (let i = map.items.length - 1; i >= 0; i--) {
    const pair = map.items[i];
    if (pair === undefined) continue;
    const k: unknown = pair.key;
    const v: unknown = pair.value;
    if (!isScalar(k)) continue;
    if (typeof k.value === 'symbol' && k.value.description === '<<') {
      merges.unshift(v);
      continue;
    }
    if (String(k.value) === key) {
      const at = k.range?.[0] ?? (isNode(v) ? v.range?.[0] : undefined);
      return { at, node: v };
    }
  }
  if (depth >= MAX_MERGE_DEPTH) return undefined;
  for (const merge of merges) {
    const source = resolveAlias(doc, merge);
    const sources: unknown[] = isSeq(source) ? source.items.map((item: unknown) => resolveAlias(doc, item)) : [source];
    for (const s of sources) {
      if (!isMap(s)) continue;
      const found = findEntry(doc, s, key, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Plain values

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep copy. toJS returns the same object for every use of an alias. Later stages that edit one
 * place (e.g. Secret substitution) must not change the others, as with upstream's decoding.
 */
function clonePlain(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items: readonly unknown[] = value;
    return items.map(clonePlain);
  }
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // defineProperty, not assignment: a YAML key "__proto__" must stay an own data property
      // instead of replacing the prototype.
      Object.defineProperty(out, k, { value: clonePlain(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
