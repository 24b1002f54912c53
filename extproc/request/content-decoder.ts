import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

/**
 * Decodes `content-encoding` so the gateway can read usage from compressed provider responses.
 * A buffered body the gateway does not rewrite reaches the client compressed, as it came; a 2xx
 * stream goes on decoded (the ext_proc sends every chunk back, see ResponseStream).
 */
export interface ContentDecoder {
  /** Returns the decoded bytes of this chunk (streams are decoded incrementally). */
  decode(chunk: Buffer, endOfStream: boolean): Promise<Buffer>;
}

export function createContentDecoder(encoding: string | undefined): ContentDecoder | undefined {
  const normalized = encoding?.trim().toLowerCase();
  if (!normalized || normalized === 'identity') return undefined;
  const make = FACTORIES[normalized];
  return make ? new StreamDecoder(make()) : undefined;
}

const FACTORIES: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

class StreamDecoder implements ContentDecoder {
  private readonly output: Buffer[] = [];

  constructor(private readonly stream: zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress) {
    stream.on('data', (data: Buffer) => this.output.push(data));
    // Corrupt input must not crash the process; the caller just learns nothing from it.
    stream.on('error', () => undefined);
  }

  async decode(chunk: Buffer, endOfStream: boolean): Promise<Buffer> {
    if (chunk.length > 0) this.stream.write(chunk);
    await promisify((callback: () => void) => this.stream.flush(callback))();
    if (endOfStream) this.stream.end();
    return Buffer.concat(this.output.splice(0));
  }
}
