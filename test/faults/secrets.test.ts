/**
 * Secrets never leak: one `aigw run --debug` (Envoy at debug level, its HTTP, router and
 * ext_proc components at trace; the ext_proc at debug) with every kind of credential — configured
 * API keys (OpenAI, Azure, Anthropic), AWS keys and a session token (SigV4), an Azure client
 * secret and the Entra token minted with it, a GCP token, a client's own bearer token,
 * per-request override credentials (API key and AWS) — tracing and OTLP metrics on to a local
 * receiver, telemetry header mappings that name credential headers, error cases (a wrong Azure
 * secret, missing override credentials, a provider 401), providers that quote the credential
 * they got back (in a JSON error passed through or translated into another API's shape, in an
 * SSE stream with the key split across two writes, in a response header), the ext_proc crashing and Envoy being
 * killed (their crash output). Then everything the gateway wrote or sent is searched for every
 * secret: aigw's stdout and stderr (Envoy's and the ext_proc's logs, access logs, crash
 * reports), the responses clients got, the exported spans and metrics, the Prometheus page, and
 * `aigw translate` of the same configuration.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeEntraId, type FakeEntraId } from '../support/fake-entra-id.js';
import { startFakeGceMetadata, type FakeGceMetadata } from '../support/fake-gce-metadata.js';
import { instructions, startInstructedUpstream, type InstructedUpstream } from '../support/instructed-upstream.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { gatewayPids, waitForExit } from '../support/process-tree.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';
import { runCli } from '../support/run-cli.js';
import { SECRET_MARKER } from '../../extproc/request/secret-scrubber.js';

const linuxOnly = process.platform !== 'linux' ? 'needs /proc (Linux)' : false;

/** Unique per run, so a hit cannot come from anything but this run's secrets. */
const unique = (prefix: string): string => `${prefix}${randomBytes(12).toString('hex')}`;
const SECRETS = {
  openaiKey: unique('sk-proj-'),
  azureApiKey: unique('azkey'),
  anthropicKey: unique('sk-ant-api03-'),
  awsSecretAccessKey: unique('awsSecret/'),
  awsSessionToken: unique('IQoJb3JpZ2luX2VjE'),
  awsOverrideSecret: unique('awsUserSecret+'),
  awsOverrideSession: unique('FwoGZXIvYXdzE'),
  entraClientSecret: unique('entra~'),
  entraWrongSecret: unique('entraWrong~'),
  entraToken: unique('eyJ0eXAiOiJKV1Qi.entra.'),
  gcpToken: unique('ya29.'),
  tenantOverrideKey: unique('sk-tenant-'),
  clientBearer: unique('client-bearer-'),
} as const;
type SecretName = keyof typeof SECRETS;
const SECRET_NAMES = Object.keys(SECRETS).filter((name): name is SecretName => Object.hasOwn(SECRETS, name));

const AWS_KEY_ID = 'AKIALEAKCHECKSTATIC';
const AWS_USER_KEY_ID = 'AKIALEAKCHECKUSER';
const TENANT_HEADER = 'x-tenant-key';
const AWS_OVERRIDE_HEADERS = { 'x-aigw-aws-access-key-id': AWS_USER_KEY_ID, 'x-aigw-aws-secret-access-key': SECRETS.awsOverrideSecret, 'x-aigw-aws-session-token': SECRETS.awsOverrideSession };

const CHAT_ANSWER = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
const CHAT_STREAM = [
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'hi' }, finish_reason: null }] }),
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }),
  '[DONE]',
].join('\n');
const ANTHROPIC_ANSWER = JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 2 } });
const CONVERSE_ANSWER = JSON.stringify({ output: { message: { role: 'assistant', content: [{ text: 'hi' }] } }, stopReason: 'end_turn', usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 } });
const GEMINI_ANSWER = JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: 'hi' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 } });

let upstream: InstructedUpstream;
/** A provider that streams the credential it got back, split across two writes. */
let splitter: Server;
let entra: FakeEntraId;
let gce: FakeGceMetadata;
let otlp: OtlpReceiver;
let aigw: AigwProcess;
let configYaml: string;
let port: number;
/** Everything clients got back: status lines, headers and bodies. */
const clientSaw: string[] = [];

