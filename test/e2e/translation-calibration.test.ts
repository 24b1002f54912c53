/**
 * Upstream's data-plane calibration cases (test/fixtures/translation-calibration.json, from upstream's tests, Apache-2.0)
 * end to end: the real aigw CLI, Envoy and ext_proc, one instructed fake upstream that checks the
 * translated path, headers, body and (for AWS) the SigV4 signature, and the client's view of the
 * answer compared as upstream's harness does.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeGceMetadata, type FakeGceMetadata } from '../support/fake-gce-metadata.js';
import { instructions, startInstructedUpstream, type InstructedUpstream } from '../support/instructed-upstream.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';

interface CalibrationCase {
  name: string;
  backend: string;
  path: string;
  method: string;
  requestBody?: string;
  requestHeaders?: Record<string, string>;
  expPath?: string;
  expRequestBody?: string;
  expRequestHeaders?: Record<string, string>;
  responseBody?: string;
  responseStatus?: string;
  responseType?: string;
  responseHeaders?: string;
  expStatus: number;
  expResponseBody?: string;
  expResponseBodyFunc?: string;
}

const fixture: unknown = JSON.parse(readFileSync(new URL('../../../test/fixtures/translation-calibration.json', import.meta.url), 'utf8'));
const cases = readCases(fixture);

function readCases(value: unknown): CalibrationCase[] {
  assert.ok(typeof value === 'object' && value !== null && 'cases' in value && Array.isArray(value.cases));
  return value.cases.map((item: unknown) => {
    assert.ok(typeof item === 'object' && item !== null && 'name' in item && 'expStatus' in item);
    const record: Record<string, unknown> = { ...item };
    const text = (key: string): string | undefined => (typeof record[key] === 'string' ? record[key] : undefined);
    const headers = (key: string): Record<string, string> | undefined => {
      const raw = record[key];
      if (typeof raw !== 'object' || raw === null) return undefined;
      return Object.fromEntries(Object.entries(raw).map(([name, v]) => [name, String(v)]));
    };
    const result: CalibrationCase = { name: String(record.name), backend: String(record.backend), path: String(record.path), method: text('method') ?? 'POST', expStatus: Number(record.expStatus) };
    for (const key of ['requestBody', 'expPath', 'expRequestBody', 'responseBody', 'responseStatus', 'responseType', 'responseHeaders', 'expResponseBody', 'expResponseBodyFunc'] as const) {
      const value = text(key);
      if (value !== undefined) result[key] = value;
    }
    const requestHeaders = headers('requestHeaders');
    if (requestHeaders) result.requestHeaders = requestHeaders;
    const expRequestHeaders = headers('expRequestHeaders');
    if (expRequestHeaders) result.expRequestHeaders = expRequestHeaders;
    return result;
  });
}

let upstream: InstructedUpstream;
let failing: Server;
let gce: FakeGceMetadata;
let aigw: AigwProcess;
let gatewayPort: number;

before(async () => {
  upstream = await startInstructedUpstream({ awsSecrets: { AKIASTATICFALLBACK: 'static-fallback-secret' } });
  failing = createServer((_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error'));
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
  const failingAddress = failing.address();
  assert.ok(failingAddress && typeof failingAddress !== 'string');
  gce = await startFakeGceMetadata('fake-gcp-auth-token');
  gatewayPort = await freePort();
  const configYaml = providerGatewayYaml(
    gatewayPort,
    [
      { name: 'openai', schema: { name: 'OpenAI', prefix: 'v1' }, port: upstream.port },
      {
        name: 'anthropic',
        schema: { name: 'Anthropic' },
        port: upstream.port,
        security: { type: 'AnthropicAPIKey', anthropicAPIKey: { secretRef: { name: 'anthropic-key' } } },
        secrets: { 'anthropic-key': { apiKey: 'anthropic-api-key' } },
      },
      { name: 'modelname-override', schema: { name: 'OpenAI', prefix: 'v1' }, port: upstream.port, modelNameOverride: 'override-model' },
      {
        name: 'aws-bedrock',
        schema: { name: 'AWSBedrock' },
        port: upstream.port,
        fqdn: true,
        security: {
          type: 'AWSCredentials',
          awsCredentials: { region: 'us-east-1', credentialsFile: { secretRef: { name: 'aws-credentials' } } },
          credentialOverride: { fromRequestHeaders: { header: 'x-aigw-aws-', fallbackToConfigured: true } },
        },
        secrets: { 'aws-credentials': { credentials: '[default]\naws_access_key_id = AKIASTATICFALLBACK\naws_secret_access_key = static-fallback-secret\n' } },
      },
      { name: 'azure-openai', schema: { name: 'AzureOpenAI', version: '2025-01-01-preview' }, port: upstream.port, failingPrimaryPort: failingAddress.port },
      {
        name: 'gcp-vertexai',
        schema: { name: 'GCPVertexAI' },
        port: upstream.port,
        security: { type: 'GCPCredentials', gcpCredentials: { projectName: 'gcp-project-name', region: 'gcp-region' } },
      },
    ],
    { models: ['some-model1', 'some-model2', 'some-model3'] },
  );
  // Application Default Credentials come from the fake metadata server, as on a GCE VM.
  aigw = await startAigw({ configYaml, env: { GCE_METADATA_HOST: gce.host, GOOGLE_APPLICATION_CREDENTIALS: undefined, HOME: '/nonexistent-aigw-test-home' } });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
  await gce?.close();
  await new Promise<void>((resolve) => (failing ? failing.close(() => resolve()) : resolve()));
});

/** As upstream's harness: UUIDv4s and `"created":<n>` are normalised before comparing. */
function normalise(text: string): string {
  return text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g, '<UUID4-replaced>').replace(/"created":\d+/g, '"created":123');
}

