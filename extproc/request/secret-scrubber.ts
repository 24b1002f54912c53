/**
 * Takes the backend's credentials out of what the gateway returns to the client. A provider that
 * rejects a key often quotes it back ("Incorrect API key provided: sk-…", a debug header, an SSE
 * error event), and the gateway must not hand a key the client never had, or an override
 * credential it injected, to whoever sent the request. Every occurrence becomes SECRET_MARKER.
 */

/** What a secret is replaced with. */
export const SECRET_MARKER = '<redacted>';

/**
 * Secrets shorter than this are not searched for: they are placeholders (`unused`, `none`), and
 * replacing every occurrence of a short word would mangle ordinary answers. Real keys and tokens
 * are far longer.
 */
export const MIN_SECRET_LENGTH = 8;

const MARKER = Buffer.from(SECRET_MARKER);

/**
 * A set of secrets and the byte patterns they can appear as in a response: as written, and as
 * JSON encoders and URLs write them (escaped `"`/`\`/control characters, Go's `\u003c`-style
 * HTML escapes, PHP's `\/`, percent-encoding). One instance per request; searching is a
 * `Buffer.indexOf` per pattern, so a response without secrets costs no copies.
 */
export class SecretScrubber {
  /** Longest first, so a secret that contains another is replaced whole. */
  private readonly patterns: readonly Buffer[];

  private constructor(patterns: Buffer[]) {
    this.patterns = patterns.sort((a, b) => b.length - a.length);
  }

  /** A scrubber for these secrets, or undefined when none is long enough to search for. */
  static for(secrets: Iterable<string>): SecretScrubber | undefined {
    const forms = new Set<string>();
    for (const secret of secrets) {
      if (secret.length < MIN_SECRET_LENGTH) continue;
      for (const form of encodedForms(secret)) forms.add(form);
    }
    return forms.size > 0 ? new SecretScrubber([...forms].map((form) => Buffer.from(form))) : undefined;
  }

  /** A copy of `bytes` with every secret replaced, or undefined when there is none in it. */
  scrub(bytes: Buffer): Buffer | undefined {
    let out: Buffer | undefined;
    for (const pattern of this.patterns) {
      const current = out ?? bytes;
      const at = current.indexOf(pattern);
      if (at !== -1) out = replaceAll(current, pattern, at);
    }
    return out;
  }

  /** A scrubber for a body that arrives in chunks, where a secret may span two of them. */
  stream(): StreamScrubber {
    return new StreamScrubber(this);
  }

  /** How many bytes at the end of `bytes` could be the start of a secret continued in the next chunk. */
  partialTail(bytes: Buffer): number {
    let longest = 0;
    for (const pattern of this.patterns) {
      const first = pattern[0] ?? 0;
      let at = bytes.indexOf(first, Math.max(0, bytes.length - pattern.length + 1));
      while (at !== -1 && bytes.length - at > longest) {
        if (bytes.compare(pattern, 0, bytes.length - at, at) === 0) {
          longest = bytes.length - at;
          break;
        }
        at = bytes.indexOf(first, at + 1);
      }
    }
    return longest;
  }
}

/**
 * Scrubs a chunked body. Bytes at the end of a chunk that could begin a secret are held back and
 * sent with the next chunk (or at the end), so a secret split across chunks is still found; a
 * chunk that ends in nothing secret-like is passed on at once, so streams are not delayed.
 */
export class StreamScrubber {
  private held: Buffer = Buffer.alloc(0);

  constructor(private readonly scrubber: SecretScrubber) {}

  /**
   * The bytes to send for this chunk: `chunk` itself (the same Buffer) when nothing in it needed
   * a change or holding back, so the caller can leave the chunk untouched.
   */
  push(chunk: Buffer, endOfStream: boolean): Buffer {
    const bytes = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    const scrubbed = this.scrubber.scrub(bytes) ?? bytes;
    const hold = endOfStream ? 0 : this.scrubber.partialTail(scrubbed);
    this.held = hold > 0 ? Buffer.from(scrubbed.subarray(scrubbed.length - hold)) : Buffer.alloc(0);
    return hold > 0 ? scrubbed.subarray(0, scrubbed.length - hold) : scrubbed;
  }
}

/** The ways `secret` can be written in a JSON body, an SSE event or a URL. */
function encodedForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const goJson = json.replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return [secret, json, goJson, json.replaceAll('/', '\\/'), encodeURIComponent(secret)];
}

function replaceAll(bytes: Buffer, pattern: Buffer, first: number): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = first; at !== -1; at = bytes.indexOf(pattern, from)) {
    parts.push(bytes.subarray(from, at), MARKER);
    from = at + pattern.length;
  }
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts);
}