before(async () => {
  upstream = await startInstructedUpstream({ awsSecrets: { [AWS_KEY_ID]: SECRETS.awsSecretAccessKey, [AWS_USER_KEY_ID]: SECRETS.awsOverrideSecret } });
  entra = await startFakeEntraId({ tenantId: 'tenant-1', clientId: 'client-1', clientSecret: SECRETS.entraClientSecret, token: SECRETS.entraToken });
  gce = await startFakeGceMetadata(SECRETS.gcpToken);
  otlp = await startOtlpReceiver();
  splitter = await startSplitEchoUpstream();
  const splitterAddress = splitter.address();
  assert.ok(splitterAddress && typeof splitterAddress !== 'string');
  port = await freePort();
  const entraPolicy = (secret: string): Record<string, unknown> => ({ type: 'AzureCredentials', azureCredentials: { tenantID: 'tenant-1', clientID: 'client-1', clientSecretRef: { name: secret } } });
  configYaml = providerGatewayYaml(port, [
    {
      name: 'openai',
      schema: { name: 'OpenAI' },
      port: upstream.port,
      security: { type: 'APIKey', apiKey: { secretRef: { name: 'openai-key' } }, credentialOverride: { fromRequestHeaders: { header: TENANT_HEADER, fallbackToConfigured: true } } },
      secrets: { 'openai-key': { apiKey: SECRETS.openaiKey } },
    },
    {
      name: 'azure-key',
      schema: { name: 'AzureOpenAI', version: '2024-10-21' },
      port: upstream.port,
      security: { type: 'AzureAPIKey', azureAPIKey: { secretRef: { name: 'azure-key' } } },
      secrets: { 'azure-key': { apiKey: SECRETS.azureApiKey } },
    },
    {
      name: 'anthropic',
      schema: { name: 'Anthropic' },
      port: upstream.port,
      security: { type: 'AnthropicAPIKey', anthropicAPIKey: { secretRef: { name: 'anthropic-key' } } },
      secrets: { 'anthropic-key': { apiKey: SECRETS.anthropicKey } },
    },
    {
      name: 'aws',
      schema: { name: 'AWSBedrock' },
      port: upstream.port,
      fqdn: true,
      security: { type: 'AWSCredentials', awsCredentials: { region: 'us-east-1', credentialsFile: { secretRef: { name: 'aws' } } }, credentialOverride: { fromRequestHeaders: {} } },
      secrets: { aws: { credentials: `[default]\naws_access_key_id=${AWS_KEY_ID}\naws_secret_access_key=${SECRETS.awsSecretAccessKey}\naws_session_token=${SECRETS.awsSessionToken}\n` } },
    },
    { name: 'azure-entra', schema: { name: 'AzureOpenAI', version: '2024-10-21' }, port: upstream.port, security: entraPolicy('entra'), secrets: { entra: { 'client-secret': SECRETS.entraClientSecret } } },
    { name: 'azure-entra-bad', schema: { name: 'AzureOpenAI', version: '2024-10-21' }, port: upstream.port, security: entraPolicy('entra-bad'), secrets: { 'entra-bad': { 'client-secret': SECRETS.entraWrongSecret } } },
    { name: 'gcp', schema: { name: 'GCPVertexAI' }, port: upstream.port, security: { type: 'GCPCredentials', gcpCredentials: { projectName: 'p', region: 'us-central1' } } },
    {
      name: 'openai-split',
      schema: { name: 'OpenAI' },
      port: splitterAddress.port,
      security: { type: 'APIKey', apiKey: { secretRef: { name: 'openai-key-split' } } },
      secrets: { 'openai-key-split': { apiKey: SECRETS.openaiKey } },
    },
    {
      name: 'anthropic-split',
      schema: { name: 'Anthropic' },
      port: splitterAddress.port,
      security: { type: 'AnthropicAPIKey', anthropicAPIKey: { secretRef: { name: 'anthropic-key-split' } } },
      secrets: { 'anthropic-key-split': { apiKey: SECRETS.anthropicKey } },
    },
  ]);
  // --debug puts Envoy at debug level; the components that print headers and ext_proc messages go to trace.
  const traced = ['http', 'http2', 'ext_proc', 'router', 'connection', 'client', 'grpc', 'pool', 'upstream', 'misc'];
  configYaml = configYaml.replace('      default: error\n', `      default: error\n${traced.map((component) => `      ${component}: trace\n`).join('')}`);
  assert.match(configYaml, /ext_proc: trace/);
  // Telemetry mappings that name credential headers: the gateway must not copy those values.
  const sensitiveMappings = `authorization:auth.header,${TENANT_HEADER}:tenant.key,api-key:azure.key,x-api-key:anthropic.key,x-aigw-aws-secret-access-key:aws.secret,x-aigw-aws-session-token:aws.session,agent-session-id:session.id`;
  aigw = await startAigw({
    configYaml,
    extraArgs: ['--debug'],
    env: {
      AZURE_AUTHORITY_HOST: entra.url,
      NODE_EXTRA_CA_CERTS: entra.caFile,
      GCE_METADATA_HOST: gce.host,
      GOOGLE_APPLICATION_CREDENTIALS: undefined,
      HOME: '/nonexistent-aigw-test-home',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      OTEL_AIGW_REQUEST_HEADER_ATTRIBUTES: sensitiveMappings,
      OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES: sensitiveMappings,
      OTEL_AIGW_LOG_REQUEST_HEADER_ATTRIBUTES: sensitiveMappings,
      OTEL_AIGW_METRICS_REQUEST_HEADER_ATTRIBUTES: sensitiveMappings,
    },
  });
});

