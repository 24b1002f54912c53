/**
 * Takes credentials out of what aigw's children print, line by line, before aigw passes it on
 * (and before it keeps Envoy's last lines for a crash report). Envoy at debug level dumps
 * request headers and the ext_proc messages — the keys aigw adds, the client's bearer token,
 * override credentials — so this is what keeps secrets out of logs at every level:
 * - values of credential headers in Envoy's header dumps (`'authorization', 'Bearer …'`), in
 *   its protobuf text dumps (`key: "authorization"` followed by `raw_value: "…"`) and in its
 *   HTTP/1 codec's trace lines (`key=authorization value=…`);
 * - `Bearer <token>` anywhere;
 * - every configured secret (API keys, AWS keys, Azure client secrets, …), wherever it appears.
 */
import { Transform, type TransformCallback } from 'node:stream';

export const REDACTED = '<redacted>';

/** Redacts one line; stateful (a protobuf field's key and value are on different lines), so one per stream. */
export type LineRedactor = (line: string) => string;

export interface RedactionRules {
  /**
   * Literal secrets to replace wherever they appear. Read at every line: rules that learn the
   * secrets of a reloaded configuration (AccumulatedRedactionRules) give a new array, which the
   * redactors then sort again.
   */
  readonly secrets: readonly string[];
  /** Whether a header (lower-case) carries a credential. */
  isCredentialHeader: (name: string) => boolean;
}

/** Secrets shorter than this are not searched for (they would mangle unrelated text). */
const MIN_SECRET_LENGTH = 8;
const HEADER_DUMP = /^(\s*)'([^']+)', '.*'$/;
/** The HTTP/1 codec at trace level: `completed header: key=<name> value=<value>`. */
const KEY_VALUE = /^(.*\bkey=)(\S+)( value=).*$/;
const PROTO_KEY = /^\s*key: "([^"]*)"\s*$/;
const PROTO_VALUE = /^(\s*)(raw_value|value|string_value): ".*"$/;
const BEARER = /\b(Bearer)\s+(?!<redacted>)[A-Za-z0-9\-._~+/]+=*/gi;
/** How many lines after a sensitive `key:` line its value may come (`value {` then `string_value:`). */
const VALUE_WITHIN_LINES = 3;

export function createLineRedactor(rules: RedactionRules): LineRedactor {
  let source = rules.secrets;
  let secrets = searchOrder(source);
  let sensitiveValueWithin = 0;
  return (line) => {
    if (rules.secrets !== source) {
      source = rules.secrets;
      secrets = searchOrder(source);
    }
    let out = line;
    for (const secret of secrets) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    const header = HEADER_DUMP.exec(out);
    if (header && rules.isCredentialHeader((header[2] ?? '').toLowerCase())) out = `${header[1] ?? ''}'${header[2] ?? ''}', '${REDACTED}'`;
    const keyValue = KEY_VALUE.exec(out);
    if (keyValue && rules.isCredentialHeader((keyValue[2] ?? '').toLowerCase())) out = `${keyValue[1] ?? ''}${keyValue[2] ?? ''}${keyValue[3] ?? ''}${REDACTED}`;
    const key = PROTO_KEY.exec(out);
    if (key) {
      sensitiveValueWithin = rules.isCredentialHeader((key[1] ?? '').toLowerCase()) ? VALUE_WITHIN_LINES : 0;
    } else if (sensitiveValueWithin > 0) {
      sensitiveValueWithin--;
      const value = PROTO_VALUE.exec(out);
      if (value) {
        out = `${value[1] ?? ''}${value[2] ?? ''}: "${REDACTED}"`;
        sensitiveValueWithin = 0;
      }
    }
    return out.replace(BEARER, `$1 ${REDACTED}`);
  };
}

/** The secrets worth searching for, longest first (a secret containing another is replaced whole). */
function searchOrder(secrets: readonly string[]): string[] {
  return [...new Set(secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
}

/**
 * Rules that grow with each configuration a run loads: the secrets and credential headers of the
 * first, then of every reloaded one, since a request started before an edit (and Envoy's lines
 * about it) may still carry a rotated secret. A run's edits are few, so the list stays short.
 */
export class AccumulatedRedactionRules implements RedactionRules {
  private list: readonly string[];
  private readonly headerChecks: ((name: string) => boolean)[];

  constructor(first: RedactionRules) {
    this.list = first.secrets;
    this.headerChecks = [first.isCredentialHeader];
  }

  get secrets(): readonly string[] {
    return this.list;
  }

  readonly isCredentialHeader = (name: string): boolean => this.headerChecks.some((check) => check(name));

  add(rules: RedactionRules): void {
    const known = new Set(this.list);
    const added = rules.secrets.filter((secret) => !known.has(secret));
    if (added.length > 0) this.list = [...this.list, ...added];
    this.headerChecks.push(rules.isCredentialHeader);
  }
}

/**
 * The redactor for access log lines (Envoy's stdout and the File sinks alike): every configured
 * secret and `Bearer` tokens. Header-dump rules are left out: an access log line is whatever its
 * format prints, and a format may well print `'name', 'value'` pairs of its own.
 */
export function accessLogRedactor(rules: RedactionRules | undefined): LineRedactor {
  // A getter: rules that grow on reload are followed.
  return createLineRedactor({
    get secrets() {
      return rules?.secrets ?? [];
    },
    isCredentialHeader: () => false,
  });
}

/**
 * A stream that splits its input into lines, redacts each and passes it on (a last line without a
 * newline is passed on at the end); `onLine` sees every redacted line.
 */
export function redactingLineStream(redact: LineRedactor, onLine?: (line: string) => void): Transform {
  let partial = '';
  const emit = (stream: Transform, line: string, newline: boolean): void => {
    const redacted = redact(line);
    onLine?.(redacted);
    stream.push(newline ? `${redacted}\n` : redacted);
  };
  return new Transform({
    transform(this: Transform, chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) emit(this, line, true);
      callback();
    },
    flush(this: Transform, callback: TransformCallback) {
      if (partial !== '') emit(this, partial, false);
      partial = '';
      callback();
    },
  });
}

/**
 * The strings to look for, from the secrets of a configuration: each secret, its lines (a PEM
 * key, a credentials file), the token of a `Bearer …` value, and the key material of a JSON key
 * file (GCP service account).
 */
export function secretVariants(secrets: Iterable<string>): string[] {
  const out = new Set<string>();
  const add = (value: string): void => {
    const trimmed = value.trim();
    if (trimmed.length >= MIN_SECRET_LENGTH) out.add(trimmed);
  };
  for (const secret of secrets) {
    add(secret);
    for (const line of secret.split(/\r?\n|\\n/)) add(line);
    const bearer = /^(?:Bearer|Basic)\s+(.+)$/i.exec(secret.trim());
    if (bearer?.[1]) add(bearer[1]);
    for (const value of jsonStrings(secret)) {
      add(value);
      for (const line of value.split(/\r?\n/)) add(line);
    }
  }
  return [...out];
}

/** String values of a JSON object's top-level fields that look like key material. */
function jsonStrings(text: string): string[] {
  if (!text.trim().startsWith('{')) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return [];
    return Object.entries(parsed).flatMap(([key, value]) => (typeof value === 'string' && /key|secret|token/i.test(key) ? [value] : []));
  } catch {
    return [];
  }
}
