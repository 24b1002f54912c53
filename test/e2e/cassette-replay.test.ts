/**
 * Replays upstream's recorded OpenAI interactions (go-vcr cassettes in test/fixtures/upstream) through the
 * real gateway: the fake upstream answers with the recording, and the client must receive the
 * recorded status and body byte for byte (streams included).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { isRecord } from '../../common/json-guards.js';
import { gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { cassetteDir, loadCassette, type Cassette } from '../support/cassette.js';
import { CASSETTE_NAME_HEADER } from '../support/cassette-player.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { missingFixtures } from '../support/upstream-fixtures.js';

const REPLAYED = /^(chat|completion|embeddings)-.*\.yaml$/;
const missing = missingFixtures(cassetteDir());
const cassettes: Cassette[] = missing === false
  ? readdirSync(cassetteDir())
      .filter((name) => REPLAYED.test(name))
      .sort()
      .map((name) => loadCassette(`${cassetteDir()}/${name}`))
  : [];

let upstream: FakeOpenAI;
let aigw: AigwProcess;
let port: number;

function requestModel(cassette: Cassette): string | undefined {
  const body: unknown = JSON.parse(cassette.interactions[0]?.request.body ?? '{}');
  return isRecord(body) && typeof body.model === 'string' ? body.model : undefined;
}

before(async () => {
  if (missing !== false) return;
  upstream = await startFakeOpenAI({ cassettes });
  const models = [...new Set(cassettes.map(requestModel).filter((model): model is string => model !== undefined))];
  aigw = await startAigw({ configYaml: (port) => gatewayConfigYaml({ port, upstreamPort: upstream.port, models, accessLog: false }) });
  port = aigw.port;
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
});

test('the cassette corpus is present', { skip: missing }, () => {
  assert.ok(cassettes.length >= 30, `found ${cassettes.length} cassettes`);
  for (const kind of ['chat-', 'completion-', 'embeddings-']) assert.ok(cassettes.some((cassette) => cassette.name.startsWith(kind)));
});

for (const cassette of cassettes) {
  test(`replays ${cassette.name}`, async () => {
    const interaction = cassette.interactions[0];
    assert.ok(interaction);
    const response = await fetch(`http://127.0.0.1:${port}${interaction.request.path}`, {
      method: interaction.request.method,
      headers: { 'content-type': 'application/json', [CASSETTE_NAME_HEADER]: cassette.name },
      body: interaction.request.body,
    });
    const body = await response.text();
    if (requestModel(cassette) === undefined) {
      // No model in the request: the gateway cannot route it and answers itself, as upstream does.
      assert.equal(response.status, 400);
      assert.match(body, /missing required field \\"model\\"/);
      return;
    }
    assert.equal(response.status, interaction.response.code);
    assert.equal(body, interaction.response.body);
  });
}
