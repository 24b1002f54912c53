// SPDX-License-Identifier: Apache-2.0
//
// Environment substitution with the exact dialect of a8m/envsubst v1.4.3 (relaxed mode),
// which upstream `aigw run` applies to the whole raw config text before YAML parsing
// (upstream cmd/aigw/config.go). The dialect has many quirks (envsubst.test.ts pins them); they fall out of
// its lexer/parser design rather than from explicit rules. So this file is a
// state-for-state port of parse/lex.go and parse/parse.go, not a
// re-derivation from the table. Any "simplification" would change edge-case output.
// A differential fuzz against the Go library (random `$ { } : - = +` soups) found no difference
// except one deliberate divergence: where upstream spins forever (EOF inside `${…}` reached via
// `$_`, see Parser.action), we report `closing brace expected`.
//
// Offsets are JS string indices (UTF-16 code units). Go uses byte offsets, but positions
// never leak into the output, only into our error's line/column.

import { ConfigError } from './diagnostic.js';

/** Environment to substitute from; `undefined` means unset (the shape of `process.env`). */
export type EnvsubstEnv = Readonly<Record<string, string | undefined>>;

/**
 * A failure of {@link envsubst}: a `${` whose closing brace is missing before the end of its line
 * (or of the text), with exactly the upstream message (`closing brace expected`, the CLI prefixes
 * it with `error reading config: `); or, aigw's own guard, an expansion that grows the text past
 * `maxLength` (`tooLarge`). A ConfigError with one diagnostic at the offending `${` (or variable):
 * 1-based line and column (UTF-16 code units), the hint, and no file (envsubst sees only text; the
 * caller fills it in). The message stays the bare upstream one.
 */
export function envsubstError(message: string, line: number, column: number, tooLarge = false): ConfigError {
  const hint = tooLarge
    ? 'a variable used here (or used many times) holds far more text than a configuration needs; check its value'
    : 'close the ${...} on the same line, or write $$ for a literal $';
  return new ConfigError([{ severity: 'error', file: '', line, column, message, hint }], message);
}

// ---------------------------------------------------------------------------------------------
// Lexer (parse/lex.go)

/** Substitution operators. `${A-b}` is 'dash', `${A:-b}` is 'colonDash', and so on. */
type Operator = 'plus' | 'dash' | 'equals' | 'colonEquals' | 'colonDash' | 'colonPlus';

type TokenType = Operator | 'text' | 'variable' | 'leftDelim' | 'rightDelim' | 'eof' | 'error';

interface Token {
  readonly type: TokenType;
  /** Source text of the token (for 'variable' it includes the leading `$` when there is one). */
  readonly val: string;
  /** Start offset; for 'error', the offset of the `${` to blame. */
  readonly pos: number;
}

const EOF = -1;
const DOLLAR = 0x24;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const UNDERSCORE = 0x5f;

const LETTER = /^\p{L}$/u;
const DECIMAL_DIGIT = /^\p{Nd}$/u;

/** Go's `r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)`; ASCII fast path first. */
function isAlphaNumeric(r: number): boolean {
  if (r === UNDERSCORE) return true;
  if ((r >= 0x30 && r <= 0x39) || (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a)) return true;
  if (r < 0x80) return false;
  const ch = String.fromCodePoint(r);
  return LETTER.test(ch) || DECIMAL_DIGIT.test(ch);
}

function isEndOfLine(r: number): boolean {
  return r === 0x0d || r === 0x0a;
}

type StateFn = (l: Lexer) => StateFn | null;

class Lexer {
  readonly tokens: Token[] = [];
  pos = 0; // current position
  start = 0; // start of the pending (not yet emitted) item
  width = 0; // width of the last rune read, so backup() can undo exactly one next()
  lastPos = 0; // start of the most recently emitted item. The operator/identifier rules test it.
  subsDepth = 0;
  /** Offsets of the `${` still open, innermost last. Only used to position errors. */
  readonly openDelims: number[] = [];

  constructor(readonly input: string) {}

  next(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const r = this.input.codePointAt(this.pos) ?? EOF;
    this.width = r > 0xffff ? 2 : 1;
    this.pos += this.width;
    return r;
  }

  peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  backup(): void {
    this.pos -= this.width;
  }

  emit(type: TokenType): void {
    if (type === 'leftDelim') this.openDelims.push(this.start);
    if (type === 'rightDelim') this.openDelims.pop();
    this.tokens.push({ type, val: this.input.slice(this.start, this.pos), pos: this.start });
    this.lastPos = this.start;
    this.start = this.pos;
  }

  ignore(): void {
    this.start = this.pos;
  }

  error(): null {
    // Upstream's error item carries no position. We blame the innermost unclosed `${`.
    // The state functions below are entered only while one is open, so the stack is non-empty.
    const blame = this.openDelims[this.openDelims.length - 1] ?? this.start;
    this.tokens.push({ type: 'error', val: 'closing brace expected', pos: blame });
    return null;
  }

  /** Whether the most recently emitted item started with `${`. */
  lastItemIsLeftDelim(): boolean {
    return this.input.startsWith('${', this.lastPos);
  }
}

/** lexText: plain text until a `$` that starts something. */
const lexText: StateFn = (l) => {
  for (;;) {
    const r = l.next();
    if (r === EOF) break;
    if (r !== DOLLAR) continue;
    // Flush the text before the `$`.
    l.pos--;
    if (l.pos > l.start) l.emit('text');
    l.pos++;
    const p = l.peek();
    if (p === DOLLAR) {
      // `$$`: drop the first `$` and emit the second as text, so `$$X` is the literal `$X`.
      l.ignore();
      l.next();
      l.emit('text');
    } else if (p === LBRACE) {
      l.next();
      l.subsDepth++;
      l.emit('leftDelim');
      return lexSubstitutionOperator;
    } else if (isAlphaNumeric(p)) {
      // Quirk: identifiers may start with a digit, so `cost $5` loses the `$5`.
      return lexVariable;
    }
    // Anything else (`a $ b`, `^gpt-.*$`): the `$` stays part of the pending text.
  }
  if (l.pos > l.start) l.emit('text');
  l.emit('eof');
  return null;
};

/** lexVariable: the alphanumeric run of a variable; the item may begin before it (see callers). */
const lexVariable: StateFn = (l) => {
  for (;;) {
    if (!isAlphaNumeric(l.next())) {
      l.backup();
      break;
    }
  }
  const v = l.input.slice(l.start, l.pos);
  if (v === '_' || v === '$_') {
    // `$_` and `${_}` stay literal: nothing is emitted, the text stays pending.
    // Quirk: for `${_}` the depth is NOT decremented (the `}` is lexed as text). Every later bare
    // `$VAR` is then lexed as if inside a `${…}`, so `${_} $A x` ends in "closing brace expected".
    return lexText;
  }
  l.emit('variable');
  return l.subsDepth > 0 ? lexSubstitutionOperator : lexText;
};

/** lexSubstitutionOperator: right after `${` or after a variable inside one. */
const lexSubstitutionOperator: StateFn = (l) => {
  const r = l.next();
  if (r === RBRACE) {
    l.subsDepth--;
    l.emit('rightDelim');
    return lexText;
  }
  // The only syntax error: a `${` must close on the same line.
  if (r === EOF || isEndOfLine(r)) return l.error();
  // Only directly after `${` does an alphanumeric start the variable name. The item start is
  // still at `r` here, so the name includes it.
  if (isAlphaNumeric(r) && l.lastItemIsLeftDelim()) return lexVariable;
  switch (r) {
    case 0x2b: // '+'
      l.emit('plus');
      break;
    case 0x2d: // '-'
      l.emit('dash');
      break;
    case 0x3d: // '='
      l.emit('equals');
      break;
    case 0x3a: // ':'
      switch (l.next()) {
        case 0x2d:
          l.emit('colonDash');
          break;
        case 0x3d:
          l.emit('colonEquals');
          break;
        case 0x2b:
          l.emit('colonPlus');
          break;
        // Quirk: any other rune after ':' (`}`, a newline, `?`) is swallowed without an item.
        // So `${SET:}` reads past its `}`, and `${SET:?msg}` is just `${SET}` plus ignored text.
      }
      break;
    // Any other rune (a space, `#`, `$`, `{`) is consumed but not emitted. It becomes the start
    // of the next item, which is how `${ SET }` looks up the name " SET".
  }
  return lexSubstitution;
};

