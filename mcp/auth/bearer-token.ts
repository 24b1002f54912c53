// The RFC 6750 §2.1 bearer token of a request. Other schemes (Basic, …) count as "no token", so
// the client gets the plain challenge that tells it to authorize.

/** The token, or undefined when there is no `Authorization: Bearer <token>` header. */
export function bearerToken(headers: Readonly<Record<string, string>>): string | undefined {
  const value = headers.authorization;
  if (value === undefined) return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}