after(async () => {
  await aigw?.stop('SIGKILL');
  await upstream?.close();
  await entra?.close();
  await gce?.close();
  await otlp?.close();
  await new Promise<void>((resolve) => (splitter ? splitter.close(() => resolve()) : resolve()));
});

async function post(backend: string, headers: Record<string, string>, body: unknown = { model: 'm', messages: [{ role: 'user', content: 'hi' }] }): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.clientBearer}`, 'agent-session-id': 'session-1', [BACKEND_SELECTOR_HEADER]: backend, ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  clientSaw.push(`${response.status} ${JSON.stringify([...response.headers])} ${text}`);
  return { status: response.status, body: text };
}

function leaks(text: string): SecretName[] {
  return SECRET_NAMES.filter((name) => text.includes(SECRETS[name]));
}

/**
 * Answers every request with an SSE stream that quotes the credential it was sent (Bearer or
 * x-api-key), cut in the middle of the key into two writes 50 ms apart, so Envoy hands the
 * gateway two chunks. `/v1/chat/completions` gets an OpenAI content delta; `/v1/messages` an
 * Anthropic `error` event, as Anthropic sends one mid-stream.
 */
async function startSplitEchoUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer /, '') ?? '';
      const keyText = Array.isArray(key) ? key.join(',') : key;
      const event = req.url?.includes('/messages')
        ? `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${keyText}` } })}\n\n`
        : `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: `you sent ${keyText}` }, finish_reason: null }] })}\n\ndata: [DONE]\n\n`;
      const cut = event.indexOf(keyText) + Math.floor(keyText.length / 2);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(event.slice(0, cut));
      setTimeout(() => res.end(event.slice(cut)), 50);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

