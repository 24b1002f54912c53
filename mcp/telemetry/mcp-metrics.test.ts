import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { McpMetrics } from './mcp-metrics.js';

test('method, tool and capability names a client makes up are bounded; the specification\'s are not', async () => {
  const registry = new Registry();
  const metrics = new McpMetrics(registry, { maxValues: 2, maxLabelSets: 100, maxLength: 16 });
  const outcome = { status: 'error', errorType: 'unsupported_method', protocolVersion: '2025-06-18', durationSeconds: 0.01 } as const;
  for (let i = 0; i < 50; i++) metrics.recordRequest({ ...outcome, method: `made/up/${i}`.padEnd(i === 0 ? 100 : 0, '-') });
  for (let i = 0; i < 50; i++) metrics.recordRequest({ ...outcome, method: 'tools/call', backend: 'b', tool: `tool-${i}` });
  metrics.recordRequest({ ...outcome, method: 'resources/templates/list' });
  metrics.recordCapabilities('client', Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`cap-${i}`, {}]).concat([['sampling', {}]])));
  const text = await registry.metrics();
  const values = (label: string): Set<string> => new Set([...text.matchAll(new RegExp(`${label}="([^"]*)"`, 'g'))].map((match) => match[1] ?? ''));
  assert.deepEqual([...values('mcp_method_name')].sort(), ['_OTHER', 'made/up/0-------', 'made/up/1', 'resources/templates/list', 'tools/call']);
  assert.deepEqual([...values('gen_ai_tool_name')].sort(), ['', '_OTHER', 'tool-0', 'tool-1']);
  assert.deepEqual([...values('capability_type')].sort(), ['_OTHER', 'cap-0', 'cap-1', 'sampling']);
});
