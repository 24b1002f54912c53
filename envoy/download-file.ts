// HTTP helpers on Node's global fetch (redirects followed by default) with two timeouts: one for
// getting response headers and an idle timeout between body chunks, so a large but steadily
// progressing download is never cut off while a stalled one is.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { AigwError } from '../common/errors.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const USER_AGENT = 'aigw (envoy downloader)';

/**
 * A download answered with an error status. An ENVOY AigwError with no status field: obtainEnvoy
 * falls through to the next source on any failure (a 404 included), and reports only the message.
 */
function httpStatusError(url: string, status: number, statusText: string): AigwError {
  return new AigwError('ENVOY', `HTTP ${status}${statusText === '' ? '' : ` ${statusText}`} from ${url}`);
}

export interface FetchTimeouts {
  signal?: AbortSignal;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
}

export interface DownloadFileOptions extends FetchTimeouts {
  /** Called once the response headers arrived, with Content-Length if known. */
  onStart?: (total: number | undefined) => void;
  /** Called after every received chunk with the cumulative byte count. */
  onProgress?: (received: number) => void;
}

export interface DownloadedFile {
  bytes: number;
  /** Lower-case hex SHA-256 of exactly the bytes written. */
  sha256: string;
}

/** An AbortController fed by the caller's signal plus a re-armable timer. */
class Deadline {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly onParentAbort = (): void => {
    this.controller.abort(this.parent?.reason);
  };

  constructor(private readonly parent: AbortSignal | undefined) {
    if (parent?.aborted === true) this.controller.abort(parent.reason);
    else parent?.addEventListener('abort', this.onParentAbort, { once: true });
  }

  arm(ms: number, what: string): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // ETIMEDOUT, as Node names a socket timeout: callers tell network failures apart by code.
      this.controller.abort(Object.assign(new Error(`timed out after ${ms >= 1000 ? `${Math.round(ms / 1000)}s` : `${ms}ms`} ${what}`), { code: 'ETIMEDOUT' }));
    }, ms);
  }

  /** The error to surface: the caller's abort reason, our timeout error, or the original one. */
  explain(err: unknown): unknown {
    if (this.parent?.aborted === true) return this.parent.reason;
    if (this.controller.signal.aborted) return this.controller.signal.reason;
    return err;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.onParentAbort);
  }
}

async function fetchOk(url: string, deadline: Deadline, connectTimeoutMs: number): Promise<Response> {
  deadline.arm(connectTimeoutMs, `waiting for ${url}`);
  const res = await fetch(url, {
    redirect: 'follow',
    signal: deadline.controller.signal,
    headers: { 'user-agent': USER_AGENT },
  });
  if (!res.ok) {
    await res.body?.cancel();
    throw httpStatusError(url, res.status, res.statusText);
  }
  return res;
}

/** GETs a URL and parses its body as JSON (returned as unknown for the caller to validate). */
export async function fetchJson(url: string, opts: FetchTimeouts = {}): Promise<unknown> {
  const deadline = new Deadline(opts.signal);
  try {
    const res = await fetchOk(url, deadline, opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    deadline.arm(opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, `reading ${url}`);
    const text = await res.text();
    try {
      const parsed: unknown = JSON.parse(text);
      return parsed;
    } catch {
      throw new Error(`${url} did not return valid JSON`);
    }
  } catch (err) {
    throw deadline.explain(err);
  } finally {
    deadline.dispose();
  }
}

/** Streams a URL into destPath (created/truncated), hashing it on the way. */
export async function downloadFile(url: string, destPath: string, opts: DownloadFileOptions = {}): Promise<DownloadedFile> {
  const deadline = new Deadline(opts.signal);
  const idleMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  try {
    const res = await fetchOk(url, deadline, opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    const length = Number(res.headers.get('content-length') ?? NaN);
    opts.onStart?.(Number.isFinite(length) && length > 0 ? length : undefined);
    const body = res.body;
    if (body === null) throw new Error(`empty response body from ${url}`);
    const hash = createHash('sha256');
    let bytes = 0;
    const file = await open(destPath, 'w', 0o644);
    try {
      deadline.arm(idleMs, `waiting for data from ${url}`);
      for await (const chunk of body) {
        if (!(chunk instanceof Uint8Array)) throw new Error(`unexpected body chunk type from ${url}`);
        hash.update(chunk);
        bytes += chunk.byteLength;
        await file.write(chunk);
        deadline.arm(idleMs, `waiting for data from ${url}`);
        opts.onProgress?.(bytes);
      }
    } finally {
      await file.close();
    }
    return { bytes, sha256: hash.digest('hex') };
  } catch (err) {
    throw deadline.explain(err);
  } finally {
    deadline.dispose();
  }
}
