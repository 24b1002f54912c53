/**
 * `npm run bench:mcp`: what does the MCP gateway add to a tool call? One real MCP server (the
 * official SDK over Streamable HTTP, stateful, JSON replies), called directly and through
 * `aigw run` (Envoy + the ext_proc's MCP proxy) by the SDK client on an open session, in the
 * same run, alternating rounds so machine drift hits both alike. Reports p50/p99 latency of
 * `tools/call` and the gateway/direct ratio (upstream measured 3.65×; the goal here is < 2×).
 *
 * Env: MCP_BENCH_CALLS (per round, default 500), MCP_BENCH_ROUNDS (default 4).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { stringify } from 'yaml';
import { startTestBackend } from '../support/mcp-test-backend.js';
import { freePort, startAigw } from '../support/aigw-process.js';
import { runScript } from '../support/run-script.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function measure(client: Client, name: string, calls: number, into: number[]): Promise<void> {
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    const result = await client.callTool({ name, arguments: { text: `call ${i}` } });
    into.push(performance.now() - started);
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  }
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'aigw-mcp-bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

let stopAll: (() => Promise<void>) | undefined;

async function main(): Promise<number> {
  const calls = Number(process.env.MCP_BENCH_CALLS ?? '500');
  const rounds = Number(process.env.MCP_BENCH_ROUNDS ?? '4');
  const backend = await startTestBackend("full");
  const port = await freePort();
  const url = new URL(backend.url);
  const yaml = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'bench', namespace: 'default' }, spec: { gatewayClassName: 'bench', listeners: [{ name: 'http', protocol: 'HTTP', port }] } },
    {
      apiVersion: 'aigateway.envoyproxy.io/v1alpha1',
      kind: 'MCPRoute',
      metadata: { name: 'bench', namespace: 'default' },
      spec: { parentRefs: [{ name: 'bench', kind: 'Gateway', group: 'gateway.networking.k8s.io' }], path: '/mcp', backendRefs: [{ name: 'server', kind: 'Backend', group: 'gateway.envoyproxy.io', path: url.pathname }] },
    },
    { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'Backend', metadata: { name: 'server', namespace: 'default' }, spec: { endpoints: [{ ip: { address: url.hostname, port: Number(url.port) } }] } },
  ]
    .map((document) => stringify(document))
    .join('---\n');
  const aigw = await startAigw({ configYaml: yaml, captureStdout: false });
  stopAll = async () => {
    await aigw.stop();
    await backend.close();
  };
  try {
    const direct = await connect(backend.url);
    const gateway = await connect(`http://127.0.0.1:${port}/mcp`);
    // Warm-up: connections, JIT, the session key derivation.
    await measure(direct, 'echo', 50, []);
    await measure(gateway, 'server__echo', 50, []);
    const directMs: number[] = [];
    const gatewayMs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await measure(direct, 'echo', calls, directMs);
      await measure(gateway, 'server__echo', calls, gatewayMs);
    }
    await direct.close();
    await gateway.close();
    directMs.sort((a, b) => a - b);
    gatewayMs.sort((a, b) => a - b);
    const row = (label: string, values: number[]): string => `| ${label} | ${values.length} | ${percentile(values, 50).toFixed(3)} | ${percentile(values, 99).toFixed(3)} |`;
    process.stdout.write(['', '| tools/call | calls | p50 (ms) | p99 (ms) |', '| --- | ---: | ---: | ---: |', row('direct', directMs), row('gateway', gatewayMs), ''].join('\n'));
    process.stdout.write(`\ngateway/direct p50 ratio: ${(percentile(gatewayMs, 50) / percentile(directMs, 50)).toFixed(2)}× (upstream: 3.65×; goal < 2×)\n`);
    return 0;
  } finally {
    await stopAll();
    stopAll = undefined;
  }
}

runScript({
  npmScript: 'bench:mcp',
  log: (line) => process.stderr.write(`[mcp-bench] ${line}\n`),
  main,
  cleanup: async () => {
    await stopAll?.();
  },
});
