/**
 * Priority fallback (BackendTrafficPolicy retries, as in upstream's examples/provider_fallback):
 * the primary fails, the request is retried on the next priority and translated again for that
 * backend (its path prefix, model override and key), without headers of the failed attempt.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { freePort, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { extraBackendYaml } from '../support/extra-backend-yaml.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';

let primary: FakeOpenAI;
let secondary: FakeOpenAI;
let aigw: AigwProcess;
let client: OpenAI;
let primaryClosed = false;

function config(port: number): string {
  const base = gatewayConfigYaml({ port, upstreamPort: primary.port, models: ['gpt-4o-mini'] });
  return `${base.replace(
    '      backendRefs:\n        - name: openai\n',
    `      backendRefs:
        - name: openai
          priority: 0
          headerMutation:
            set:
              - name: x-primary-only
                value: "yes"
        - name: secondary
          priority: 1
          modelNameOverride: secondary-model
`,
  )}
${extraBackendYaml('secondary', secondary.port, { prefix: 'alt/v1' })}---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata:
  name: secondary-key
  namespace: default
spec:
  targetRefs:
    - group: aigateway.envoyproxy.io
      kind: AIServiceBackend
      name: secondary
  type: APIKey
  apiKey:
    secretRef:
      name: secondary-key
---
apiVersion: v1
kind: Secret
metadata:
  name: secondary-key
  namespace: default
stringData:
  apiKey: sk-secondary
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: provider-fallback
  namespace: default
spec:
  targetRefs:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      name: aigw-run
  retry:
    numAttemptsPerPriority: 1
    numRetries: 3
    perRetry:
      backOff:
        baseInterval: 10ms
        maxInterval: 100ms
      timeout: 10s
    retryOn:
      httpStatusCodes:
        - 500
      triggers:
        - connect-failure
        - retriable-status-codes
`;
}

before(async () => {
  primary = await startFakeOpenAI({ error: { status: 500, body: { error: { message: 'primary is down' } } } });
  secondary = await startFakeOpenAI({ usage: { promptTokens: 9, completionTokens: 2 } });
  aigw = await startAigw({ configYaml: (port) => config(port) });
  const port = aigw.port;
  client = new OpenAI({ baseURL: `http://localhost:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  await aigw?.stop();
  if (!primaryClosed) await primary?.close();
  await secondary?.close();
});

test('a 500 from the primary falls back to the next priority, translated for it', async () => {
  const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(completion.model, 'secondary-model');
  assert.equal(completion.usage?.prompt_tokens, 9);
  assert.equal(primary.requests.length, 1);
  const [retried] = secondary.requests;
  assert.ok(retried);
  assert.equal(retried.path, '/alt/v1/chat/completions');
  assert.equal(retried.header('authorization'), 'Bearer sk-secondary');
  assert.deepEqual(retried.json(), { model: 'secondary-model', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(primary.requests[0]?.header('x-primary-only'), 'yes');
  assert.equal(retried.header('x-primary-only'), undefined, 'headers of the failed attempt do not leak into the retry');
});

test('fallback across schemas: OpenAI primary, Azure OpenAI secondary with its own path and key header', async () => {
  const port = await freePort();
  const azure = await startFakeOpenAI({ usage: { promptTokens: 5, completionTokens: 1 } });
  const failing = await startFakeOpenAI({ error: { status: 503 } });
  const yaml = config(port)
    .replace(`port: ${secondary.port}`, `port: ${azure.port}`)
    .replace(`port: ${primary.port}`, `port: ${failing.port}`)
    .replace('    name: OpenAI\n    prefix: alt/v1\n', '    name: AzureOpenAI\n    version: 2025-01-01-preview\n')
    .replace('  type: APIKey\n  apiKey:\n    secretRef:\n      name: secondary-key', '  type: AzureAPIKey\n  azureAPIKey:\n    secretRef:\n      name: secondary-key')
    .replace('      httpStatusCodes:\n        - 500', '      httpStatusCodes:\n        - 503');
  const gateway = await startAigw({ configYaml: yaml }).catch(async (error: unknown) => {
    await Promise.all([azure.close(), failing.close()]);
    throw error;
  });
  try {
    const crossClient = new OpenAI({ baseURL: `http://localhost:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
    const completion = await crossClient.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(completion.usage?.prompt_tokens, 5);
    assert.equal(failing.requests.length, 1);
    const [retried] = azure.requests;
    assert.equal(retried?.path, '/openai/deployments/secondary-model/chat/completions');
    assert.equal(retried?.url, '/openai/deployments/secondary-model/chat/completions?api-version=2025-01-01-preview');
    assert.equal(retried?.header('api-key'), 'sk-secondary');
    assert.equal(retried?.header('authorization'), undefined, 'the OpenAI key of the failed attempt is not sent to Azure');
  } finally {
    await gateway.stop();
    await azure.close();
    await failing.close();
  }
});

test('a primary that refuses connections falls back too', async () => {
  await primary.close();
  primaryClosed = true;
  secondary.reset();
  const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'again' }] });
  assert.equal(completion.model, 'secondary-model');
  assert.equal(secondary.requests.length, 1);
});
