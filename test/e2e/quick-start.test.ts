/**
 * The quick starts of upstream's `aigw run` docs (the current zero-config one, and the earlier
 * one with the built-in multi-backend default), driven as a new user would, with a local fake
 * OpenAI-compatible server standing in for Ollama on localhost:11434. They use the fixed ports
 * the docs use (1975, 11434), so they are skipped when something else holds those ports.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { instructions, startInstructedUpstream } from '../support/instructed-upstream.js';
import { runCli } from '../support/run-cli.js';
import { portFreeEverywhere } from '../support/free-port.js';

const CLEAN_ENV = { OPENAI_API_KEY: '', OPENAI_BASE_URL: '', AZURE_OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', TARS_API_KEY: '' };

/** `curl -XPOST localhost:1975/v1/chat/completions -d '{"model": …}'` */
async function chat(model: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const response = await fetch('http://localhost:1975/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Say this is a test!' }] }),
  });
  return { status: response.status, body: await response.text() };
}

async function withOllama(fn: (ollama: FakeOpenAI) => Promise<void>, t: { skip: (reason: string) => void }): Promise<void> {
  if (!(await portFreeEverywhere(1975)) || !(await portFreeEverywhere(11434))) {
    t.skip('ports 1975 or 11434 are in use');
    return;
  }
  const ollama = await startFakeOpenAI({ port: 11434 });
  try {
    await fn(ollama);
  } finally {
    await ollama.close();
  }
}

test('zero-config quick start: OPENAI_BASE_URL=http://localhost:11434/v1 OPENAI_API_KEY=unused aigw run', async (t) => {
  await withOllama(async (ollama) => {
    const aigw = await startAigw({ configYaml: '', omitConfigPath: true, env: { ...CLEAN_ENV, OPENAI_BASE_URL: 'http://localhost:11434/v1', OPENAI_API_KEY: 'unused' } });
    try {
      const reply = await chat('qwen2.5:0.5b');
      assert.equal(reply.status, 200, reply.body);
      assert.equal(ollama.requests.at(-1)?.path, '/v1/chat/completions');
      assert.match(aigw.stderr, /Envoy AI Gateway listening on http:\/\/localhost:1975 \(admin http:\/\/127\.0\.0\.1:\d+\) after (\d+(\.\d+)?)s/);
    } finally {
      await aigw.stop();
    }
  }, t);
});

test('built-in default quick start: aigw run with no variables routes by aigw-backend-selector, then by model', async (t) => {
  await withOllama(async (ollama) => {
    // No provider variable at all: the multi-backend default (Ollama always, OpenAI and TARS with keys,
    // AWS Bedrock with AWS credentials; its endpoint moved to a local stand-in with the AWS SDKs' variable).
    const bedrock = await startInstructedUpstream({ awsSecrets: { AKIAQUICKSTART: 'quick-start-secret' } });
    const converse = JSON.stringify({ output: { message: { role: 'assistant', content: [{ text: 'from bedrock' }] } }, stopReason: 'end_turn', usage: { inputTokens: 5, outputTokens: 3, totalTokens: 8 } });
    const gateway: AigwProcess = await startAigw({
      configYaml: '',
      omitConfigPath: true,
      env: {
        ...CLEAN_ENV,
        AWS_ACCESS_KEY_ID: 'AKIAQUICKSTART',
        AWS_SECRET_ACCESS_KEY: 'quick-start-secret',
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: `http://localhost:${bedrock.port}`,
      },
    });
    try {
      assert.equal((await chat('mistral:latest')).status, 200);
      const byHeader = await chat('gpt-4o-mini', { 'aigw-backend-selector': 'ollama' });
      assert.equal(byHeader.status, 200, 'the header wins over the model');
      assert.equal(ollama.requests.length, 2);
      const llama = 'us.meta.llama3-2-1b-instruct-v1:0';
      const byModel = await chat(llama, instructions({ responseBody: converse, expectedPath: `/model/${llama}/converse` }));
      assert.equal(byModel.status, 200, byModel.body);
      assert.match(byModel.body, /"content":"from bedrock"/);
      assert.equal(bedrock.requests.at(-1)?.signature, 'valid', 'signed with the AWS credentials of the environment');
      const awsByHeader = await chat('mistral:latest', { 'aigw-backend-selector': 'aws', ...instructions({ responseBody: converse, expectedPath: '/model/mistral:latest/converse' }) });
      assert.equal(awsByHeader.status, 200, awsByHeader.body);
      assert.equal(ollama.requests.length, 2);
      const unknown = await chat('no-such-model');
      assert.equal(unknown.status, 404);
      assert.equal(ollama.requests.length, 2);
    } finally {
      await gateway.stop();
      await bedrock.close();
    }
  }, t);
});

test('aigw run --show-default > default.yaml, edit the model, aigw run custom.yaml', async (t) => {
  await withOllama(async (ollama) => {
    // The whole built-in default (four backends), whatever is set: OpenAI's key changes nothing here.
    const shown = await runCli(['run', '--show-default'], { env: { ...CLEAN_ENV, OPENAI_API_KEY: 'unused' } });
    assert.equal(shown.code, 0);
    // The document's edit: the model Ollama serves, via envsubst with a default.
    const custom = shown.stdout.replace(/value: mistral:latest/, 'value: ${CHAT_MODEL:=deepseek-r1:1.5b}');
    assert.notEqual(custom, shown.stdout);
    const dir = await mkdtemp(join(tmpdir(), 'aigw-quick-'));
    await writeFile(join(dir, 'custom.yaml'), custom);
    const aigw = await startAigw({ configYaml: custom, env: { ...CLEAN_ENV, OPENAI_API_KEY: 'unused' } });
    try {
      assert.equal((await chat('deepseek-r1:1.5b')).status, 200);
      assert.equal((await chat('qwen2.5:0.5b')).status, 404);
      assert.equal(ollama.requests.length, 1);
    } finally {
      await aigw.stop();
    }
  }, t);
});
