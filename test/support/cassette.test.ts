import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CassetteError, cassetteDir, cassetteHeader, cassettePath, loadCassette, parseCassette } from './cassette.js';
import { CassettePlayer } from './cassette-player.js';
import { missingFixtures } from './upstream-fixtures.js';

const MINIMAL = `version: 2
interactions:
  - id: 0
    request:
      method: post
      url: https://api.openai.com/v1/chat/completions?x=1
      body: '{"model":"m"}'
      headers:
        Content-Type: [application/json]
    response:
      code: 201
      body: ok
      headers:
        Content-Type: [text/plain]
        X-Number: [42]
`;

void describe('parseCassette', () => {
  void it('reads the fields replay needs', () => {
    const cassette = parseCassette(MINIMAL, 'mini');
    assert.equal(cassette.name, 'mini');
    const [interaction] = cassette.interactions;
    assert.ok(interaction);
    assert.equal(interaction.request.method, 'POST');
    assert.equal(interaction.request.path, '/v1/chat/completions');
    assert.equal(interaction.request.body, '{"model":"m"}');
    assert.equal(interaction.response.code, 201);
    assert.equal(cassetteHeader(interaction.response.headers, 'content-type'), 'text/plain');
    assert.deepEqual(interaction.response.headers['X-Number'], ['42']);
  });

  void it('rejects malformed cassettes with the offending field', () => {
    assert.throws(() => parseCassette('version: 1\ninteractions: []\n', 'old'), /old: expected go-vcr cassette version 2/);
    assert.throws(() => parseCassette('- a\n', 'list'), CassetteError);
    assert.throws(() => parseCassette(MINIMAL.replace('code: 201', 'code: "201"'), 'c'), /interactions\[0\]\.response\.code/);
    assert.throws(() => parseCassette(MINIMAL.replace('url: https://api.openai.com', 'url: /relative'), 'u'), /request\.url: not an absolute URL/);
    assert.throws(() => parseCassette(MINIMAL.replace('      method: post\n', ''), 'm'), /request\.method: expected a non-empty string/);
  });
});

void describe('recorded cassettes', { skip: missingFixtures(cassetteDir()) }, () => {
  const files = missingFixtures(cassetteDir()) !== false ? [] : readdirSync(cassetteDir()).filter((file) => file.endsWith('.yaml'));

  void it('are all found', () => {
    assert.ok(files.length >= 40, `only ${files.length} cassettes in ${cassetteDir()}`);
  });

  void it('keep every response body byte-for-byte (length equals the recorded content_length)', () => {
    for (const file of files) {
      const path = join(cassetteDir(), file);
      const cassette = loadCassette(path);
      const raw: unknown = parse(readFileSync(path, 'utf8'));
      const recordedLengths = contentLengths(raw);
      assert.equal(cassette.interactions.length, recordedLengths.length, file);
      cassette.interactions.forEach((interaction, index) => {
        assert.equal(Buffer.byteLength(interaction.response.body), recordedLengths[index], `${file} interaction ${index}`);
      });
    }
  });

  void it('keeps the trailing blank lines of streamed bodies', () => {
    const body = loadCassette(cassettePath('chat-streaming')).interactions[0]?.response.body ?? '';
    assert.ok(body.startsWith('data: {'));
    assert.ok(body.endsWith('data: [DONE]\n\n'), JSON.stringify(body.slice(-30)));
  });
});

void describe('CassettePlayer', () => {
  const basic = loadCassette(cassettePath('chat-basic'));
  const streaming = loadCassette(cassettePath('chat-streaming'));
  const embeddings = loadCassette(cassettePath('embeddings-basic'));
  const player = (): CassettePlayer => new CassettePlayer([basic, streaming, embeddings]);
  const post = (path: string, body: unknown, cassetteName?: string) => ({ method: 'POST', path, body: Buffer.from(JSON.stringify(body)), cassetteName });

  void it('matches method and path, by suffix', () => {
    assert.equal(player().match(post('/custom/v1/embeddings', {}))?.request.path, '/v1/embeddings');
    assert.equal(player().match(post('/v1/images/generations', {})), undefined);
    assert.equal(player().match({ ...post('/v1/embeddings', {}), method: 'GET' }), undefined);
  });

  void it('prefers the interaction whose recorded body equals the request JSON', () => {
    const body = { messages: [{ content: 'Hello!', role: 'user' }], model: 'gpt-5-nano', stream: true };
    assert.equal(player().match(post('/v1/chat/completions', body)), streaming.interactions[0]);
  });

  void it('selects by cassette name, then plays unplayed interactions first', () => {
    assert.equal(player().match(post('/v1/chat/completions', {}, 'chat-streaming')), streaming.interactions[0]);
    const sequential = player();
    assert.equal(sequential.match(post('/v1/chat/completions', {})), basic.interactions[0]);
    assert.equal(sequential.match(post('/v1/chat/completions', {})), streaming.interactions[0]);
    assert.equal(sequential.match(post('/v1/chat/completions', {})), basic.interactions[0]);
    assert.equal(player().match(post('/v1/chat/completions', {}, 'nope')), undefined);
  });
});

function contentLengths(raw: unknown): number[] {
  if (typeof raw !== 'object' || raw === null || !('interactions' in raw) || !Array.isArray(raw.interactions)) throw new Error('bad cassette');
  return raw.interactions.map((interaction: unknown) => {
    if (typeof interaction !== 'object' || interaction === null || !('response' in interaction)) throw new Error('bad interaction');
    const response = interaction.response;
    if (typeof response !== 'object' || response === null || !('content_length' in response) || typeof response.content_length !== 'number') throw new Error('no content_length');
    return response.content_length;
  });
}
