import type { Diagnostic } from './diagnostic.js';
import type { SourceDocument } from './load-documents.js';
import { isRecord } from '../common/json-guards.js';

interface Claim {
  document: SourceDocument;
  name: string;
  gateway: string;
  /** Undefined: every listener of the Gateway. */
  sectionName: string | undefined;
  path: string;
  /** Lower-cased; empty: every host. */
  hostnames: string[];
  /** `spec.headers`, canonical JSON: routes that differ here are told apart by Envoy. */
  headers: string;
}

/**
 * What the API server cannot see: two MCPRoutes on the same Gateway listener and hosts serving
 * the same path, or (with OAuth) the same `/.well-known/oauth-protected-resource<path>` metadata
 * endpoints. Envoy would route one of them silently; this reports both places. Routes told apart
 * by hostnames, listeners (sectionName) or header matches do not conflict.
 */
export function checkMcpRoutePaths(documents: readonly SourceDocument[]): Diagnostic[] {
  const claims: Claim[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const document of documents) {
    const { kind, metadata, spec } = document.value;
    if (kind !== 'MCPRoute' || !isRecord(spec) || !isRecord(metadata)) continue;
    const name = typeof metadata.name === 'string' ? metadata.name : '';
    const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : 'default';
    const path = typeof spec.path === 'string' ? spec.path : '/mcp';
    const oauth = isRecord(spec.securityPolicy) && spec.securityPolicy.oauth !== undefined;
    const paths = oauth
      ? [path, `/.well-known/oauth-protected-resource${path}`, `/.well-known/oauth-authorization-server${path}`, `/.well-known/openid-configuration${path}`]
      : [path];
    const hostnames = Array.isArray(spec.hostnames) ? spec.hostnames.filter((host): host is string => typeof host === 'string').map((host) => host.toLowerCase()) : [];
    const headers = Array.isArray(spec.headers) ? JSON.stringify(spec.headers.filter(isRecord).map((h) => [String(h.name).toLowerCase(), h.type ?? 'Exact', h.value]).sort()) : '[]';
    const parents = Array.isArray(spec.parentRefs) ? spec.parentRefs.filter(isRecord) : [];
    for (const parent of parents) {
      const gateway = `${typeof parent.namespace === 'string' ? parent.namespace : namespace}/${typeof parent.name === 'string' ? parent.name : ''}`;
      const sectionName = typeof parent.sectionName === 'string' ? parent.sectionName : undefined;
      for (const claimedPath of paths) {
        const claim: Claim = { document, name, gateway, sectionName, path: claimedPath, hostnames, headers: claimedPath === path ? headers : '[]' };
        const earlier = claims.find((other) => conflicts(other, claim));
        if (!earlier) {
          claims.push(claim);
          continue;
        }
        const position = document.positionOf(['spec', 'path']);
        diagnostics.push({
          severity: 'error',
          file: document.file,
          ...(position ? { line: position.line, column: position.column } : {}),
          resource: `MCPRoute ${JSON.stringify(name)}`,
          path: 'spec.path',
          message: `path ${claimedPath} on Gateway ${gateway} is already served by MCPRoute ${JSON.stringify(earlier.name)} (${earlier.document.file})`,
          hint: 'give each MCPRoute on a Gateway its own path (or its own hostnames)',
        });
      }
    }
  }
  return diagnostics;
}

function conflicts(a: Claim, b: Claim): boolean {
  if (a.gateway !== b.gateway || a.path !== b.path || a.headers !== b.headers) return false;
  if (a.sectionName !== undefined && b.sectionName !== undefined && a.sectionName !== b.sectionName) return false;
  if (a.hostnames.length === 0 || b.hostnames.length === 0) return a.hostnames.length === b.hostnames.length;
  return a.hostnames.some((host) => b.hostnames.includes(host));
}
