import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { cassettePath, loadCassette } from './cassette.js';
import { startFakeOpenAI, splitEvents, type FakeOpenAI } from './fake-openai-upstream.js';

void describe('fake OpenAI upstream (synthetic)', () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await startFakeOpenAI({ usage: { promptTokens: 3, completionTokens: 4 } });
  });
  after(() => fake.close());
  beforeEach(() => fake.reset());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${fake.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  void it('answers chat completions with usage and the request model, and records the raw request', async () => {
    const raw = '{ "model": "gpt-4o-mini",\n "messages": [{"role": "user", "content": "hi"}] }';
    const response = await post('/v1/chat/completions?api-version=1', raw, { authorization: 'Bearer sk-test' });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const body = asRecord(await response.json());
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'gpt-4o-mini');
    assert.deepEqual(body.usage, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    const [request] = fake.requests;
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/v1/chat/completions?api-version=1');
    assert.equal(request.path, '/v1/chat/completions');
    assert.equal(request.header('Authorization'), 'Bearer sk-test');
    assert.equal(request.text(), raw);
  });

  void it('matches endpoints by suffix and can report a configured model', async () => {
    fake.configure({ responseModel: 'gpt-4o-mini-2024-07-18' });
    const body = asRecord(await (await post('/custom/v1/chat/completions', { model: 'gpt-4o-mini', messages: [] })).json());
    assert.equal(body.model, 'gpt-4o-mini-2024-07-18');
    assert.equal((await post('/v1/unknown', {})).status, 404);
    assert.equal((await post('/v1/chat/completions', { messages: [] })).status, 400);
    assert.equal((await post('/v1/chat/completions', 'not json')).status, 400);
  });

  void it('streams chat completion chunks, a usage chunk when asked, then [DONE]', async () => {
    const withUsage = await post('/v1/chat/completions', { model: 'm', messages: [], stream: true, stream_options: { include_usage: true } });
    assert.match(withUsage.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = sseData(await withUsage.text());
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1).map((data) => asRecord(JSON.parse(data)));
    assert.ok(chunks.length >= 4);
    for (const chunk of chunks) assert.equal(chunk.object, 'chat.completion.chunk');
    assert.deepEqual(chunks.at(-1)?.choices, []);
    assert.deepEqual(chunks.at(-1)?.usage, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    assert.equal(chunks[0]?.usage, null);

    const withoutUsage = sseData(await (await post('/v1/chat/completions', { model: 'm', messages: [], stream: true })).text());
    assert.ok(withoutUsage.slice(0, -1).every((data) => !('usage' in asRecord(JSON.parse(data)))));
  });

  void it('answers legacy completions, streamed and not', async () => {
    const body = asRecord(await (await post('/v1/completions', { model: 'babbage-002', prompt: 'x' })).json());
    assert.equal(body.object, 'text_completion');
    assert.equal(body.model, 'babbage-002');
    const events = sseData(await (await post('/v1/completions', { model: 'b', prompt: 'x', stream: true, stream_options: { include_usage: true } })).text());
    assert.equal(events.at(-1), '[DONE]');
    const last = asRecord(JSON.parse(events.at(-2) ?? '{}'));
    assert.equal(last.object, 'text_completion');
    assert.deepEqual(last.usage, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  void it('answers embeddings with one vector per input', async () => {
    const single = asRecord(await (await post('/v1/embeddings', { model: 'text-embedding-3-small', input: 'hello' })).json());
    assert.deepEqual(single.usage, { prompt_tokens: 3, total_tokens: 3 });
    const data = single.data;
    assert.ok(Array.isArray(data) && data.length === 1);
    const embedding = asRecord(data[0]).embedding;
    assert.ok(Array.isArray(embedding) && embedding.length === 8 && embedding.every((n) => typeof n === 'number'));

    const batch = asRecord(await (await post('/v1/embeddings', { model: 'e', input: ['a', 'b', 'c'], dimensions: 4, encoding_format: 'base64' })).json());
    assert.ok(Array.isArray(batch.data) && batch.data.length === 3);
    const encoded = asRecord(batch.data[2]).embedding;
    assert.equal(typeof encoded, 'string');
    assert.equal(Buffer.from(String(encoded), 'base64').length, 16);
  });

  void it('fails a given number of requests with the configured error', async () => {
    fake.configure({ error: { status: 429, body: { error: { message: 'slow down' } }, times: 1 } });
    const first = await post('/v1/chat/completions', { model: 'm', messages: [] });
    assert.equal(first.status, 429);
    assert.deepEqual(await first.json(), { error: { message: 'slow down' } });
    assert.equal((await post('/v1/chat/completions', { model: 'm', messages: [] })).status, 200);
  });

  void it('lets a handler take over or fall through, and delays answers', async () => {
    fake.configure({
      handler: (request, response) => {
        if (request.path !== '/teapot') return false;
        response.writeHead(418).end('short and stout');
        return true;
      },
      delayMs: 150,
    });
    const teapot = await post('/teapot', {});
    assert.equal(teapot.status, 418);
    assert.equal(await teapot.text(), 'short and stout');
    const started = Date.now();
    assert.equal((await post('/v1/embeddings', { model: 'e', input: 'x' })).status, 200);
    assert.ok(Date.now() - started >= 140);
    assert.equal(fake.requests.length, 2);
    assert.equal((await fake.waitForRequests(2)).length, 2);
  });

  void it('works with the openai SDK, streaming included', async () => {
    const client = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'sk-sdk' });
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(completion.choices[0]?.message.content, 'Hello from the fake upstream.');
    let text = '';
    let totalTokens = 0;
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true, stream_options: { include_usage: true } });
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      totalTokens = chunk.usage?.total_tokens ?? totalTokens;
    }
    assert.equal(text, 'Hello from the fake upstream.');
    assert.equal(totalTokens, 7);
    assert.equal(fake.requests[0]?.header('authorization'), 'Bearer sk-sdk');
  });
});

