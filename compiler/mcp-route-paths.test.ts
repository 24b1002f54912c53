import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDiagnostic } from './diagnostic.js';
import { loadDocuments } from './load-documents.js';
import { checkMcpRoutePaths } from './mcp-route-paths.js';

const route = (name: string, path: string | undefined, oauth: boolean, gateway = 'gw', extra = '') => `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: MCPRoute
metadata:
  name: ${name}
spec:
  parentRefs:
    - name: ${gateway}
${extra}${path ? `  path: ${path}\n` : ''}${oauth ? '  securityPolicy:\n    oauth:\n      issuer: https://auth.example.com\n' : ''}  backendRefs:
    - name: b
---
`;

test('MCPRoutes on one Gateway must not share a path or OAuth metadata paths', () => {
  const check = (text: string) => checkMcpRoutePaths(loadDocuments(text, 'mcp.yaml').documents).map(formatDiagnostic);
  assert.deepEqual(check(route('a', undefined, false) + route('b', '/other', false)), []);
  assert.deepEqual(check(route('a', '/mcp', false) + route('b', '/mcp', false, 'other-gw')), [], 'other Gateway');
  const same = check(route('a', undefined, false) + route('b', '/mcp', false));
  assert.equal(same.length, 1);
  assert.match(same[0] ?? '', /^mcp\.yaml:\d+:\d+: error: MCPRoute "b": spec\.path: path \/mcp on Gateway default\/gw is already served by MCPRoute "a"/);
  const oauth = check(route('a', '/mcp', true) + route('b', '/mcp', true));
  assert.equal(oauth.length, 4, 'the route path and the three well-known metadata paths');
  assert.ok(oauth.some((line) => line.includes('/.well-known/oauth-protected-resource/mcp')));
});

test('MCPRoutes told apart by hostnames, listeners or header matches do not conflict', () => {
  const check = (text: string) => checkMcpRoutePaths(loadDocuments(text, 'mcp.yaml').documents).map(formatDiagnostic);
  assert.deepEqual(check(route('a', undefined, false, 'gw', '  hostnames: [a.example.com]\n') + route('b', undefined, false, 'gw', '  hostnames: [b.example.com]\n')), []);
  assert.deepEqual(check(route('a', undefined, false, 'gw', '  hostnames: [a.example.com]\n') + route('b', undefined, false)), [], 'the route with hostnames goes first');
  assert.equal(check(route('a', undefined, false, 'gw', '  hostnames: [a.example.com, c.example.com]\n') + route('b', undefined, false, 'gw', '  hostnames: [c.example.com]\n')).length, 1);
  const section = (name: string) => `      sectionName: ${name}\n`;
  assert.deepEqual(check(route('a', undefined, false).replace('    - name: gw\n', `    - name: gw\n${section('one')}`) + route('b', undefined, false).replace('    - name: gw\n', `    - name: gw\n${section('two')}`)), []);
  assert.deepEqual(check(route('a', undefined, false, 'gw', '  headers:\n    - name: x-tenant\n      value: blue\n') + route('b', undefined, false)), []);
});
