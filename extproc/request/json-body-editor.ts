import { scanJsonBody, type JsonBodyIndex } from './scan-json.js';

/** One top-level member as the editor holds it: slices of the original bytes, or new ones. */
interface Member {
  key: string;
  /**
   * The bytes before the member: for the first, what follows `{`; for the others, the separator
   * after the previous member's value (its comma and the whitespace around it).
   */
  before: Buffer[];
  /** The key, the colon and the whitespace around them, up to the value. */
  name: Buffer;
  value: Buffer;
}

const COMMA = Buffer.from(',');

/**
 * Edits the top-level members of a JSON object body and writes the result in one splice: the
 * unedited parts are views of the original bytes, joined once by `toBuffer`, so the provider
 * gets the client's bytes (key order, whitespace, number formatting, escapes, unknown fields)
 * except for the members the gateway changes, and any number of edits cost one copy of the body
 * rather than a decode, a scan and an encode each. With the index the router's I-JSON scan
 * recorded (ParsedRequestBody.index), the body is not read again at all; without one (a
 * translated body) it is scanned once, on the first edit.
 *
 * Edits apply in order, exactly as if each were applied to the text the previous one left:
 * - `set` replaces the value of a member in place, or adds the member at the start of the
 *   object (`{"new":…,` followed by the rest as it was);
 * - `remove` takes the member out with the comma after it, or, for the last member, the comma
 *   before it, so the object stays valid JSON.
 *
 * A key twice in one object never reaches the editor from a client (the router refuses it:
 * parsers disagree on which one counts). Should one come anyway, `set` writes the last
 * occurrence (the one JSON.parse reads) and removes the others, and `remove` removes them all,
 * so every parser reads the edited body the same way.
 *
 * The original buffer is never written to: retries edit the same client body again.
 */
export class JsonBodyEditor {
  /** Built on the first edit. */
  private members: Member[] | undefined;
  /** Bytes up to and including `{`, and from `}` to the end. */
  private prefix: Buffer = Buffer.alloc(0);
  private suffix: Buffer = Buffer.alloc(0);
  /** Bytes between the last member and `}` (all of the inside when there are no members). */
  private tail: Buffer[] = [];
  private edited = false;
  /** `toBuffer`'s result until the next edit. */
  private written: Buffer | undefined;

  constructor(
    private readonly raw: Buffer,
    private readonly index?: JsonBodyIndex,
  ) {}

  /** Whether any edit was made (a `set` counts even when the value is the same). */
  get changed(): boolean {
    return this.edited;
  }

  /**
   * Sets top-level `key` to `jsonValue` (raw JSON text, e.g. `JSON.stringify(value)`): in place
   * when present, else as the first member.
   */
  set(key: string, jsonValue: string): this {
    const members = this.load();
    const value = Buffer.from(jsonValue, 'utf8');
    const at = this.positions(key);
    const last = at.pop();
    if (last === undefined) {
      members[0]?.before.unshift(COMMA);
      members.unshift({ key, before: [], name: Buffer.from(`${JSON.stringify(key)}:`, 'utf8'), value });
    } else {
      const member = members[last];
      if (member) member.value = value;
      for (const position of at.reverse()) this.removeAt(position);
    }
    return this.touched();
  }

  /** Removes top-level `key` (nothing changes when it is absent). */
  remove(key: string): this {
    const at = this.positions(key);
    for (const position of at.reverse()) this.removeAt(position);
    return at.length > 0 ? this.touched() : this;
  }

  /** The edited body; the original buffer itself when nothing was edited. */
  toBuffer(): Buffer {
    if (!this.edited || !this.members) return this.raw;
    if (this.written) return this.written;
    const pieces: Buffer[] = [this.prefix];
    for (const member of this.members) pieces.push(...member.before, member.name, member.value);
    pieces.push(...this.tail, this.suffix);
    this.written = Buffer.concat(pieces);
    return this.written;
  }

  private touched(): this {
    this.edited = true;
    this.written = undefined;
    return this;
  }

  private positions(key: string): number[] {
    const positions: number[] = [];
    this.load().forEach((member, position) => {
      if (member.key === key) positions.push(position);
    });
    return positions;
  }

  /** Removes a member with one neighbouring separator (see the class comment). */
  private removeAt(position: number): void {
    const members = this.load();
    const member = members[position];
    if (!member) return;
    const next = members[position + 1];
    if (next) next.before = member.before;
    else if (position === 0) this.tail = [...member.before, ...this.tail];
    members.splice(position, 1);
  }

  private load(): Member[] {
    if (this.members) return this.members;
    const raw = this.raw;
    // A translated body has no index yet; its depth was bounded by the client's, so no limit here.
    const index = this.index ?? scanJsonBody(raw, Number.POSITIVE_INFINITY).index;
    if (!index) throw new Error('the body to edit is not a JSON object');
    this.prefix = raw.subarray(0, index.open + 1);
    this.suffix = raw.subarray(index.close);
    const members: Member[] = [];
    let previousEnd = index.open + 1;
    for (const found of index.members) {
      let valueStart = skipWhitespace(raw, found.keyEnd) + 1; // past the colon
      valueStart = skipWhitespace(raw, valueStart);
      let valueEnd = found.end;
      while (valueEnd > valueStart && isWhitespace(raw[valueEnd - 1] ?? 0)) valueEnd--;
      members.push({
        key: found.key,
        before: [raw.subarray(previousEnd, found.keyStart)],
        name: raw.subarray(found.keyStart, valueStart),
        value: raw.subarray(valueStart, valueEnd),
      });
      previousEnd = valueEnd;
    }
    this.tail = [raw.subarray(previousEnd, index.close)];
    this.members = members;
    return members;
  }
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipWhitespace(bytes: Buffer, from: number): number {
  let i = from;
  while (i < bytes.length && isWhitespace(bytes[i] ?? 0)) i++;
  return i;
}
