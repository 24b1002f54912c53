#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
//
// Test fixture for stdio-bridge.test.ts: a tiny stdio MCP server with tools that crash it,
// report its pid and environment, notify, and ask the client for sampling.
//   --fail   exit 2 before the handshake (with a line on stderr)
//   --hang   never answer initialize
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, CreateMessageResultSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

const mode = process.argv[2];
process.stderr.write(`fixture: starting (pid ${process.pid})\n`);
if (mode === '--fail') {
  process.stderr.write('fixture: refusing to start\n');
  process.exit(2);
}
if (mode === '--hang') {
  setInterval(() => undefined, 60_000);
} else {
  const server = new Server({ name: 'stdio-fixture', version: '1.2.3' }, { capabilities: { tools: { listChanged: true }, logging: {} }, instructions: 'fixture instructions' });
  const tool = (name: string, properties: Record<string, object> = {}) => ({ name, inputSchema: { type: 'object' as const, properties } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [tool('echo', { message: { type: 'string' } }), tool('crash'), tool('pid'), tool('env', { name: { type: 'string' } }), tool('notify'), tool('sample')],
  }));
  const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const args = request.params.arguments ?? {};
    switch (request.params.name) {
      case 'echo':
        return text(`Echo: ${String(args.message)}`);
      case 'crash':
        process.stderr.write('fixture: crashing on request\n');
        process.exit(3);
        break;
      case 'pid':
        return text(String(process.pid));
      case 'env':
        return text(process.env[String(args.name)] ?? '<unset>');
      case 'notify':
        await server.sendLoggingMessage({ level: 'info', data: 'fixture says hello' });
        await server.sendToolListChanged();
        return text('notified');
      case 'sample': {
        const result = await extra.sendRequest(
          { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 10 } },
          CreateMessageResultSchema,
        );
        return text(result.content.type === 'text' ? `sampled: ${result.content.text}` : 'sampled: (not text)');
      }
    }
    return { content: [], isError: true };
  });
  await server.connect(new StdioServerTransport());
}
