/**
 * Edits top-level fields of a JSON object body without re-serialising the rest of it, so the
 * provider receives the client's bytes (key order, number formatting, unknown fields) except
 * for the field the gateway must change. The input must already have passed JSON.parse.
 */

interface FieldSpan {
  key: string;
  /** Offset of the opening quote of the key. */
  keyStart: number;
  valueStart: number;
  /** Offset just past the value. */
  valueEnd: number;
}

/** Returns `text` with top-level `key` set to `jsonValue` (raw JSON text), added if absent. */
export function setTopLevelField(text: string, key: string, jsonValue: string): string {
  const span = topLevelFields(text).find((field) => field.key === key);
  if (span) return text.slice(0, span.valueStart) + jsonValue + text.slice(span.valueEnd);
  const open = text.indexOf('{');
  const rest = text.slice(open + 1);
  const separator = /^\s*}/.test(rest) ? '' : ',';
  return `${text.slice(0, open + 1)}${JSON.stringify(key)}:${jsonValue}${separator}${rest}`;
}

/** Returns `text` without top-level `key` (unchanged when absent). */
export function removeTopLevelField(text: string, key: string): string {
  const fields = topLevelFields(text);
  const index = fields.findIndex((field) => field.key === key);
  const field = fields[index];
  if (!field) return text;
  const next = fields[index + 1];
  const previous = fields[index - 1];
  // Remove the field with one neighbouring comma so the object stays valid JSON.
  if (next) return text.slice(0, field.keyStart) + text.slice(next.keyStart);
  if (previous) return text.slice(0, previous.valueEnd) + text.slice(field.valueEnd);
  return text.slice(0, field.keyStart) + text.slice(field.valueEnd);
}

function topLevelFields(text: string): FieldSpan[] {
  const fields: FieldSpan[] = [];
  let i = skipWhitespace(text, 0);
  if (text[i] !== '{') return fields;
  i = skipWhitespace(text, i + 1);
  while (i < text.length && text[i] !== '}') {
    const keyStart = i;
    const keyEnd = skipString(text, i);
    const key: unknown = JSON.parse(text.slice(keyStart, keyEnd));
    i = skipWhitespace(text, keyEnd);
    i = skipWhitespace(text, i + 1); // ':'
    const valueStart = i;
    const valueEnd = skipValue(text, i);
    if (typeof key === 'string') fields.push({ key, keyStart, valueStart, valueEnd });
    i = skipWhitespace(text, valueEnd);
    if (text[i] === ',') i = skipWhitespace(text, i + 1);
  }
  return fields;
}

function skipWhitespace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  return i;
}

function skipString(text: string, i: number): number {
  i++; // opening quote
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return i;
}

function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    while (i < text.length) {
      const ch = text[i];
      if (ch === '"') {
        i = skipString(text, i);
        continue;
      }
      if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  while (i < text.length && text[i] !== ',' && text[i] !== '}' && text[i] !== ']' && !/\s/.test(text[i] ?? '')) i++;
  return i;
}
