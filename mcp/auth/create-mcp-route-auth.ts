// createMcpRouteAuth: the McpRouteAuth of one MCPRoute (see ../mcp-route-auth.ts), assembled from
// the route's `oauth` (JWT verification, challenges, discovery documents), `authorization` rules and
// `backendSelector`. Everything that can be compiled (CEL, an inline JWKS) is compiled here, so a
// broken route fails at config load rather than on its first request.

import type { Logger } from '../../common/logger.js';
import type { McpRouteConfig } from '../../contract/mcp-config.js';
import { OPEN_ROUTE, type McpCall, type McpRouteAuth } from './mcp-route-auth.js';
import { compileRuleSet, type RuleSet } from './authorization-rules.js';
import { bearerToken } from './bearer-token.js';
import { forbiddenAnswer, resourceMetadataUrl, unauthorizedAnswer, unavailableAnswer } from './challenges.js';
import { ANONYMOUS, identityFromClaims } from './identity.js';
import { createJwtVerifier, type JwtVerifier } from './jwt-verifier.js';
import { createWellKnownHandler, type WellKnownHandler } from './well-known.js';
import { AigwError } from '../../common/errors.js';

export interface McpRouteAuthOptions {
  /** For the remote JWKS and the issuer's metadata (tests pass a fake). */
  fetch?: typeof fetch;
  /** Epoch milliseconds, for token expiry and caches. */
  now?: () => number;
  logger?: Logger;
}

function compile<T>(route: string, what: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    throw new AigwError('CONFIG', `MCPRoute ${route}: ${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Throws a CONFIG AigwError when the route's CEL or inline JWKS is invalid. */
export function createMcpRouteAuth(route: McpRouteConfig, options: McpRouteAuthOptions = {}): McpRouteAuth {
  const { oauth, authorization, backendSelector } = route;
  if (oauth === undefined && authorization === undefined && backendSelector === undefined) return OPEN_ROUTE;
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const logger = options.logger;

  const rules: RuleSet | undefined = authorization && compile(route.name, 'authorization', () => compileRuleSet(authorization, 'authorization', logger));
  const selector: RuleSet | undefined = backendSelector && compile(route.name, 'backendSelector', () => compileRuleSet(backendSelector, 'backendSelector', logger));
  // No `issuer` option: like upstream's JWT provider, the token's `iss` is not compared with
  // `oauth.issuer`, which names the authorization server for the metadata documents only.
  const verify: JwtVerifier | undefined = oauth && compile(route.name, 'oauth.jwks', () => createJwtVerifier(oauth, { fetch: fetchImpl, now, logger }));
  const wellKnown: WellKnownHandler | undefined = oauth && createWellKnownHandler(oauth, route.path, { fetch: fetchImpl, now, logger });
  const metadataUrl = oauth && ((request: Parameters<McpRouteAuth['authenticate']>[0]) => resourceMetadataUrl(request, oauth.protectedResourceMetadata.resource, route.path));

  return {
    wellKnown: (request) => (wellKnown === undefined ? Promise.resolve(undefined) : wellKnown(request)),

    async authenticate(request) {
      if (oauth === undefined || verify === undefined || metadataUrl === undefined) return { identity: ANONYMOUS };
      const scopesSupported = oauth.protectedResourceMetadata.scopesSupported;
      const token = bearerToken(request.headers);
      if (token === undefined) return { answer: unauthorizedAnswer(metadataUrl(request), scopesSupported, undefined) };
      const outcome = await verify(token);
      if (outcome.ok) return { identity: identityFromClaims(outcome.claims, oauth.claimToHeaders) };
      if (outcome.reason === 'unavailable') return { answer: unavailableAnswer() };
      return { answer: unauthorizedAnswer(metadataUrl(request), scopesSupported, { description: outcome.description }) };
    },

    authorize(identity, request, call) {
      if (rules === undefined) return { allowed: true };
      const decision = rules.decide(identity, request, call);
      if (decision.allowed) return { allowed: true };
      return { allowed: false, answer: forbiddenAnswer(metadataUrl?.(request), decision.challengeScopes) };
    },

    selectsBackend(identity, request, backend) {
      if (selector === undefined) return true;
      // Asked at initialize: there is no tool, and the initialize params are not passed in.
      const call: McpCall = { method: 'initialize', backend, params: {} };
      return selector.decide(identity, request, call).allowed;
    },
  };
}
