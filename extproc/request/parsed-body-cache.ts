import type { ParsedRequestBody } from './request-body.js';

/** Most body bytes held at once; past it bodies are simply not cached (their attempts parse them). */
const MAX_CACHED_BYTES = 64 * 1024 * 1024;
/** Bytes from each end of a body that, with its length, pick the entries to compare it with. */
const SAMPLE_BYTES = 32;

interface Entry {
  readonly raw: Buffer;
  readonly parsed: ParsedRequestBody;
}

/**
 * The parsed bodies of requests in flight on `upstream`-mode rules (fallback priorities). Each
 * attempt's upstream filter runs on a gRPC stream of its own and is given the same bytes the
 * router filter already validated, scanned and parsed; with this it reuses that work (the parsed
 * JSON and the index of top-level members) instead of doing it again per attempt.
 *
 * Purely a cache: an entry is used only when the attempt's bytes equal the cached ones (one
 * memcmp, far cheaper than a parse), so a hit is the same parse whichever request put it there,
 * and a miss (the router ran in another ext_proc process, the cache was full) costs only the
 * parse. Nothing about a request depends on it, so the ext_proc can still run as several
 * processes. Parsed bodies are read only (translators never mutate them), so sharing is safe.
 * The router filter removes its entry when its stream ends.
 */
export class ParsedBodyCache {
  private readonly entries = new Map<string, Entry[]>();
  private bytes = 0;

  /** Caches `parsed` for `raw` (unless full); returns the function that removes it again. */
  remember(endpoint: string, raw: Buffer, parsed: ParsedRequestBody): () => void {
    if (this.bytes + raw.length > MAX_CACHED_BYTES) return () => undefined;
    const key = cacheKey(endpoint, raw);
    const entry: Entry = { raw, parsed };
    const list = this.entries.get(key) ?? [];
    list.push(entry);
    this.entries.set(key, list);
    this.bytes += raw.length;
    let forgotten = false;
    return () => {
      if (forgotten) return;
      forgotten = true;
      this.bytes -= raw.length;
      const remaining = (this.entries.get(key) ?? []).filter((candidate) => candidate !== entry);
      if (remaining.length > 0) this.entries.set(key, remaining);
      else this.entries.delete(key);
    };
  }

  /** The parse of a body with exactly these bytes on this endpoint, if one is cached. */
  recall(endpoint: string, raw: Buffer): ParsedRequestBody | undefined {
    if (this.entries.size === 0) return undefined;
    return this.entries.get(cacheKey(endpoint, raw))?.find((entry) => entry.raw.equals(raw))?.parsed;
  }

  /** Bytes held (tests). */
  get size(): number {
    return this.bytes;
  }
}

function cacheKey(endpoint: string, raw: Buffer): string {
  const head = raw.toString('latin1', 0, Math.min(SAMPLE_BYTES, raw.length));
  const tail = raw.toString('latin1', Math.max(0, raw.length - SAMPLE_BYTES));
  return `${endpoint}\u0000${raw.length}\u0000${head}\u0000${tail}`;
}

/** The ext_proc process's cache (see ParsedBodyCache). */
export const parsedBodies = new ParsedBodyCache();
