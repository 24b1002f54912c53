/** A bearer token and when it stops being valid (ms since the epoch). */
export interface ExpiringToken {
  token: string;
  expiresAt: number;
}

/** Refresh this long before expiry, so no request leaves with a token about to lapse. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/**
 * Caches one token from a slow source (an OAuth token endpoint): concurrent requests share one
 * fetch, a fresh token is fetched shortly before expiry, and a failed fetch is not cached.
 */
export class TokenCache {
  private current: ExpiringToken | undefined;
  private inFlight: Promise<ExpiringToken> | undefined;

  constructor(private readonly fetchToken: () => Promise<ExpiringToken>) {}

  async get(): Promise<string> {
    const current = this.current;
    if (current && current.expiresAt - REFRESH_MARGIN_MS > Date.now()) return current.token;
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = undefined;
    });
    const fresh = await this.inFlight;
    this.current = fresh;
    return fresh.token;
  }
}