/** lexSubstitution: the word (default/alternative) part of `${…}`. */
const lexSubstitution: StateFn = (l) => {
  const r = l.next();
  if (r === RBRACE) {
    l.subsDepth--;
    l.emit('rightDelim');
    return lexText;
  }
  if (r === EOF || isEndOfLine(r)) return l.error();
  if ((isAlphaNumeric(r) && l.lastItemIsLeftDelim()) || r === DOLLAR) {
    // A `$` starts a variable (`${A:-$HOME}`). There is no nesting: `${` here lexes as the
    // variable "$" followed by a variable named "{SET", so `${UNSET:-${SET}}` gives "}".
    return lexVariable;
  }
  // Each other rune is its own text item; the parser glues them back together.
  l.emit('text');
  return lexSubstitution;
};

function lex(input: string): Lexer {
  const l = new Lexer(input);
  for (let state: StateFn | null = lexText; state !== null; ) state = state(l);
  return l;
}

// ---------------------------------------------------------------------------------------------
// Parser (parse/parse.go) and evaluation (parse/node.go)

/** `pos`: where the node starts in the input, for errors only. */
type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'variable'; readonly name: string; readonly pos: number }
  | {
      readonly kind: 'substitution';
      readonly op: Operator | undefined;
      readonly name: string;
      readonly fallback: Node | undefined;
      readonly pos: number;
    };

function trimDollar(val: string): string {
  return val.startsWith('$') ? val.slice(1) : val;
}

/** Result of parsing: the nodes, or the offset of the `${` blamed for the syntax error. */
type ParseResult = { readonly nodes: Node[] } | { readonly errorAt: number };

class Parser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  private next(): Token {
    // The lexer always ends with 'eof' or 'error'; past the end we keep returning 'eof'.
    const t = this.peek();
    this.index++;
    return t;
  }

  private peek(): Token {
    return this.tokens[this.index] ?? { type: 'eof', val: '', pos: -1 };
  }

  parse(): ParseResult {
    const nodes: Node[] = [];
    for (;;) {
      const t = this.next();
      switch (t.type) {
        case 'eof':
          return { nodes };
        case 'error':
          return { errorAt: t.pos };
        case 'variable':
          nodes.push({ kind: 'variable', name: trimDollar(t.val), pos: t.pos });
          break;
        case 'leftDelim': {
          if (this.peek().type !== 'variable') {
            // `${}` or `${_}`: the `${` is literal text.
            nodes.push({ kind: 'text', text: t.val });
            break;
          }
          const n = this.action(t.pos);
          if (n === 'eof') return { errorAt: t.pos };
          if ('errorAt' in n) return n;
          nodes.push(n);
          break;
        }
        default:
          nodes.push({ kind: 'text', text: t.val });
      }
    }
  }

  /** Inside `${`, whose first item is the variable. */
  private action(pos: number): Node | { readonly errorAt: number } | 'eof' {
    // Quirk: unlike bare `$X`, the name here is not stripped of a leading `$`, so `${$X}`
    // looks up "$X", which is never set.
    const name = this.next().val;
    let op: Operator | undefined;
    let fallback: Node | undefined;
    for (;;) {
      const t = this.next();
      switch (t.type) {
        case 'rightDelim':
          return { kind: 'substitution', op, name, fallback, pos };
        case 'error':
          return { errorAt: t.pos };
        case 'eof':
          // Deliberate divergence: upstream loops forever here (its parser keeps reading the
          // closed token channel). This happens when a `$_` inside `${…}` makes the lexer
          // fall back to plain text with the `${` still open, e.g. `${X:-$_}` with no later
          // `$VAR…}`. We report the unclosed `${` instead.
          return 'eof';
        case 'variable':
          // A later variable or text replaces an earlier one; that is why
          // `${UNSET:-$HOME/bin}` gives "/bin".
          fallback = { kind: 'variable', name: trimDollar(t.val), pos: t.pos };
          break;
        case 'text': {
          // Text swallows every following item verbatim, including `$VAR` and operators. So
          // `${UNSET:-pre$HOME}` gives the literal "pre$HOME".
          let text = t.val;
          for (;;) {
            const p = this.peek().type;
            if (p === 'rightDelim' || p === 'error' || p === 'eof') break;
            text += this.next().val;
          }
          fallback = { kind: 'text', text };
          break;
        }
        case 'plus':
        case 'dash':
        case 'equals':
        case 'colonEquals':
        case 'colonDash':
        case 'colonPlus':
          // The last operator wins: `${A:-$B:=x}` behaves as `:=`.
          op = t.type;
          break;
        case 'leftDelim':
          // Not reachable: the lexer emits `${` only from plain-text state.
          break;
      }
    }
  }
}

