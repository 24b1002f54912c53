// SPDX-License-Identifier: Apache-2.0
//
// One plain-language message for a YAML syntax error. The `yaml` parser words its errors for
// the grammar ("Nested mappings are not allowed in compact mappings"), reports them where the
// grammar broke rather than where the typo is (often the line before), and usually reports two
// or three for one mis-indented key. An indentation typo is the commonest YAML mistake in a
// Kubernetes file, so for those codes we look at the source lines themselves and say which line
// is off and what it should line up with.

import type { ErrorCode } from 'yaml';

/** Where a syntax error is and what to tell the user; line and column are 1-based. */
export interface YamlErrorExplanation {
  line: number;
  column: number;
  message: string;
  hint?: string;
}

/** A line of the text with its indentation and where its key (after any `- `) starts, 0-based. */
interface SourceLine {
  number: number;
  text: string;
  indent: number;
  keyColumn: number;
  /** The key on the line (`name` for `  - name: x`), if it has one. */
  key?: string;
}

/**
 * Explains the parser error `code` (with `message`) reported at 1-based `line`/`column` of `text`.
 * Codes we have nothing better for keep the parser's message, prefixed `invalid YAML:`.
 */
export function explainYamlError(text: string, code: ErrorCode, message: string, line: number, column: number): YamlErrorExplanation {
  const lines = text.split('\n');
  const at = (n: number): SourceLine | undefined => describeLine(lines, n);
  const fallback: YamlErrorExplanation = { line, column, message: `invalid YAML: ${message}` };
  switch (code) {
    case 'TAB_AS_INDENT': {
      const tab = (lines[line - 1] ?? '').search(/\t/);
      return {
        line,
        column: tab >= 0 ? tab + 1 : column,
        message: 'invalid YAML: a tab is used for indentation; YAML indents with spaces only',
        hint: 'replace the tab at the start of this line with spaces',
      };
    }
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY': {
      // The parser stops at a value that runs on into the next line. Either the line ends in a
      // bare word with no `:` (a key missing its colon), or the next line is indented deeper
      // than this key, so YAML reads it as more of this key's value.
      const here = at(line);
      if (here === undefined) return fallback;
      if (here.key === undefined) {
        const word = here.text.trim();
        return {
          line,
          column: here.text.length + 1,
          message: `invalid YAML: ${JSON.stringify(word)} has no ":" after it, so the indented lines below cannot be its value`,
          hint: `write "${word}:"`,
        };
      }
      const next = nextContentLine(lines, line);
      if (next === undefined || next.indent <= here.keyColumn) return fallback;
      return {
        line: next.number,
        column: next.indent + 1,
        message: `invalid YAML: ${quoteKey(next)} is indented more than "${here.key}:" on line ${here.number}, so it reads as part of the value of "${here.key}" (and a value cannot hold a key)`,
        hint: `line it up with "${here.key}:" (column ${here.keyColumn + 1}); to nest it under "${here.key}", put nothing after "${here.key}:"`,
      };
    }
    case 'BAD_INDENT':
    case 'MISSING_CHAR': {
      const here = at(line);
      const itemWithoutDash = /without - indicator/.test(message);
      if (here === undefined || !(itemWithoutDash || /same column/.test(message))) return fallback;
      // A key without its "-" most often belongs to the item just above (a `weight` next to a
      // `- name`); a mis-indented key to a sibling one or two columns away.
      const sibling = itemWithoutDash ? keyAbove(lines, here.number) : nearestKeyAbove(lines, here);
      const where = sibling ? `"${sibling.key ?? ''}:" on line ${sibling.number} starts at column ${sibling.keyColumn + 1}` : undefined;
      if (itemWithoutDash) {
        return {
          line: here.number,
          column: here.indent + 1,
          message: `invalid YAML: ${quoteKey(here)} is indented like an item of the list above it, but has no "-"`,
          hint: `start it with "- " for a new list item, or line it up with the keys of the item it belongs to${where ? ` (${where})` : ''}`,
        };
      }
      return {
        line: here.number,
        column: here.indent + 1,
        message: `invalid YAML: ${quoteKey(here)} starts at column ${here.indent + 1}, ${where ? `but ${where}` : 'unlike the keys before it'}: the keys of one mapping must start at the same column`,
        hint: sibling ? `indent it to column ${sibling.keyColumn + 1} to put it next to "${sibling.key ?? ''}", or to the column of the key it belongs under` : 'line it up with the key it belongs next to',
      };
    }
    default:
      return fallback;
  }
}

function describeLine(lines: readonly string[], number: number): SourceLine | undefined {
  const text = lines[number - 1];
  if (text === undefined) return undefined;
  const indent = text.length - text.trimStart().length;
  const afterDashes = /^[ \t]*(?:-[ \t]+)*/.exec(text)?.[0].length ?? indent;
  const key = /^([^\s#:][^:#]*?):(?:\s|$)/.exec(text.slice(afterDashes))?.[1];
  return { number, text, indent, keyColumn: afterDashes, ...(key !== undefined ? { key } : {}) };
}

function isContent(text: string): boolean {
  const trimmed = text.trim();
  return trimmed !== '' && !trimmed.startsWith('#');
}

function nextContentLine(lines: readonly string[], after: number): SourceLine | undefined {
  for (let n = after + 1; n <= lines.length; n++) if (isContent(lines[n - 1] ?? '')) return describeLine(lines, n);
  return undefined;
}

/** The nearest line above `line` that has a key. */
function keyAbove(lines: readonly string[], line: number): SourceLine | undefined {
  for (let n = line - 1; n >= 1; n--) {
    const candidate = isContent(lines[n - 1] ?? '') ? describeLine(lines, n) : undefined;
    if (candidate?.key !== undefined) return candidate;
  }
  return undefined;
}

/**
 * The key above `line` that it most likely meant to line up with: the nearest one whose column
 * is within two of this line's indentation (one or two spaces off), else the line just above.
 */
function nearestKeyAbove(lines: readonly string[], line: SourceLine): SourceLine | undefined {
  let previous: SourceLine | undefined;
  for (let n = line.number - 1; n >= 1; n--) {
    if (!isContent(lines[n - 1] ?? '')) continue;
    const candidate = describeLine(lines, n);
    if (candidate?.key === undefined) continue;
    previous ??= candidate;
    if (candidate.keyColumn !== line.indent && Math.abs(candidate.keyColumn - line.indent) <= 2) return candidate;
    // Past the start of the enclosing block: nothing further up is a sibling.
    if (candidate.indent < line.indent - 2) break;
  }
  return previous;
}

function quoteKey(line: SourceLine): string {
  return line.key !== undefined ? `"${line.key}:"` : `line ${line.number}`;
}