void describe('fake OpenAI upstream (cassette replay)', () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await startFakeOpenAI({ cassettes: ['chat-basic', 'chat-streaming', 'chat-unknown-model', 'embeddings-basic'].map(cassettePath), streamIntervalMs: 1 });
  });
  after(() => fake.close());

  void it('replays a streamed body byte-for-byte, in several chunks', async () => {
    const recorded = loadCassette(cassettePath('chat-streaming')).interactions[0]?.response;
    assert.ok(recorded);
    assert.ok(splitEvents(recorded.body).length > 10);
    const response = await fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ messages: [{ content: 'Hello!', role: 'user' }], model: 'gpt-5-nano', stream: true }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(recorded.body)));
  });

  void it('replays the recorded status and content type, selected by x-cassette-name', async () => {
    const recorded = loadCassette(cassettePath('chat-unknown-model')).interactions[0]?.response;
    assert.ok(recorded);
    const response = await fetch(`${fake.url}/v1/chat/completions`, { method: 'POST', headers: { 'x-cassette-name': 'chat-unknown-model' }, body: '{}' });
    assert.equal(response.status, 404);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(await response.text(), recorded.body);
  });

  void it('answers 404 when no interaction matches', async () => {
    const response = await fetch(`${fake.url}/v1/audio/speech`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 404);
    assert.match(await response.text(), /no recorded interaction for POST \/v1\/audio\/speech/);
  });
});

function sseData(text: string): string[] {
  return splitEvents(text).map((event) => {
    assert.ok(event.startsWith('data: ') && event.endsWith('\n\n'), JSON.stringify(event));
    return event.slice('data: '.length, -2);
  });
}

function asRecord(value: unknown): Record<string, unknown> {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `expected an object, got ${JSON.stringify(value)}`);
  return Object.fromEntries(Object.entries(value));
}