function lookup(env: EnvsubstEnv, name: string): string | undefined {
  // Own properties only: a name like "constructor" must not read Object.prototype.
  return Object.hasOwn(env, name) ? env[name] : undefined;
}

function evaluate(node: Node, env: EnvsubstEnv): string {
  switch (node.kind) {
    case 'text':
      return node.text;
    case 'variable':
      return lookup(env, node.name) ?? '';
    case 'substitution': {
      const value = lookup(env, node.name);
      // Quirk: with no word after the operator (`${SET:+}`, `${UNSET:-}`), the operator is
      // ignored and the variable's own value is used.
      if (node.op !== undefined && node.fallback !== undefined) {
        switch (node.op) {
          case 'colonDash':
          case 'colonEquals':
            // `:-` and `:=`: unset or empty. `:=` never assigns.
            return value !== undefined && value !== '' ? value : evaluate(node.fallback, env);
          case 'plus':
          case 'colonPlus':
            // `+` and `:+` are the same: set, where empty counts as set.
            return value !== undefined ? evaluate(node.fallback, env) : '';
          case 'dash':
          case 'equals':
            // `-` and `=`: unset only.
            if (value === undefined) return evaluate(node.fallback, env);
            break;
        }
      }
      return value ?? '';
    }
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

export interface EnvsubstOptions {
  /**
   * Longest result, in UTF-16 code units. A few references to a huge variable (or many to a big
   * one) would otherwise build a string past V8's limit, or one no YAML parser should be fed.
   */
  maxLength?: number;
}

/**
 * envsubst substitutes `$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR:=d}`, `${VAR-d}`, `${VAR=d}`,
 * `${VAR:+a}`, `${VAR+a}` and `$$` over the whole text, like a8m/envsubst v1.4.3
 * `envsubst.String` in relaxed mode: unset and empty variables become "" and are never an error.
 * It is one pass: a value that contains `${OTHER}` (or refers to itself) is inserted as it is,
 * never expanded again, so there are no substitution loops.
 *
 * @throws a ConfigError (envsubstError) `closing brace expected` when a `${` is not closed on its line, or
 *   when the result would be longer than `options.maxLength`.
 */
export function envsubst(text: string, env: EnvsubstEnv, options: EnvsubstOptions = {}): string {
  const result = new Parser(lex(text).tokens).parse();
  if ('errorAt' in result) {
    const { line, column } = lineAndColumn(text, result.errorAt);
    throw envsubstError('closing brace expected', line, column);
  }
  const maxLength = options.maxLength ?? Infinity;
  let out = '';
  // Text only grows the output as much as it is long: blame the last variable before it.
  let blame: Exclude<Node, { kind: 'text' }> | undefined;
  for (const node of result.nodes) {
    if (node.kind !== 'text') blame = node;
    const value = evaluate(node, env);
    if (out.length + value.length > maxLength) {
      const { line, column } = lineAndColumn(text, blame?.pos ?? 0);
      const name = blame ? ` (at $${blame.kind === 'substitution' ? `{${blame.name}}` : blame.name})` : '';
      throw envsubstError(`environment substitution makes the configuration longer than ${maxLength} characters${name}`, line, column, true);
    }
    out += value;
  }
  return out;
}
