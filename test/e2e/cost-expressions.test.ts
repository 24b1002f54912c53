/**
 * CEL cost expressions (`llmRequestCosts[].cel`) end to end. The API server takes any string
 * there and upstream's controller is what rejects a bad one, so `aigw validate` accepts an
 * unknown variable with a warning while `run` and `translate` refuse it, all three naming the
 * variable meant. Through a real `aigw run`, every variable upstream offers reads its value.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { isRecord } from '../../common/json-guards.js';
import { freePort, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { runCli } from '../support/run-cli.js';
import { sendJson, startScriptedProvider, type ScriptedProvider } from '../support/scripted-provider.js';

const MODEL = 'cost-model';
const ROUTE = 'aigw-run';

/** One cost per variable upstream offers (strings through a comparison), and their sum as upstream's docs write it. */
const COSTS: Record<string, string> = {
  cost_model: `model == "${MODEL}" ? uint(1) : uint(0)`,
  cost_backend: `backend.startsWith("default/openai/route/${ROUTE}/") ? uint(size(backend)) : uint(0)`,
  cost_route_name: `route_name == "default/${ROUTE}" ? uint(1) : uint(0)`,
  cost_input_tokens: 'input_tokens',
  cost_cached_input_tokens: 'cached_input_tokens',
  cost_cache_creation_input_tokens: 'cache_creation_input_tokens',
  cost_output_tokens: 'output_tokens',
  cost_total_tokens: 'total_tokens',
  cost_reasoning_tokens: 'reasoning_tokens',
  cost_sum: 'input_tokens + cached_input_tokens + cache_creation_input_tokens + output_tokens + reasoning_tokens',
};

/** The test gateway with `costs` as its route's llmRequestCosts and a JSON access log of each. */
function costConfig(port: number, upstreamPort: number, costs: Record<string, string>): string {
  const documents = parseAllDocuments(gatewayConfigYaml({ port, upstreamPort, models: [MODEL], accessLog: false }));
  assert.ok(Array.isArray(documents));
  const json: Record<string, string> = { 'gen_ai.request.model': '%REQ(X-AI-EG-MODEL)%', backend: '%DYNAMIC_METADATA(io.envoy.ai_gateway:backend_name)%' };
  for (const key of Object.keys(costs)) json[key] = `%DYNAMIC_METADATA(io.envoy.ai_gateway:${key})%`;
  for (const document of documents) {
    if (document.get('kind') === 'EnvoyProxy') {
      document.setIn(['spec', 'telemetry'], { accessLog: { settings: [{ sinks: [{ type: 'File', file: { path: '/dev/stdout' } }], format: { type: 'JSON', json } }] } });
    }
    if (document.get('kind') === 'AIGatewayRoute') {
      document.setIn(['spec', 'llmRequestCosts'], Object.entries(costs).map(([metadataKey, cel]) => ({ metadataKey, type: 'CEL', cel })));
    }
  }
  return documents.map((document) => document.toString()).join('---\n');
}

async function configFile(text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'aigw-costs-')), 'gw.yaml');
  await writeFile(file, text);
  return file;
}

let provider: ScriptedProvider;

before(async () => {
  provider = await startScriptedProvider('openai');
});

after(async () => {
  await provider?.close();
});

test('an unknown variable: validate accepts with a warning at file:line:col, run and translate refuse; each names the variable meant', async () => {
  const file = await configFile(costConfig(await freePort(), provider.port, { llm_cel: 'input_tokens + cached_input_token' }));
  const suggestion = /undeclared reference to "cached_input_token".*\(hint: did you mean "cached_input_tokens"\?\)/;

  const validate = await runCli(['validate', file]);
  assert.equal(validate.code, 0, validate.stdout);
  const [warning] = validate.stdout.split('\n').filter((line) => line.includes('warning:'));
  assert.match(warning ?? '', new RegExp(`^${file.replaceAll('/', '\\/')}:\\d+:\\d+: warning: AIGatewayRoute "${ROUTE}": spec\\.llmRequestCosts\\[0\\]\\.cel: `));
  assert.match(warning ?? '', suggestion);
  assert.match(validate.stdout, /^valid: .* 0 error\(s\), 1 warning\(s\)$/m);
  assert.equal((await runCli(['validate', '--strict', file])).code, 1);

  const translate = await runCli(['translate', file]);
  assert.equal(translate.code, 1);
  assert.match(translate.stderr, new RegExp(`error: AIGatewayRoute "${ROUTE}": spec\\.llmRequestCosts\\[0\\]\\.cel: CEL cost expression .*${suggestion.source}`));

  const run = await runCli(['run', file, '--admin-port', String(await freePort())]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^aigw: error: invalid configuration:/);
  assert.match(run.stderr, suggestion);
});

test('every variable upstream offers: valid, and through aigw run each cost reads its value', async () => {
  const port = await freePort();
  const text = costConfig(port, provider.port, COSTS);
  const validate = await runCli(['validate', await configFile(text)]);
  assert.equal(validate.code, 0, validate.stdout);
  assert.match(validate.stdout, /0 error\(s\), 0 warning\(s\)/);

  provider.reply((_request, response) =>
    sendJson(response, 200, {
      id: 'chatcmpl-costs',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 100,
        completion_tokens: 40,
        total_tokens: 140,
        prompt_tokens_details: { cached_tokens: 30, cache_creation_input_tokens: 20 },
        completion_tokens_details: { reasoning_tokens: 10 },
      },
    }),
  );
  let aigw: AigwProcess | undefined;
  try {
    aigw = await startAigw({ configYaml: text });
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'cost me' }] }),
    });
    assert.equal(response.status, 200, await response.text());
    const entry: unknown = JSON.parse(await aigw.waitForStdout(/"cost_sum":/, 15_000));
    assert.ok(isRecord(entry));
    const backend = entry.backend;
    assert.ok(typeof backend === 'string' && backend.startsWith(`default/openai/route/${ROUTE}/`), String(backend));
    assert.deepEqual(
      Object.fromEntries(Object.keys(COSTS).map((key) => [key, entry[key]])),
      {
        cost_model: 1,
        cost_backend: backend.length,
        cost_route_name: 1,
        cost_input_tokens: 100,
        cost_cached_input_tokens: 30,
        cost_cache_creation_input_tokens: 20,
        cost_output_tokens: 40,
        cost_total_tokens: 140,
        cost_reasoning_tokens: 10,
        cost_sum: 100 + 30 + 20 + 40 + 10,
      },
    );
  } finally {
    await aigw?.stop();
  }
});
