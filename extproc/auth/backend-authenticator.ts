/** What an authenticator sees of the upstream request, after translation. */
export interface AuthRequest {
  /** The translated `:path` (GCP: relative to the project/location prefix). */
  path: string;
  /** The final body, when it was read (always, for authenticators with `needsBody`). */
  body: Buffer | undefined;
  /** Client request headers the authenticator asked for (`readHeaders`), plus `:authority`. */
  headers: Readonly<Partial<Record<string, string>>>;
  /** The upstream Host: the backend's hostname, else the client's `:authority`. */
  host: string;
}

export interface AuthResult {
  /** Replacement `:path` (GCP prefixes the project and location). */
  path?: string;
  /** Headers to set on the upstream request. Lower-case names. */
  headers: [string, string][];
  /**
   * The secret values in play for this request: the key or token sent and the configured
   * credentials it came from. The provider's answer is scrubbed of them before the client sees it.
   */
  secrets: string[];
}

/**
 * Adds a backend's credentials to the upstream request. One instance per configured credential,
 * shared by all requests: it owns the token caches and credential providers.
 */
export interface BackendAuthenticator {
  /** Whether the signature covers the body (SigV4): the body is then always read. */
  readonly needsBody: boolean;
  /** Client headers it reads (credential overrides), so the router decodes them. */
  readonly readHeaders: readonly string[];
  /** Client headers removed before the request leaves (credential overrides never reach providers). */
  readonly removeHeaders: readonly string[];
  /** Every header it may set, so a retry on another backend can drop them. */
  readonly setHeaders: readonly string[];
  /** @throws GatewayError 401 when an override is required but absent or partial. */
  apply(request: AuthRequest): Promise<AuthResult>;
}
