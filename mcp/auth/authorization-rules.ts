// `authorization` / `backendSelector` rules (upstream internal/mcpproxy/authorization.go): rules in
// order, the first match gives its action, otherwise `defaultAction`. A rule matches when its CEL
// is true, its target.tools contains (backend, tool), and its source.jwt claims all match and its
// scopes are all present. A CEL error or non-boolean result means "no match" (logged).

import type { Logger } from '../../common/logger.js';
import type { McpAuthorizationConfig, McpAuthorizationRule } from '../../contract/mcp-config.js';
import type { McpCall, McpHttpRequest, McpIdentity } from './mcp-route-auth.js';
import { buildCelBindings, claimsForRules, type CelBindings } from './cel-bindings.js';
import { compileCelPredicate, type CelPredicate } from './cel-predicate.js';
import { lookupClaim } from './identity.js';
import { AigwError } from '../../common/errors.js';

export interface RuleDecision {
  allowed: boolean;
  /**
   * When denied: the scopes to ask for in an `insufficient_scope` challenge (empty when more scopes
   * would not help). Taken from the Allow rule that lacks the fewest scopes, and listing all of that
   * rule's scopes, so a token re-issued with them satisfies the rule (MCP 2025-11-25 "minimum
   * approach": new scopes plus the granted ones still required).
   */
  challengeScopes: string[];
}

export interface RuleSet {
  decide(identity: McpIdentity, request: McpHttpRequest, call: McpCall): RuleDecision;
}

interface CompiledRule {
  rule: McpAuthorizationRule;
  index: number;
  cel?: CelPredicate;
}

type JwtClaimRule = NonNullable<McpAuthorizationRule['jwt']>['claims'][number];

function claimMatches(value: unknown, claim: JwtClaimRule): boolean {
  if (claim.valueType === 'String') return typeof value === 'string' && claim.values.includes(value);
  // StringArray: any element allowed; a lone string is accepted too, as upstream does.
  if (typeof value === 'string') return claim.values.includes(value);
  return Array.isArray(value) && value.some((item) => typeof item === 'string' && claim.values.includes(item));
}

/** Compiles a rule set once per route; throws a CONFIG AigwError naming the rule when a CEL does not parse. */
export function compileRuleSet(config: McpAuthorizationConfig, label: string, logger: Logger | undefined): RuleSet {
  const rules: CompiledRule[] = config.rules.map((rule, index) => {
    if (rule.cel === undefined || rule.cel.trim() === '') return { rule, index };
    try {
      return { rule, index, cel: compileCelPredicate(rule.cel) };
    } catch (error) {
      throw new AigwError('CONFIG', `${label}.rules[${index}].cel: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  const defaultAllowed = config.defaultAction === 'Allow';

  return {
    decide(identity, request, call) {
      let bindings: CelBindings | undefined;
      const claims = claimsForRules(identity.claims);
      const scopes = new Set(identity.scopes);
      let challenge: { missing: number; scopes: string[] } | undefined;

      for (const { rule, index, cel } of rules) {
        if (cel !== undefined) {
          bindings ??= buildCelBindings(identity, request, call);
          const outcome = cel.evaluate(bindings);
          if ('error' in outcome) {
            // The expression is config, not a secret; request values are never logged.
            logger?.warn('MCP authorization CEL evaluation failed; the rule does not match', { rule: `${label}.rules[${index}]`, expression: cel.source, error: outcome.error });
            continue;
          }
          if (!outcome.value) continue;
        }
        if (rule.tools !== undefined && rule.tools.length > 0 && !rule.tools.some((t) => t.backend === call.backend && t.tool === call.tool)) continue;
        const jwt = rule.jwt;
        if (jwt === undefined) return { allowed: rule.action === 'Allow', challengeScopes: [] };
        if (!jwt.claims.every((claim) => claimMatches(lookupClaim(claims, claim.name), claim))) continue;
        const missing = jwt.scopes.filter((scope) => !scopes.has(scope)).length;
        if (missing === 0) return { allowed: rule.action === 'Allow', challengeScopes: [] };
        if (rule.action === 'Allow' && (challenge === undefined || missing < challenge.missing)) challenge = { missing, scopes: [...jwt.scopes] };
      }
      return { allowed: defaultAllowed, challengeScopes: defaultAllowed ? [] : (challenge?.scopes ?? []) };
    },
  };
}
