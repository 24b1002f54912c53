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
 *
 * Epochs: the salt also dates what this process encrypted. The proxy starts a new epoch with each
 * reload that changes its routes; values encrypted for an epoch get a salt of that epoch, and the
 * crypto remembers (bounded) which epoch each of its salts belongs to, so `epochOf` tells how old
 * a session id is without putting anything in its plaintext (which stays upstream's format).
 * A salt it did not make (another process, before a restart, or forgotten) has no epoch.
 */
export class McpSessionCrypto {
  /** The salt in use per epoch, oldest first (at most EPOCHS_ENCRYPTING). */
  private readonly encryptions = new Map<number, { salt: Buffer; key: Promise<Buffer>; remaining: number }>();
  /** The epoch of each salt this crypto made (hex salt → epoch), oldest first, bounded. */
  private readonly saltEpochs = new Map<string, number>();
  /** The newest epoch asked for: the one values encrypted without an epoch get. */
  private latestEpoch = 0;
  private readonly keys = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly primary: SessionKeySource,
    /** Tried when the primary seed cannot decrypt: lets a seed be rotated without dropping sessions. */
    private readonly fallback?: SessionKeySource,
  ) {}

  /** Encrypts with a salt of `epoch` (default: the newest epoch asked for so far). */
  async encrypt(plaintext: string, epoch = this.latestEpoch): Promise<string> {
    if (epoch > this.latestEpoch) this.latestEpoch = epoch;
    let encryption = this.encryptions.get(epoch);
    if (!encryption || encryption.remaining <= 0) {
      const salt = randomBytes(SALT_BYTES);
      encryption = { salt, key: this.key(this.primary, salt), remaining: ENCRYPTIONS_PER_SALT };
      // Only the newest epochs keep their salt; an older one asked for again (a request begun
      // before several reloads) gets a fresh salt, still remembered as that epoch.
      this.encryptions.delete(epoch);
      this.encryptions.set(epoch, encryption);
      trim(this.encryptions, EPOCHS_ENCRYPTING);
      this.saltEpochs.set(salt.toString('hex'), epoch);
      trim(this.saltEpochs, SALT_EPOCHS);
    }
    encryption.remaining--;
    const { salt, key } = encryption;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', await key, nonce);
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return Buffer.concat([salt, nonce, sealed]).toString('base64');
  }

  /**
   * The epoch `encrypt` was given for this value, when this crypto made it (and still remembers
   * its salt); undefined otherwise. Only the salt is read: decrypt first to know the value is genuine.
   */
  epochOf(encrypted: string): number | undefined {
    if (!BASE64.test(encrypted)) return undefined;
    const data = Buffer.from(encrypted, 'base64');
    if (data.length < SALT_BYTES) return undefined;
    return this.saltEpochs.get(data.subarray(0, SALT_BYTES).toString('hex'));
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
    trim(this.keys, KEY_CACHE_SIZE);
    return derived;
  }
}

/** Drops the oldest entries (Map iteration order is insertion order) down to `size`. */
function trim<K, V>(map: Map<K, V>, size: number): void {
  while (map.size > size) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
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
/** Epochs whose salt is kept for encryption: the current one and those requests under way began in. */
const EPOCHS_ENCRYPTING = 4;
/** Salts whose epoch is remembered: one per epoch (more only after 2^24 encryptions), so ~1000 reloads. */
const SALT_EPOCHS = 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
