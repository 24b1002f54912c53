import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spanAttributesToRecord } from '../../extproc/telemetry/tracing/span-attributes.js';
import { genAiMcpSpanVocabulary } from './mcp-gen-ai-span-vocabulary.js';
import { legacyMcpSpanVocabulary } from './mcp-legacy-span-vocabulary.js';
import type { McpSpanRequest } from './mcp-span-vocabulary.js';

/** A request (id 1 unless given); `null` makes it a notification. */
const request = (method: string, params?: McpSpanRequest['params'], id: McpSpanRequest['id'] | null = 1): McpSpanRequest => ({
  method,
  ...(id !== null && id !== undefined ? { id } : {}),
  ...(params ? { params } : {}),
  protocolVersion: '2025-06-18',
});

test('span names: upstream names by default, method (and target) with gen_ai', () => {
  const genAi = genAiMcpSpanVocabulary(false);
  const cases: [string, McpSpanRequest['params'], string, string][] = [
    ['initialize', undefined, 'Initialize', 'initialize'],
    ['tools/list', undefined, 'ListTools', 'tools/list'],
    ['tools/call', { name: 'a__echo' }, 'CallTool', 'tools/call a__echo'],
    ['prompts/list', undefined, 'ListPrompts', 'prompts/list'],
    ['prompts/get', { name: 'a__greet' }, 'GetPrompt', 'prompts/get a__greet'],
    ['resources/list', undefined, 'ListResources', 'resources/list'],
    ['resources/read', { uri: 'a+file:///x' }, 'ReadResource', 'resources/read'],
    ['resources/subscribe', { uri: 'a+file:///x' }, 'Subscribe', 'resources/subscribe'],
    ['resources/unsubscribe', { uri: 'a+file:///x' }, 'Unsubscribe', 'resources/unsubscribe'],
    ['resources/templates/list', undefined, 'ListResourceTemplates', 'resources/templates/list'],
    ['logging/setLevel', { level: 'debug' }, 'SetLoggingLevel', 'logging/setLevel'],
    ['completion/complete', {}, 'Complete', 'completion/complete'],
    ['ping', undefined, 'Ping', 'ping'],
    ['notifications/progress', {}, 'notifications/progress', 'notifications/progress'],
  ];
  for (const [method, params, legacy, otel] of cases) {
    assert.equal(legacyMcpSpanVocabulary.spanName(request(method, params)), legacy);
    assert.equal(genAi.spanName(request(method, params)), otel);
  }
});

test('params attributes shared by both conventions; notifications carry no request id', () => {
  for (const vocabulary of [legacyMcpSpanVocabulary, genAiMcpSpanVocabulary(false)]) {
    const progress = spanAttributesToRecord(vocabulary.requestAttributes(request('notifications/progress', { progressToken: 7, progress: 0.5, message: 'half' }, null)));
    assert.equal(progress['mcp.notifications.progress'], 0.5);
    assert.equal(progress['mcp.notifications.progress.token'], '7');
    assert.equal(progress['mcp.notifications.progress.message'], 'half');
    assert.equal(progress['mcp.request.id'], undefined);
    assert.equal(progress['jsonrpc.request.id'], undefined);
    const complete = spanAttributesToRecord(vocabulary.requestAttributes(request('completion/complete', { ref: { type: 'ref/prompt', name: 'a__p' }, argument: { name: 'who', value: 'b' } })));
    assert.equal(complete['mcp.complete.argument.name'], 'who');
    assert.equal(complete['mcp.complete.argument.value'], 'b');
    assert.equal(spanAttributesToRecord(vocabulary.requestAttributes(request('logging/setLevel', { level: 'info' })))['mcp.logging.level'], 'info');
    const init = spanAttributesToRecord(vocabulary.requestAttributes(request('initialize', { protocolVersion: '2025-03-26', clientInfo: { name: 'c', version: '1' } })));
    assert.equal(init['mcp.client.name'], 'c');
    assert.equal(init['mcp.client.title'], undefined, 'absent values are not recorded');
  }
});

test('legacy: fixed keys, no gen_ai signals; gen_ai: the declared protocol version', () => {
  const legacy = spanAttributesToRecord(legacyMcpSpanVocabulary.requestAttributes(request('tools/call', { name: 'a__t', arguments: { x: 1 } }, 'r1')));
  assert.deepEqual(legacy, { 'mcp.protocol.version': '2025-06-18', 'mcp.transport': 'http', 'mcp.request.id': 'r1', 'mcp.method.name': 'tools/call', 'mcp.tool.name': 'a__t' });
  assert.deepEqual(legacyMcpSpanVocabulary.listResult('tools/list', 3), []);
  assert.deepEqual(legacyMcpSpanVocabulary.clientSession('s'), []);
  assert.equal(legacyMcpSpanVocabulary.event('x'), undefined);

  const genAi = genAiMcpSpanVocabulary(true);
  const init = spanAttributesToRecord(genAi.requestAttributes(request('initialize', { protocolVersion: '2025-11-25' })));
  assert.equal(init['mcp.protocol.version'], '2025-11-25');
  const noHeader = spanAttributesToRecord(genAi.requestAttributes(request('tools/list')));
  assert.equal(noHeader['mcp.protocol.version'], undefined, 'not guessed without the client header');
  const withHeader = spanAttributesToRecord(genAi.requestAttributes({ ...request('tools/list'), clientProtocolVersion: '2025-03-26' }));
  assert.equal(withHeader['mcp.protocol.version'], '2025-03-26');
  assert.deepEqual(genAi.listResult('resources/templates/list', 2), [['mcp.resource_templates.count', 2]]);
  assert.deepEqual(genAi.errorAttributes({ status: 'error', errorType: 'internal_error' }), [['error.type', 'internal_error']]);
  const route = genAi.routeToBackend({ backend: 'a', url: 'https://[::1]/mcp', sessionId: 's', isNew: false, exclusive: true });
  assert.deepEqual(spanAttributesToRecord(route.attributes), { 'network.transport': 'tcp', 'network.protocol.name': 'http', 'network.protocol.version': '1.1', 'server.address': '::1', 'server.port': 443 });
});