function responseHeaders(spec: string | undefined): Record<string, string> | undefined {
  if (!spec) return undefined;
  return Object.fromEntries(
    spec.split(',').map((pair) => {
      const colon = pair.indexOf(':');
      return [pair.slice(0, colon), pair.slice(colon + 1)];
    }),
  );
}

/**
 * Cases where aigw answers differently from upstream on purpose: the reason, and the expected
 * client body as aigw gives it (derived from upstream's).
 */
const DEVIATIONS: Readonly<Record<string, { reason: string; expected: (upstreamBody: string) => string }>> = {
  'openai - /v1/chat/completions - streaming': {
    reason:
      'the client did not ask for stream usage; costs are configured, so the gateway asks for it on the client\'s behalf and, ' +
      "as OpenAI's contract says (README, Usage in streams), the client gets no usage chunk. Upstream forwards it.",
    expected: (body) =>
      body
        .split('\n\n')
        .filter((event) => !event.includes('"choices":[]'))
        .join('\n\n'),
  },
};

for (const calibration of cases) {
  test(calibration.name, async () => {
    const method = calibration.method.startsWith('GET') && calibration.requestBody ? 'POST' : calibration.method; // Go sent a GET with a body; fetch cannot.
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [BACKEND_SELECTOR_HEADER]: calibration.backend,
      ...(calibration.requestHeaders ?? {}),
      ...instructions({
        ...(calibration.responseBody !== undefined ? { responseBody: calibration.responseBody } : {}),
        ...(calibration.responseStatus ? { responseStatus: Number(calibration.responseStatus) } : {}),
        ...(calibration.responseType === 'sse' ? { responseType: 'sse' as const } : {}),
        ...(calibration.expPath !== undefined ? { expectedPath: calibration.expPath } : {}),
        // Translated bodies are compared as JSON, pass-through bodies byte for byte.
        ...(calibration.expRequestBody !== undefined
          ? calibration.backend === 'modelname-override'
            ? { expectedBody: calibration.expRequestBody }
            : { expectedJsonBody: calibration.expRequestBody }
          : {}),
        ...(calibration.expRequestHeaders ? { expectedHeaders: calibration.expRequestHeaders } : {}),
        ...(responseHeaders(calibration.responseHeaders) ? { responseHeaders: responseHeaders(calibration.responseHeaders) } : {}),
      }),
    };
    const response = await fetch(`http://localhost:${gatewayPort}${calibration.path}`, {
      method,
      headers,
      ...(method !== 'GET' && calibration.requestBody !== undefined ? { body: calibration.requestBody } : {}),
    });
    const body = await response.text();
    assert.equal(response.status, calibration.expStatus, `status (body: ${body})`);
    if (calibration.expResponseBodyFunc) {
      checkBodyFunc(calibration, body);
      return;
    }
    const deviation = DEVIATIONS[calibration.name];
    const upstreamExpected = normalise(calibration.expResponseBody ?? calibration.responseBody ?? '');
    const expected = deviation ? deviation.expected(upstreamExpected) : upstreamExpected;
    if (calibration.responseType || calibration.expStatus === 404) {
      assert.equal(normalise(body).trim(), expected.trim());
    } else {
      assert.deepEqual(JSON.parse(normalise(body)), JSON.parse(expected));
    }
  });
}

function checkBodyFunc(calibration: CalibrationCase, body: string): void {
  if (calibration.path === '/v1/models') {
    const parsed: unknown = JSON.parse(body);
    assert.ok(typeof parsed === 'object' && parsed !== null && 'data' in parsed && Array.isArray(parsed.data));
    assert.ok('object' in parsed && parsed.object === 'list');
    const now = Date.now() / 1000;
    assert.deepEqual(
      parsed.data.map((model: unknown) => {
        assert.ok(typeof model === 'object' && model !== null && 'created' in model && typeof model.created === 'number');
        assert.ok(Math.abs(model.created - now) < 600, 'created is the load time');
        return { ...model, created: 0 };
      }),
      ['some-model1', 'some-model2', 'some-model3'].map((id) => ({ id, object: 'model', owned_by: 'Envoy AI Gateway', created: 0 })),
    );
    return;
  }
  // "body contains all of: a | b | c"
  const parts = (calibration.expResponseBodyFunc ?? '').replace(/^body contains all of: /, '').split(' | ');
  for (const part of parts) assert.ok(body.includes(part.trim()), `body ${body} should contain ${part}`);
}
