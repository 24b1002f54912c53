// CEL optional syntax for authorization rules. Upstream builds its CEL environment with
// cel.OptionalTypes(), and its documentation steers users to `request.mcp.params.?arguments.?env
// .orValue("")`, because `tools/list` has no arguments. @bufbuild/cel 0.6 cannot parse `.?` or
// `[?…]`, so the source is rewritten before parsing into calls of the methods below, and an
// optional value is a one-key map (the key cannot come from a request: cel-bindings.ts drops it).
//
// Supported: `x.?f`, `x[?k]`, `optional.of(v)`, `optional.none()`, `optional.ofNonZeroValue(v)`,
// `.hasValue()`, `.value()`, `.orValue(v)`, `.or(o)`. Not supported: optional list elements
// `[?a]` and map entries `{?k: v}` (they still fail to parse, so the route is rejected).

import { CelScalar, celFunc, celMethod, isCelList, isCelMap, type CelFunc, type CelInput, type CelValue } from '@bufbuild/cel';

const { DYN, STRING, BOOL } = CelScalar;

/** The key of the map that stands for an optional value; request data never contains it. */
export const OPTIONAL_KEY = '\u0000aigw.optional';

const SELECT = 'aigwOptSelect';
const INDEX = 'aigwOptIndex';

function none(): CelInput {
  return { [OPTIONAL_KEY]: [] };
}

function of(value: CelValue): CelInput {
  return { [OPTIONAL_KEY]: [value] };
}

/** The optional's content: [] for none, [value] for some; undefined when `value` is not an optional. */
function unwrap(value: CelValue): CelValue[] | undefined {
  if (!isCelMap(value) || !value.has(OPTIONAL_KEY)) return undefined;
  const inner = value.get(OPTIONAL_KEY);
  return isCelList(inner) ? [...inner] : undefined;
}

function mustUnwrap(value: CelValue, method: string): CelValue[] {
  const content = unwrap(value);
  if (content === undefined) throw new Error(`no such overload: ${method} needs an optional value`);
  return content;
}

function lookup(target: CelValue, key: CelValue): CelInput {
  const content = unwrap(target);
  if (content !== undefined) {
    if (content.length === 0) return none();
    target = content[0] ?? null;
  }
  // Lenient on null: a missing section (params of a method without any) reads as "absent".
  if (target === null) return none();
  if (isCelMap(target)) {
    const found = mapKey(key) && target.has(key);
    return found ? of(target.get(key) ?? null) : none();
  }
  if (isCelList(target) && (typeof key === 'bigint' || typeof key === 'number')) {
    const index = Number(key);
    return Number.isInteger(index) && index >= 0 && index < target.size ? of(target.get(index) ?? null) : none();
  }
  throw new Error('no such overload: optional access needs a map, a list or an optional');
}

function mapKey(key: CelValue): key is string | bigint | boolean | number {
  return typeof key === 'string' || typeof key === 'bigint' || typeof key === 'boolean' || typeof key === 'number';
}

function isZero(value: CelValue): boolean {
  if (value === null || value === false || value === '' || value === 0 || value === 0n) return true;
  if (value instanceof Uint8Array) return value.length === 0;
  if (isCelList(value) || isCelMap(value)) return value.size === 0;
  return false;
}

export const OPTIONAL_FUNCS: readonly CelFunc[] = [
  celMethod(SELECT, DYN, [STRING], DYN, function (name) {
    return lookup(this, name);
  }),
  celMethod(INDEX, DYN, [DYN], DYN, function (key) {
    return lookup(this, key);
  }),
  celMethod('hasValue', DYN, [], BOOL, function () {
    return mustUnwrap(this, 'hasValue').length > 0;
  }),
  celMethod('value', DYN, [], DYN, function () {
    const content = mustUnwrap(this, 'value');
    if (content.length === 0) throw new Error('optional.none() dereference');
    return content[0] ?? null;
  }),
  celMethod('orValue', DYN, [DYN], DYN, function (fallback) {
    const content = mustUnwrap(this, 'orValue');
    return content.length > 0 ? (content[0] ?? null) : fallback;
  }),
  celMethod('or', DYN, [DYN], DYN, function (other) {
    return mustUnwrap(this, 'or').length > 0 ? this : other;
  }),
  celFunc('aigwOptionalOf', [DYN], DYN, (value) => of(value)),
  celFunc('aigwOptionalNone', [], DYN, () => none()),
  celFunc('aigwOptionalOfNonZeroValue', [DYN], DYN, (value) => (isZero(value) ? none() : of(value))),
];

const OPTIONAL_CONSTRUCTORS: Record<string, string> = { of: 'aigwOptionalOf', none: 'aigwOptionalNone', ofNonZeroValue: 'aigwOptionalOfNonZeroValue' };

/** Length of the string literal starting at `i` (with its r/b prefixes), or 0 when none starts there. */
function stringLiteralLength(source: string, i: number): number {
  const prefix = /^(?:[rR][bB]?|[bB][rR]?)?/.exec(source.slice(i, i + 2))?.[0] ?? '';
  const start = i + prefix.length;
  const quote = source[start];
  if (quote !== '"' && quote !== "'") return 0;
  // A prefix letter glued to an identifier (`bar"…"` is not a literal) is not a prefix.
  if (prefix !== '' && i > 0 && /[\w]/.test(source[i - 1] ?? '')) return 0;
  const raw = /r/i.test(prefix);
  const delimiter = source.startsWith(quote.repeat(3), start) ? quote.repeat(3) : quote;
  let j = start + delimiter.length;
  while (j < source.length) {
    if (!raw && source[j] === '\\') {
      j += 2;
      continue;
    }
    if (source.startsWith(delimiter, j)) return j + delimiter.length - i;
    j += 1;
  }
  return source.length - i; // unterminated: the parser reports it
}

/** Rewrites optional syntax into plain method calls; everything else (and all string literals) is kept. */
export function desugarOptionalSyntax(source: string): string {
  let out = '';
  const brackets: boolean[] = []; // true: an optional index `[?` whose `]` becomes `)`
  let lastSignificant = '';
  let i = 0;
  while (i < source.length) {
    const literal = stringLiteralLength(source, i);
    if (literal > 0) {
      out += source.slice(i, i + literal);
      lastSignificant = '"';
      i += literal;
      continue;
    }
    const rest = source.slice(i);
    const select = /^\.\s*\?\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
    if (select !== null) {
      out += `.${SELECT}("${select[1] ?? ''}")`;
      lastSignificant = ')';
      i += select[0].length;
      continue;
    }
    const constructor = /^optional\s*\.\s*(of|none|ofNonZeroValue)\s*\(/.exec(rest);
    if (constructor !== null && !/[\w.]/.test(lastSignificant)) {
      out += `${OPTIONAL_CONSTRUCTORS[constructor[1] ?? ''] ?? ''}(`;
      lastSignificant = '(';
      i += constructor[0].length;
      continue;
    }
    const char = source[i] ?? '';
    if (char === '[') {
      const index = /^\[\s*\?/.exec(rest);
      // `[?` after an operand is an optional index; elsewhere it is an optional list element.
      if (index !== null && /[\w)\]}"'`]/.test(lastSignificant)) {
        out += `.${INDEX}(`;
        brackets.push(true);
        lastSignificant = '(';
        i += index[0].length;
        continue;
      }
      brackets.push(false);
    } else if (char === ']') {
      if (brackets.pop() === true) {
        out += ')';
        lastSignificant = ')';
        i += 1;
        continue;
      }
    }
    out += char;
    if (!/\s/.test(char)) lastSignificant = char;
    i += 1;
  }
  return out;
}
