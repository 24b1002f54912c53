import { createCipheriv, createDecipheriv, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { Logger } from '../../common/logger.js';

/**
 * Encryption of MCP session ids and SSE event ids, compatible with upstream's `crypto.go`:
 * `base64(salt16 ‖ nonce12 ‖ AES-256-GCM(plaintext) ‖ tag16)` with key = PBKDF2-SHA256(seed,
 * salt, iterations, 32). Any process with the same seed decrypts what another one encrypted,
 * so sessions need no shared state.
 *
 * PBKDF2 at 100k iterations costs tens of milliseconds, which would dominate every request.
 * Encryption therefore reuses one salt (one derived key) for a while: AES-GCM stays safe with a
 * fixed key as long as nonces are random and the number of messages stays far below 2^32, so the
 * salt is renewed every ENCRYPTIONS_PER_SALT messages. Decryption caches derived keys by
 * (seed, salt) in a small LRU, since a process sees few distinct salts (its own and its peers').
 */
export class McpSessionCrypto {
  private encryption: { salt: Buffer; key: Promise<Buffer>; remaining: number } | undefined;
  private readonly keys = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly primary: SessionKeySource,
    /** Tried when the primary seed cannot decrypt: lets a seed be rotated without dropping sessions. */
    private readonly fallback?: SessionKeySource,
  ) {}

  async encrypt(plaintext: string): Promise<string> {
    if (!this.encryption || this.encryption.remaining <= 0) {
      const salt = randomBytes(SALT_BYTES);
      this.encryption = { salt, key: this.key(this.primary, salt), remaining: ENCRYPTIONS_PER_SALT };
    }
    this.encryption.remaining--;
    const { salt, key } = this.encryption;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', await key, nonce);
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return Buffer.concat([salt, nonce, sealed]).toString('base64');
  }

  /** The plaintext, or undefined when the value was not made with one of the seeds (or was altered). */
  async decrypt(encrypted: string): Promise<string | undefined> {
    // Session ids travel in headers; a quick shape check spares a key derivation on garbage.
    if (!BASE64.test(encrypted)) return undefined;
    const data = Buffer.from(encrypted, 'base64');
    if (data.length < SALT_BYTES + NONCE_BYTES + TAG_BYTES) return undefined;
    const salt = data.subarray(0, SALT_BYTES);
    for (const source of this.fallback ? [this.primary, this.fallback] : [this.primary]) {
      const plaintext = open(await this.key(source, salt), data);
      if (plaintext !== undefined) return plaintext;
    }
    return undefined;
  }

  private key(source: SessionKeySource, salt: Buffer): Promise<Buffer> {
    const cacheKey = `${source.iterations}\u0000${source.seed}\u0000${salt.toString('hex')}`;
    const cached = this.keys.get(cacheKey);
    if (cached) {
      // Map iteration order is insertion order: re-inserting makes this entry the most recent.
      this.keys.delete(cacheKey);
      this.keys.set(cacheKey, cached);
      return cached;
    }
    const derived = pbkdf2Async(source.seed, salt, source.iterations, KEY_BYTES, 'sha256');
    this.keys.set(cacheKey, derived);
    derived.catch(() => this.keys.delete(cacheKey));
    while (this.keys.size > KEY_CACHE_SIZE) {
      const oldest = this.keys.keys().next().value;
      if (oldest === undefined) break;
      this.keys.delete(oldest);
    }
    return derived;
  }
}

export interface SessionKeySource {
  seed: string;
  iterations: number;
}

export const DEFAULT_SESSION_SEED = 'default-insecure-seed';
export const DEFAULT_SESSION_ITERATIONS = 100_000;

/**
 * The crypto configured by `AIGW_MCP_SESSION_SEED` / `AIGW_MCP_SESSION_ITERATIONS` and the
 * optional `AIGW_MCP_FALLBACK_SESSION_SEED` / `AIGW_MCP_FALLBACK_SESSION_ITERATIONS` (rotation).
 */
export function mcpSessionCryptoFromEnv(env: NodeJS.ProcessEnv, logger: Logger): McpSessionCrypto {
  const seed = env.AIGW_MCP_SESSION_SEED || DEFAULT_SESSION_SEED;
  if (seed === DEFAULT_SESSION_SEED) {
    logger.warn('MCP session ids are encrypted with the default seed: set AIGW_MCP_SESSION_SEED so they cannot be forged');
  }
  const iterations = positiveInteger(env.AIGW_MCP_SESSION_ITERATIONS, 'AIGW_MCP_SESSION_ITERATIONS', DEFAULT_SESSION_ITERATIONS);
  const fallbackSeed = env.AIGW_MCP_FALLBACK_SESSION_SEED;
  const fallback = fallbackSeed
    ? { seed: fallbackSeed, iterations: positiveInteger(env.AIGW_MCP_FALLBACK_SESSION_ITERATIONS, 'AIGW_MCP_FALLBACK_SESSION_ITERATIONS', iterations) }
    : undefined;
  return new McpSessionCrypto({ seed, iterations }, fallback);
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return parsed;
}

function open(key: Buffer, data: Buffer): string | undefined {
  const nonce = data.subarray(SALT_BYTES, SALT_BYTES + NONCE_BYTES);
  const sealed = data.subarray(SALT_BYTES + NONCE_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

const pbkdf2Async = promisify(pbkdf2);
const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const ENCRYPTIONS_PER_SALT = 1 << 24;
const KEY_CACHE_SIZE = 256;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
