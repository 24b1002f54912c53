/** Unit tests: every OpenInference configuration variable, from env parsing to its effect on attributes. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { accumulateChatStream } from './accumulate-chat-stream.js';
import { chatErrorAttributes } from './chat-error-attributes.js';
import { chatRequestAttributes } from './chat-request-attributes.js';
import { chatResponseAttributes } from './chat-response-attributes.js';
import { chatStreamAttributes } from './chat-stream-attributes.js';
import { embeddingsErrorAttributes } from './embeddings-error-attributes.js';
import { embeddingsRequestAttributes } from './embeddings-request-attributes.js';
import { decodeBase64Embedding, embeddingsResponseAttributes } from './embeddings-response-attributes.js';
import {
  DEFAULT_OPENINFERENCE_CONFIG, OPENINFERENCE_ENV, openInferenceCapturesMessages, openInferenceConfigFromEnv,
  type OpenInferenceConfig,
} from './open-inference-config.js';
import { exceptionTypeForStatus } from './response-error-outcome.js';
import { REDACTED_VALUE, spanAttributesToRecord, type SpanAttributes } from './span-attributes.js';

function cfg(overrides: Partial<OpenInferenceConfig>): OpenInferenceConfig {
  return { ...DEFAULT_OPENINFERENCE_CONFIG, ...overrides };
}
const rec = (attrs: SpanAttributes) => spanAttributesToRecord(attrs);
const keys = (attrs: SpanAttributes) => attrs.map(([k]) => k);

const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAUAAAAFCAYAAACNbyblAAAAHElEQVQI12P4//8/w38GIAXDIBKE0DHxgljNBAAO9TXL0Y4OHwAAAABJRU5ErkJggg==';
const chatReq = {
  model: 'gpt-5-nano',
  temperature: 0.2,
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [
      { type: 'text', text: 'What is in this image?' },
      { type: 'image_url', image_url: { url: 'https://example.com/image.jpg' } },
      { type: 'image_url', image_url: { url: PNG } },
      { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
    ] },
    { role: 'assistant', content: [{ type: 'text', text: 'A cat.' }, { type: 'refusal', refusal: 'no' }] },
    { role: 'developer', content: [{ type: 'text', text: 'dev text' }] },
    { role: 'tool', tool_call_id: 'call_1', content: 'tool output' },
    { role: 'user', content: '' },
  ],
  tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
};
const chatReqRaw = JSON.stringify(chatReq);
const chatResp = {
  id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-5-nano-2025-08-07',
  choices: [{ index: 0, finish_reason: 'tool_calls', message: {
    role: 'assistant', content: 'Calling a tool.',
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
  } }],
  usage: { prompt_tokens: 20, completion_tokens: 10, total_tokens: 30 },
};
const embReq = { model: 'text-embedding-3-small', input: ['first text', 'second text'], encoding_format: 'base64', dimensions: 2 };
const embReqRaw = JSON.stringify(embReq);
const embResp = {
  object: 'list', model: 'text-embedding-3-small',
  data: [
    { object: 'embedding', index: 0, embedding: Buffer.from(new Float32Array([1.5, 2]).buffer).toString('base64') },
    { object: 'embedding', index: 1, embedding: [0.25, -0.5] },
  ],
  usage: { prompt_tokens: 4, total_tokens: 4 },
};

describe('openInferenceConfigFromEnv', () => {
  test('defaults when nothing is set', () => {
    assert.deepEqual(openInferenceConfigFromEnv({}), DEFAULT_OPENINFERENCE_CONFIG);
    assert.equal(DEFAULT_OPENINFERENCE_CONFIG.base64ImageMaxLength, 32_000);
  });

  for (const [field, name] of Object.entries(OPENINFERENCE_ENV)) {
    test(`${name} sets ${field}`, () => {
      const on = openInferenceConfigFromEnv({ [name]: 'true' });
      assert.equal(on[field as keyof typeof OPENINFERENCE_ENV], true);
      assert.deepEqual({ ...on, [field]: false }, DEFAULT_OPENINFERENCE_CONFIG, 'only that flag changes');
      assert.equal(openInferenceConfigFromEnv({ [name]: 'false' })[field as keyof typeof OPENINFERENCE_ENV], false);
    });
  }

  test('booleans parse like Go strconv.ParseBool; junk keeps the default', () => {
    const name = OPENINFERENCE_ENV.hideInputs;
    for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(openInferenceConfigFromEnv({ [name]: v }).hideInputs, true, v);
    for (const v of ['0', 'f', 'F', 'FALSE', 'false', 'False', '', 'yes', 'on', ' true']) assert.equal(openInferenceConfigFromEnv({ [name]: v }).hideInputs, false, v);
  });

  test('OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH parses like strconv.Atoi', () => {
    assert.equal(openInferenceConfigFromEnv({ OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH: '10000' }).base64ImageMaxLength, 10000);
    assert.equal(openInferenceConfigFromEnv({ OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH: '+5' }).base64ImageMaxLength, 5);
    for (const v of ['', 'abc', '1.5', '10k']) {
      assert.equal(openInferenceConfigFromEnv({ OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH: v }).base64ImageMaxLength, 32_000, v);
    }
  });

  test('openInferenceCapturesMessages', () => {
    assert.equal(openInferenceCapturesMessages(DEFAULT_OPENINFERENCE_CONFIG), true);
    assert.equal(openInferenceCapturesMessages(cfg({ hideInputs: true, hideInputMessages: true })), true);
    assert.equal(openInferenceCapturesMessages(cfg({ hideOutputs: true, hideOutputMessages: true })), true);
    assert.equal(openInferenceCapturesMessages(cfg({ hideInputs: true, hideOutputs: true })), false);
    assert.equal(openInferenceCapturesMessages(cfg({ hideInputMessages: true, hideOutputMessages: true })), false);
  });
});

describe('chat request attributes', () => {
  test('default: every message shape', () => {
    const a = chatRequestAttributes(chatReq, chatReqRaw, DEFAULT_OPENINFERENCE_CONFIG);
    assert.deepEqual(a.slice(0, 6), [
      ['openinference.span.kind', 'LLM'],
      ['llm.system', 'openai'],
      ['llm.model_name', 'gpt-5-nano'],
      ['input.value', chatReqRaw],
      ['input.mime_type', 'application/json'],
      ['llm.invocation_parameters', '{"model":"gpt-5-nano","temperature":0.2}'],
    ]);
    assert.deepEqual(a.slice(6), [
      ['llm.input_messages.0.message.role', 'system'],
      ['llm.input_messages.0.message.content', 'Be brief.'],
      ['llm.input_messages.1.message.role', 'user'],
      ['llm.input_messages.1.message.contents.0.message_content.text', 'What is in this image?'],
      ['llm.input_messages.1.message.contents.0.message_content.type', 'text'],
      ['llm.input_messages.1.message.contents.1.message_content.image.image.url', 'https://example.com/image.jpg'],
      ['llm.input_messages.1.message.contents.1.message_content.type', 'image'],
      ['llm.input_messages.1.message.contents.2.message_content.image.image.url', PNG],
      ['llm.input_messages.1.message.contents.2.message_content.type', 'image'],
      ['llm.input_messages.2.message.role', 'assistant'],
      ['llm.input_messages.2.message.contents.0.message_content.text', 'A cat.'],
      ['llm.input_messages.2.message.contents.0.message_content.type', 'text'],
      ['llm.input_messages.3.message.role', 'developer'],
      ['llm.input_messages.3.message.contents.0.message_content.text', 'dev text'],
      ['llm.input_messages.3.message.contents.0.message_content.type', 'text'],
      ['llm.input_messages.4.message.role', 'tool'],
      ['llm.input_messages.4.message.content', 'tool output'],
      ['llm.input_messages.5.message.role', 'user'],
      ['llm.tools.0.tool.json_schema', JSON.stringify(chatReq.tools[0])],
    ]);
  });

  test('OPENINFERENCE_HIDE_INPUTS: input.value redacted, no mime type, no messages', () => {
    const a = rec(chatRequestAttributes(chatReq, chatReqRaw, openInferenceConfigFromEnv({ OPENINFERENCE_HIDE_INPUTS: 'true' })));
    assert.equal(a['input.value'], REDACTED_VALUE);
    assert.equal(a['input.mime_type'], undefined);
    assert.ok(!Object.keys(a).some((k) => k.startsWith('llm.input_messages.')));
    assert.equal(typeof a['llm.invocation_parameters'], 'string', 'invocation parameters are independent');
    assert.ok('llm.tools.0.tool.json_schema' in a, 'tools are recorded regardless (as upstream)');
  });

  test('OPENINFERENCE_HIDE_INPUT_MESSAGES: no messages, input.value kept', () => {
    const a = rec(chatRequestAttributes(chatReq, chatReqRaw, openInferenceConfigFromEnv({ OPENINFERENCE_HIDE_INPUT_MESSAGES: 'true' })));
    assert.equal(a['input.value'], chatReqRaw);
    assert.equal(a['input.mime_type'], 'application/json');
    assert.ok(!Object.keys(a).some((k) => k.startsWith('llm.input_messages.')));
  });

  test('OPENINFERENCE_HIDE_INPUT_TEXT: roles and types kept, every text redacted', () => {
    const a = rec(chatRequestAttributes(chatReq, chatReqRaw, openInferenceConfigFromEnv({ OPENINFERENCE_HIDE_INPUT_TEXT: 'true' })));
    assert.equal(a['llm.input_messages.0.message.role'], 'system');
    for (const k of [
      'llm.input_messages.0.message.content',
      'llm.input_messages.1.message.contents.0.message_content.text',
      'llm.input_messages.2.message.contents.0.message_content.text',
      'llm.input_messages.3.message.contents.0.message_content.text',
      'llm.input_messages.4.message.content',
    ]) assert.equal(a[k], REDACTED_VALUE, k);
    assert.equal(a['llm.input_messages.1.message.contents.0.message_content.type'], 'text');
    assert.equal(a['llm.input_messages.1.message.contents.1.message_content.image.image.url'], 'https://example.com/image.jpg');
    assert.equal(a['input.value'], chatReqRaw);
  });

  test('OPENINFERENCE_HIDE_INPUT_IMAGES: image parts dropped, text kept', () => {
    const a = chatRequestAttributes(chatReq, chatReqRaw, openInferenceConfigFromEnv({ OPENINFERENCE_HIDE_INPUT_IMAGES: 'true' }));
    assert.ok(!keys(a).some((k) => k.includes('image')));
    assert.equal(rec(a)['llm.input_messages.1.message.contents.0.message_content.text'], 'What is in this image?');
  });

  test('OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH: longer base64 images redacted, URLs never', () => {
    const short = rec(chatRequestAttributes(chatReq, chatReqRaw, openInferenceConfigFromEnv({ OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH: '50' })));
    assert.equal(short['llm.input_messages.1.message.contents.2.message_content.image.image.url'], REDACTED_VALUE);
    assert.equal(short['llm.input_messages.1.message.contents.2.message_content.type'], 'image');
    assert.equal(short['llm.input_messages.1.message.contents.1.message_content.image.image.url'], 'https://example.com/image.jpg');
    const long = rec(chatRequestAttributes(chatReq, chatReqRaw, openInferenceConfigFromEnv({ OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH: String(PNG.length) })));
    assert.equal(long['llm.input_messages.1.message.contents.2.message_content.image.image.url'], PNG);
  });

  test('OPENINFERENCE_HIDE_LLM_INVOCATION_PARAMETERS', () => {
    const a = rec(chatRequestAttributes(chatReq, chatReqRaw, openInferenceConfigFromEnv({ OPENINFERENCE_HIDE_LLM_INVOCATION_PARAMETERS: 'true' })));
    assert.equal(a['llm.invocation_parameters'], undefined);
    assert.equal(a['llm.input_messages.0.message.content'], 'Be brief.');
  });

  test('non-object body: only the fixed attributes', () => {
    assert.deepEqual(keys(chatRequestAttributes('x', 'x', DEFAULT_OPENINFERENCE_CONFIG)),
      ['openinference.span.kind', 'llm.system', 'input.value', 'input.mime_type', 'llm.invocation_parameters']);
  });
});

describe('chat response attributes', () => {
  const raw = JSON.stringify(chatResp);

  test('default: messages, tool calls, tokens, output.value', () => {
    const out = chatResponseAttributes(chatResp, raw, DEFAULT_OPENINFERENCE_CONFIG);
    assert.deepEqual(out.attributes, [
      ['llm.model_name', 'gpt-5-nano-2025-08-07'],
      ['output.mime_type', 'application/json'],
      ['llm.output_messages.0.message.role', 'assistant'],
      ['llm.output_messages.0.message.content', 'Calling a tool.'],
      ['llm.output_messages.0.message.tool_calls.0.tool_call.id', 'call_1'],
      ['llm.output_messages.0.message.tool_calls.0.tool_call.function.name', 'get_weather'],
      ['llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments', '{"city":"Paris"}'],
      ['llm.token_count.prompt', 20],
      ['llm.token_count.completion', 10],
      ['llm.token_count.total', 30],
      ['output.value', raw],
    ]);
    assert.deepEqual(out.status, { code: 'OK' });
    assert.deepEqual(out.events, []);
  });

  test('OPENINFERENCE_HIDE_OUTPUTS: output.value redacted, no mime, no messages, tokens kept', () => {
    const out = chatResponseAttributes(chatResp, raw, openInferenceConfigFromEnv({ OPENINFERENCE_HIDE_OUTPUTS: 'true' }));
    assert.deepEqual(out.attributes, [
      ['llm.model_name', 'gpt-5-nano-2025-08-07'],
      ['llm.token_count.prompt', 20],
      ['llm.token_count.completion', 10],
      ['llm.token_count.total', 30],
      ['output.value', REDACTED_VALUE],
    ]);
  });

  test('OPENINFERENCE_HIDE_OUTPUT_MESSAGES: no messages, output.value kept', () => {
    const a = rec(chatResponseAttributes(chatResp, raw, openInferenceConfigFromEnv({ OPENINFERENCE_HIDE_OUTPUT_MESSAGES: 'true' })).attributes);
    assert.ok(!Object.keys(a).some((k) => k.startsWith('llm.output_messages.')));
    assert.equal(a['output.value'], raw);
    assert.equal(a['output.mime_type'], 'application/json');
  });

  test('OPENINFERENCE_HIDE_OUTPUT_TEXT: content redacted, role and tool calls kept', () => {
    const a = rec(chatResponseAttributes(chatResp, raw, openInferenceConfigFromEnv({ OPENINFERENCE_HIDE_OUTPUT_TEXT: 'true' })).attributes);
    assert.equal(a['llm.output_messages.0.message.role'], 'assistant');
    assert.equal(a['llm.output_messages.0.message.content'], REDACTED_VALUE);
    assert.equal(a['llm.output_messages.0.message.tool_calls.0.tool_call.function.name'], 'get_weather');
    assert.equal(a['output.value'], raw);
  });

  test('detailed usage', () => {
    const a = rec(chatResponseAttributes({
      model: 'm', choices: [],
      usage: {
        prompt_tokens: 8, completion_tokens: 5, total_tokens: 13,
        prompt_tokens_details: { cached_tokens: 3, audio_tokens: 1 },
        completion_tokens_details: { reasoning_tokens: 2, audio_tokens: 0 },
      },
    }, '', DEFAULT_OPENINFERENCE_CONFIG).attributes);
    assert.equal(a['llm.token_count.prompt_details.cache_read'], 3);
    assert.equal(a['llm.token_count.prompt_details.audio'], 1);
    assert.equal(a['llm.token_count.completion_details.reasoning'], 2);
    assert.equal(a['llm.token_count.completion_details.audio'], 0);
  });
});

describe('chat stream attributes', () => {
  const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 7, model: 'gpt-x', service_tier: 'default', system_fingerprint: null,
    choices: [{ index: 0, delta, finish_reason: null }], ...extra,
  });

  test('accumulates content, tool calls, finish reason, usage', () => {
    const chunks = [
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Hel' }),
      chunk({ content: 'lo', tool_calls: [{ index: 0, id: 'call_9', type: 'function', function: { name: 'f', arguments: '{"a"' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }),
      { ...chunk({}), choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
      { ...chunk({}), choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
    ];
    const acc = accumulateChatStream(chunks);
    assert.deepEqual(acc, {
      choices: [{
        message: { content: 'Hello', role: 'assistant', tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
        index: 0, finish_reason: 'tool_calls',
      }],
      id: 'chatcmpl-s', created: 7, model: 'gpt-x', object: 'chat.completion.chunk', service_tier: 'default',
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
    const out = chatStreamAttributes(chunks, DEFAULT_OPENINFERENCE_CONFIG);
    assert.deepEqual(out.events, [{ name: 'First Token Stream Event', attributes: [] }]);
    const a = rec(out.attributes);
    assert.equal(a['llm.output_messages.0.message.content'], 'Hello');
    assert.equal(a['llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments'], '{"a":1}');
    assert.equal(a['llm.token_count.total'], 5);
    assert.equal(a['llm.model_name'], 'gpt-x');
  });

  test('no chunks: minimal response, no event', () => {
    const out = chatStreamAttributes([], DEFAULT_OPENINFERENCE_CONFIG);
    assert.deepEqual(out.events, []);
    assert.deepEqual(JSON.parse(String(rec(out.attributes)['output.value'])), {
      id: '', object: 'chat.completion.chunk', model: '', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant' } }],
    });
  });

  test('OPENINFERENCE_HIDE_OUTPUTS / HIDE_OUTPUT_TEXT apply to streams', () => {
    const chunks = [chunk({ role: 'assistant', content: 'secret' })];
    assert.equal(rec(chatStreamAttributes(chunks, cfg({ hideOutputs: true })).attributes)['output.value'], REDACTED_VALUE);
    assert.equal(rec(chatStreamAttributes(chunks, cfg({ hideOutputText: true })).attributes)['llm.output_messages.0.message.content'], REDACTED_VALUE);
  });
});

describe('error outcome', () => {
  test('exception event and ERROR status', () => {
    assert.deepEqual(chatErrorAttributes(429, '{"error":"slow down"}'), {
      attributes: [],
      events: [{ name: 'exception', attributes: [['exception.type', 'RateLimitError'], ['exception.message', 'Error code: 429 - {"error":"slow down"}']] }],
      status: { code: 'ERROR', message: 'Error code: 429 - {"error":"slow down"}' },
    });
    assert.equal(embeddingsErrorAttributes(500, new Uint8Array()).status.message, 'Error code: 500');
  });

  test('exception types', () => {
    const table: Array<[number, string]> = [
      [400, 'BadRequestError'], [401, 'AuthenticationError'], [403, 'PermissionDeniedError'], [404, 'NotFoundError'],
      [429, 'RateLimitError'], [500, 'InternalServerError'], [502, 'InternalServerError'], [503, 'InternalServerError'],
      [504, 'Error'], [418, 'Error'],
    ];
    for (const [status, type] of table) assert.equal(exceptionTypeForStatus(status), type, String(status));
  });
});

describe('embeddings attributes', () => {
  test('default request: texts and invocation parameters', () => {
    assert.deepEqual(embeddingsRequestAttributes(embReq, embReqRaw, DEFAULT_OPENINFERENCE_CONFIG), [
      ['openinference.span.kind', 'EMBEDDING'],
      ['input.value', embReqRaw],
      ['input.mime_type', 'application/json'],
      ['embedding.invocation_parameters', '{"model":"text-embedding-3-small","encoding_format":"base64","dimensions":2}'],
      ['embedding.embeddings.0.embedding.text', 'first text'],
      ['embedding.embeddings.1.embedding.text', 'second text'],
    ]);
  });

  test('token inputs are not recorded as text', () => {
    const a = embeddingsRequestAttributes({ model: 'm', input: [1, 2, 3] }, '{}', DEFAULT_OPENINFERENCE_CONFIG);
    assert.ok(!keys(a).some((k) => k.endsWith('.embedding.text')));
  });

  test('OPENINFERENCE_HIDE_EMBEDDINGS_TEXT: no texts, input.value kept', () => {
    const a = rec(embeddingsRequestAttributes(embReq, embReqRaw, openInferenceConfigFromEnv({ OPENINFERENCE_HIDE_EMBEDDINGS_TEXT: 'true' })));
    assert.ok(!Object.keys(a).some((k) => k.endsWith('.embedding.text')));
    assert.equal(a['input.value'], embReqRaw);
  });

  test('OPENINFERENCE_HIDE_INPUTS on embeddings: redacted input.value, no texts', () => {
    assert.deepEqual(embeddingsRequestAttributes(embReq, embReqRaw, openInferenceConfigFromEnv({ OPENINFERENCE_HIDE_INPUTS: '1' })), [
      ['openinference.span.kind', 'EMBEDDING'],
      ['input.value', REDACTED_VALUE],
      ['embedding.invocation_parameters', '{"model":"text-embedding-3-small","encoding_format":"base64","dimensions":2}'],
    ]);
  });

  test('OPENINFERENCE_HIDE_LLM_INVOCATION_PARAMETERS on embeddings', () => {
    const a = rec(embeddingsRequestAttributes(embReq, embReqRaw, openInferenceConfigFromEnv({ OPENINFERENCE_HIDE_LLM_INVOCATION_PARAMETERS: 'true' })));
    assert.equal(a['embedding.invocation_parameters'], undefined);
  });

  test('default response: base64 and float vectors, tokens', () => {
    const raw = JSON.stringify(embResp);
    const out = embeddingsResponseAttributes(embResp, raw, DEFAULT_OPENINFERENCE_CONFIG);
    assert.deepEqual(out.attributes, [
      ['embedding.model_name', 'text-embedding-3-small'],
      ['output.mime_type', 'application/json'],
      ['embedding.embeddings.0.embedding.vector', [1.5, 2]],
      ['embedding.embeddings.1.embedding.vector', [0.25, -0.5]],
      ['llm.token_count.prompt', 4],
      ['llm.token_count.total', 4],
      ['output.value', raw],
    ]);
    assert.deepEqual(out.status, { code: 'OK' });
  });

  test('OPENINFERENCE_HIDE_EMBEDDINGS_VECTORS: no vectors, output.value kept', () => {
    const a = rec(embeddingsResponseAttributes(embResp, '', openInferenceConfigFromEnv({ OPENINFERENCE_HIDE_EMBEDDINGS_VECTORS: 'true' })).attributes);
    assert.ok(!Object.keys(a).some((k) => k.endsWith('.embedding.vector')));
    assert.equal(a['output.value'], JSON.stringify(embResp));
    assert.equal(a['output.mime_type'], 'application/json');
  });

  test('OPENINFERENCE_HIDE_OUTPUTS on embeddings: redacted output.value, no vectors, tokens kept', () => {
    assert.deepEqual(embeddingsResponseAttributes(embResp, '', openInferenceConfigFromEnv({ OPENINFERENCE_HIDE_OUTPUTS: 'true' })).attributes, [
      ['embedding.model_name', 'text-embedding-3-small'],
      ['llm.token_count.prompt', 4],
      ['llm.token_count.total', 4],
      ['output.value', REDACTED_VALUE],
    ]);
  });

  test('decodeBase64Embedding', () => {
    assert.deepEqual(decodeBase64Embedding('AADAPwAAAEA='), [1.5, 2]);
    assert.equal(decodeBase64Embedding('not base64!'), undefined);
  });
});

describe('variables with no effect on chat/embeddings', () => {
  test('OPENINFERENCE_HIDE_PROMPTS and OPENINFERENCE_HIDE_CHOICES only concern legacy completions', () => {
    const c = openInferenceConfigFromEnv({ OPENINFERENCE_HIDE_PROMPTS: 'true', OPENINFERENCE_HIDE_CHOICES: 'true' });
    assert.equal(c.hidePrompts, true);
    assert.equal(c.hideChoices, true);
    assert.deepEqual(chatRequestAttributes(chatReq, chatReqRaw, c), chatRequestAttributes(chatReq, chatReqRaw, DEFAULT_OPENINFERENCE_CONFIG));
    assert.deepEqual(chatResponseAttributes(chatResp, '', c), chatResponseAttributes(chatResp, '', DEFAULT_OPENINFERENCE_CONFIG));
  });
});