test('a provider quoting the credential back (plain, translated, streamed, in a header) shows the client only the marker', { skip: linuxOnly }, async () => {
  const quoted = (key: string): string => JSON.stringify({ error: { message: `Incorrect API key provided: ${key}`, type: 'invalid_request_error', code: 'invalid_api_key' } });
  const cases: [backend: string, headers: Record<string, string>, path?: string][] = [
    // Passed through: OpenAI (configured key and a tenant's override key), Azure.
    ['openai', instructions({ responseStatus: 401, responseBody: quoted(SECRETS.openaiKey) })],
    ['openai', { ...instructions({ responseStatus: 401, responseBody: quoted(SECRETS.tenantOverrideKey) }), [TENANT_HEADER]: SECRETS.tenantOverrideKey }],
    ['azure-key', instructions({ responseStatus: 401, responseBody: quoted(SECRETS.azureApiKey) })],
    ['azure-entra', instructions({ responseStatus: 401, responseBody: quoted(SECRETS.entraToken) })],
    // Translated into the OpenAI shape: Anthropic, Bedrock (the session token it was sent), Vertex.
    ['anthropic', instructions({ responseStatus: 401, responseBody: JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${SECRETS.anthropicKey}` } }) })],
    ['aws', instructions({ responseStatus: 403, responseBody: JSON.stringify({ message: `The security token ${SECRETS.awsSessionToken} is invalid` }), responseHeaders: { 'x-amzn-errortype': 'UnrecognizedClientException' } })],
    ['aws', { ...instructions({ responseStatus: 403, responseBody: JSON.stringify({ message: `token ${SECRETS.awsOverrideSession} secret ${SECRETS.awsOverrideSecret}` }) }), ...AWS_OVERRIDE_HEADERS }],
    ['gcp', instructions({ responseStatus: 401, responseBody: JSON.stringify({ error: { code: 401, status: 'UNAUTHENTICATED', message: `bad token ${SECRETS.gcpToken}` } }) })],
    // In a response header, on an error and on a success.
    ['openai', instructions({ responseStatus: 401, responseBody: '{"error":{"message":"no"}}', responseHeaders: { 'x-debug-credential': `Bearer ${SECRETS.openaiKey}` } })],
    ['openai', instructions({ responseBody: CHAT_ANSWER, responseHeaders: { 'x-debug-credential': SECRETS.openaiKey } })],
    // Streamed, the key cut across two chunks: passed through, and translated from Anthropic's stream.
    ['openai-split', {}],
    ['anthropic-split', {}],
  ];
  for (const [backend, headers] of cases) {
    const result = await post(backend, headers, { model: 'm', messages: [{ role: 'user', content: 'hi' }], ...(backend.endsWith('-split') ? { stream: true } : {}) });
    const seen = clientSaw.at(-1) ?? '';
    assert.deepEqual(leaks(seen), [], `${backend}: ${seen}`);
    assert.ok(seen.includes(SECRET_MARKER), `${backend} quoted the credential, replaced by the marker: ${result.status} ${seen}`);
  }
});

test('every kind of credential is used, and nothing the gateway writes or sends contains one', { skip: linuxOnly }, async () => {
  // Configured credentials, each checked by the upstream (so the secrets really were in play).
  const ok = async (backend: string, answer: string, expectedHeaders: Record<string, string>, extra: Record<string, string> = {}, stream = false): Promise<void> => {
    const result = await post(
      backend,
      { ...instructions({ responseBody: answer, expectedHeaders, ...(stream ? { responseType: 'sse' as const } : {}) }), ...extra },
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], ...(stream ? { stream: true } : {}) },
    );
    assert.equal(result.status, 200, `${backend}: ${result.body}`);
  };
  await ok('openai', CHAT_ANSWER, { authorization: `Bearer ${SECRETS.openaiKey}` });
  await ok('openai', CHAT_STREAM, { authorization: `Bearer ${SECRETS.openaiKey}` }, {}, true);
  await ok('openai', CHAT_ANSWER, { authorization: `Bearer ${SECRETS.tenantOverrideKey}` }, { [TENANT_HEADER]: SECRETS.tenantOverrideKey });
  await ok('azure-key', CHAT_ANSWER, { 'api-key': SECRETS.azureApiKey });
  await ok('anthropic', ANTHROPIC_ANSWER, { 'x-api-key': SECRETS.anthropicKey });
  await ok('aws', CONVERSE_ANSWER, { 'x-amz-security-token': SECRETS.awsSessionToken });
  await ok('aws', CONVERSE_ANSWER, { 'x-amz-security-token': SECRETS.awsOverrideSession }, AWS_OVERRIDE_HEADERS);
  await ok('azure-entra', CHAT_ANSWER, { authorization: `Bearer ${SECRETS.entraToken}` });
  await ok('gcp', GEMINI_ANSWER, { authorization: `Bearer ${SECRETS.gcpToken}` });
  assert.ok(upstream.requests.filter((request) => request.signature !== undefined).every((request) => request.signature === 'valid'), 'SigV4 verified');

  // Error cases: a wrong Azure client secret, incomplete override credentials, a provider's 401.
  const badEntra = await post('azure-entra-bad', {});
  assert.equal(badEntra.status, 502, badEntra.body);
  assert.match(badEntra.body, /Entra ID token/);
  const partial = await post('aws', { 'x-aigw-aws-access-key-id': AWS_USER_KEY_ID, 'x-aigw-aws-session-token': SECRETS.awsOverrideSession });
  assert.equal(partial.status, 401, partial.body);
  const rejected = await post('openai', { ...instructions({ responseStatus: 401, responseBody: JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }) }), [TENANT_HEADER]: SECRETS.tenantOverrideKey });
  assert.equal(rejected.status, 401, rejected.body);

  // Spans and metrics reached the receiver (the checks below would be empty otherwise).
  await otlp.waitForSpan((span) => span.name === 'ChatCompletion');
  await otlp.waitForMetric((point) => point.name === 'gen_ai.client.token.usage');
  const prometheus = await (await fetch(`http://127.0.0.1:${aigw.adminPort}/metrics`)).text();
  assert.match(prometheus, /gen_ai_client_token_usage/);

  // Crash output: the ext_proc crashes (aigw restarts it), then Envoy is killed (aigw reports its last log lines).
  const pids = await gatewayPids(aigw.pid);
  process.kill(pids.extProc, 'SIGSEGV');
  await gatewayPids(aigw.pid, { notExtProc: pids.extProc });
  const deadline = Date.now() + 10_000;
  while ((await post('openai', instructions({ responseBody: CHAT_ANSWER }))).status !== 200) {
    assert.ok(Date.now() < deadline, 'the gateway came back after the ext_proc crash');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await ok('aws', CONVERSE_ANSWER, {}, AWS_OVERRIDE_HEADERS);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // access logs flush every second; OTLP batches every 100-300 ms
  process.kill(pids.envoy, 'SIGKILL');
  const exit = await aigw.exited;
  assert.equal(exit.code, 1);
  await waitForExit(pids.extProc).catch(() => undefined);
  assert.match(aigw.stderr, /Envoy \(pid \d+\) was killed by SIGKILL unexpectedly/);
  assert.match(aigw.stderr, /\]\[debug\]\[/, 'Envoy logged at debug level');
  assert.match(aigw.stderr, /\]\[trace\]\[/, 'and at trace level');

  const places: Record<string, string> = {
    'aigw stderr (Envoy and ext_proc logs, crash reports)': aigw.stderr,
    'aigw stdout (access logs)': aigw.stdout,
    'responses to clients': clientSaw.join('\n'),
    'OTLP exports (spans and metrics)': otlp.rawBodies.map((body) => body.toString('utf8')).join('\n'),
    'Prometheus /metrics': prometheus,
  };
  const found = Object.entries(places).flatMap(([where, text]) => leaks(text).map((name) => `${name} in ${where}`));
  assert.deepEqual(found, [], excerpts(places));
});

test('aigw translate redacts every credential (and --show-secrets shows them, so the search works)', async () => {
  for (const output of ['yaml', 'json']) {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-leak-'));
    const file = join(dir, 'config.yaml');
    await writeFile(file, configYaml);
    const redacted = await runCli(['translate', file, '--output', output]);
    assert.equal(redacted.code, 0, redacted.stderr);
    assert.deepEqual(leaks(redacted.stdout + redacted.stderr), []);
    const shown = await runCli(['translate', file, '--output', output, '--show-secrets']);
    assert.equal(shown.code, 0, shown.stderr);
    for (const name of ['openaiKey', 'azureApiKey', 'anthropicKey', 'awsSecretAccessKey', 'awsSessionToken', 'entraClientSecret'] as const) {
      assert.ok(shown.stdout.includes(SECRETS[name]), `--show-secrets shows ${name}`);
    }
    await rm(dir, { recursive: true, force: true });
  }
});

/** The lines around each hit, to say where a secret leaked. */
function excerpts(places: Record<string, string>): string {
  const out: string[] = [];
  for (const [where, text] of Object.entries(places)) {
    for (const line of text.split('\n')) {
      const names = leaks(line);
      if (names.length > 0 && out.length < 40) out.push(`[${where}] (${names.join(', ')}) ${line.slice(0, 400)}`);
    }
  }
  return `secrets leaked:\n${out.join('\n')}`;
}
