import type { Diagnostic } from './diagnostic.js';
import type { SourceDocument } from './load-documents.js';
import { isRecord } from '../extproc/json-guards.js';

/**
 * What the API server cannot see: two MCPRoutes on the same Gateway serving the same path, or
 * (with OAuth) the same `/.well-known/oauth-protected-resource<path>` metadata endpoints. Envoy
 * would route one of them silently; this reports both places.
 */
export function checkMcpRoutePaths(documents: readonly SourceDocument[]): Diagnostic[] {
  const claimed = new Map<string, { document: SourceDocument; name: string }>();
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
    const parents = Array.isArray(spec.parentRefs) ? spec.parentRefs.filter(isRecord) : [];
    for (const parent of parents) {
      const gateway = `${typeof parent.namespace === 'string' ? parent.namespace : namespace}/${typeof parent.name === 'string' ? parent.name : ''}`;
      for (const claimedPath of paths) {
        const key = `${gateway} ${claimedPath}`;
        const earlier = claimed.get(key);
        if (!earlier) {
          claimed.set(key, { document, name });
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
          hint: 'give each MCPRoute on a Gateway its own path',
        });
      }
    }
  }
  return diagnostics;
}
