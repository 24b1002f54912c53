/**
 * The protobuf wire format, read and written directly for the few Envoy messages on the hot path
 * (ext_proc's ProcessingRequest/ProcessingResponse, the rate-limit service's request/response):
 * the generic path (protobufjs objects converted by proto-loader inside grpc-js) allocated and
 * cost more per request than the gateway's own work. The codecs using these are checked in their
 * tests against the generic codec built from the vendored protos.
 */

export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
export const FIXED32 = 5;

const UTF8 = new TextDecoder('utf-8');

/** Reads fields in order; every malformation is reported through `fail` (the caller's error class). */
export class ProtoReader {
  private offset = 0;

  constructor(
    private readonly buffer: Buffer,
    private readonly fail: (message: string) => Error,
  ) {}

  done(): boolean {
    return this.offset >= this.buffer.length;
  }

  tag(): [field: number, wire: number] {
    const tag = this.varint();
    const field = Math.floor(tag / 8);
    if (field === 0) throw this.fail('malformed message: field number 0');
    return [field, tag % 8];
  }

  /** An unsigned varint as a number (exact below 2^53; larger values only need to compare as large). */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.buffer[this.offset++];
      if (byte === undefined) throw this.fail('malformed message: truncated varint');
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw this.fail('malformed message: varint longer than 10 bytes');
  }

  bool(): boolean {
    return this.varint() !== 0;
  }

  /** A length-delimited field: a view on the message's buffer, not a copy. */
  bytes(): Buffer {
    const length = this.varint();
    const end = this.offset + length;
    if (end > this.buffer.length) throw this.fail('malformed message: length past the end');
    const slice = this.buffer.subarray(this.offset, end);
    this.offset = end;
    return slice;
  }

  string(): string {
    const length = this.varint();
    const end = this.offset + length;
    if (end > this.buffer.length) throw this.fail('malformed message: length past the end');
    const text = length === 0 ? '' : UTF8.decode(this.buffer.subarray(this.offset, end));
    this.offset = end;
    return text;
  }

  double(): number {
    if (this.offset + 8 > this.buffer.length) throw this.fail('malformed message: fixed field past the end');
    const value = this.buffer.readDoubleLE(this.offset);
    this.offset += 8;
    return value;
  }

  /** A nested message read by `read` from its own reader. */
  message<T>(read: (reader: ProtoReader) => T): T {
    return read(new ProtoReader(this.bytes(), this.fail));
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === LENGTH_DELIMITED) this.bytes();
    else if (wire === FIXED64 || wire === FIXED32) {
      this.offset += wire === FIXED64 ? 8 : 4;
      if (this.offset > this.buffer.length) throw this.fail('malformed message: fixed field past the end');
    } else throw this.fail(`malformed message: wire type ${wire}`);
  }
}

/**
 * Writes a message in one pass into one buffer, nested messages included: a nested message's
 * length is written in a reserved 5-byte varint (padded with continuation bytes, which every
 * protobuf parser reads as the same number), so nothing is encoded twice or copied into its
 * parent. `reserve` leaves bytes at the start for a frame header (gRPC's 5-byte prefix).
 */
export class ProtoWriter {
  private buffer: Buffer;
  private offset: number;

  constructor(sizeHint = 256, reserve = 0) {
    this.buffer = Buffer.allocUnsafe(Math.max(64, sizeHint + reserve));
    this.offset = reserve;
  }

  /** Proto3: a zero scalar is not written (use `forced` in a oneof, where presence counts). */
  varintField(field: number, value: number, forced = false): void {
    if (value === 0 && !forced) return;
    this.ensure(20);
    this.rawVarint(field * 8 + VARINT);
    this.rawVarint(value);
  }

  boolField(field: number, value: boolean | undefined, forced = false): void {
    if (value === true || forced) this.varintField(field, value === true ? 1 : 0, true);
  }

  doubleField(field: number, value: number): void {
    this.ensure(15);
    this.rawVarint(field * 8 + FIXED64);
    this.buffer.writeDoubleLE(value, this.offset);
    this.offset += 8;
  }

  stringField(field: number, value: string | undefined, forced = false): void {
    if (value === undefined || (value === '' && !forced)) return;
    const maxBytes = value.length * 3;
    this.ensure(maxBytes + 15);
    this.rawVarint(field * 8 + LENGTH_DELIMITED);
    if (maxBytes < 128) {
      // One length byte is enough: write the text after it and fill the length in.
      const lengthAt = this.offset++;
      const written = this.buffer.write(value, this.offset, 'utf8');
      this.buffer[lengthAt] = written;
      this.offset += written;
    } else {
      const bytes = Buffer.byteLength(value, 'utf8');
      this.rawVarint(bytes);
      this.offset += this.buffer.write(value, this.offset, 'utf8');
    }
  }

  bytesField(field: number, value: Uint8Array | string | undefined, forced = false): void {
    if (value === undefined) return;
    if (typeof value === 'string') {
      this.stringField(field, value, forced);
      return;
    }
    if (value.length === 0 && !forced) return;
    this.ensure(value.length + 15);
    this.rawVarint(field * 8 + LENGTH_DELIMITED);
    this.rawVarint(value.length);
    this.buffer.set(value, this.offset);
    this.offset += value.length;
  }

  /** A nested message, written by `write` in place (presence counts: an empty message is written). */
  messageField(field: number, write: () => void): void {
    this.ensure(15);
    this.rawVarint(field * 8 + LENGTH_DELIMITED);
    const lengthAt = this.offset;
    this.offset += 5;
    write();
    let length = this.offset - lengthAt - 5;
    for (let i = 0; i < 4; i++) {
      this.buffer[lengthAt + i] = (length & 0x7f) | 0x80;
      length >>>= 7;
    }
    this.buffer[lengthAt + 4] = length;
  }

  /** The message, with the reserved bytes (if any) in front. */
  finish(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }

  private ensure(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  /** Non-negative integers below 2^53 (counts, enum values, lengths, seconds). */
  private rawVarint(value: number): void {
    let rest = value > 0 ? Math.floor(value) : 0;
    while (rest >= 0x80) {
      this.buffer[this.offset++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.offset++] = rest;
  }
}
