import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackendAuth } from '../contract/filter-config.js';
import { redactFilterConfig } from '../contract/filter-config.js';
import { compileConfig } from './compile-config.js';
import { ConfigError, formatDiagnostic } from './diagnostic.js';

const OPTIONS = { file: 'gw.yaml', extProcSocketPath: '/run/aigw/extproc.sock', systemCaFile: '/etc/ssl/certs/ca.pem', env: {} };

function config(schema: string, policy: string, secrets = ''): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
spec:
  gatewayClassName: gw
  listeners:
    - name: http
      protocol: HTTP
      port: 8080
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: route
spec:
  parentRefs:
    - name: gw
  rules:
    - backendRefs:
        - name: provider
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: provider
spec:
  schema:
    name: ${schema}
  backendRef:
    name: provider
    kind: Backend
    group: gateway.envoyproxy.io
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: provider
spec:
  endpoints:
    - fqdn:
        hostname: bedrock-runtime.eu-west-1.amazonaws.com
        port: 443
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata:
  name: policy
spec:
  targetRefs:
    - group: aigateway.envoyproxy.io
      kind: AIServiceBackend
      name: provider
${policy}${secrets}`;
}

function auth(text: string): BackendAuth | undefined {
  const compiled = compileConfig(text, OPTIONS);
  return compiled.filterConfig.backends[0]?.auth;
}

function errors(text: string): string[] {
  try {
    compileConfig(text, OPTIONS);
  } catch (error) {
    if (error instanceof ConfigError) return error.diagnostics.map(formatDiagnostic);
    throw error;
  }
  return [];
}

const AWS_FILE = `---
apiVersion: v1
kind: Secret
metadata:
  name: aws
stringData:
  credentials: |
    # comment
    [default]
    aws_access_key_id = AKIADEFAULT
    aws_secret_access_key = default-secret
    [prod]
    aws_access_key_id=AKIAPROD
    aws_secret_access_key=prod-secret
    aws_session_token=prod-token
`;

test('AWSCredentials: the profile from the credentials file, the region, the signing host and the override', () => {
  const base = `  type: AWSCredentials
  awsCredentials:
    region: us-east-1
    credentialsFile:
      profile: prod
      secretRef:
        name: aws
  credentialOverride:
    fromRequestHeaders: {}
`;
  const compiled = compileConfig(config('AWSBedrock', base, AWS_FILE), OPTIONS);
  const backend = compiled.filterConfig.backends[0];
  assert.deepEqual(backend?.auth, {
    type: 'AWSCredentials',
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAPROD', secretAccessKey: 'prod-secret', sessionToken: 'prod-token' },
    override: { header: 'x-aigw-aws-', fallbackToConfigured: true },
  });
  assert.equal(backend?.host, 'bedrock-runtime.eu-west-1.amazonaws.com');
  // translate and logs show the config with every secret redacted.
  const redacted = JSON.stringify(redactFilterConfig(compiled.filterConfig));
  for (const secret of ['AKIAPROD', 'prod-secret', 'prod-token']) assert.ok(!redacted.includes(secret), secret);
  assert.match(errors(config('AWSBedrock', base.replace('profile: prod', 'profile: staging'), AWS_FILE)).join('\n'), /spec.awsCredentials.credentialsFile.secretRef.name: the AWS credentials file has no \[staging\] profile \(profiles: default, prod\)/);
});

test('AWSCredentials without a file uses the default chain at request time; OIDC is an explicit error', () => {
  assert.deepEqual(auth(config('AWSBedrock', '  type: AWSCredentials\n  awsCredentials:\n    region: us-west-2\n')), { type: 'AWSCredentials', region: 'us-west-2' });
  const oidc = errors(config('AWSBedrock', '  type: AWSCredentials\n  awsCredentials:\n    region: us-west-2\n    oidcExchangeToken:\n      awsRoleArn: arn:aws:iam::1:role/x\n      oidc:\n        provider:\n          issuer: https://issuer.example.com\n        clientID: aigw\n        clientSecret:\n          name: oidc\n'));
  assert.match(oidc.join('\n'), /spec.awsCredentials.oidcExchangeToken: AWS OIDC token exchange is not supported by aigw run/);
});

test('AzureCredentials: tenant, client and the client-secret key of the Secret', () => {
  const policy = '  type: AzureCredentials\n  azureCredentials:\n    clientID: app-id\n    tenantID: tenant-id\n    clientSecretRef:\n      name: azure\n';
  const secret = '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: azure\nstringData:\n  client-secret: " s3cret "\n';
  assert.deepEqual(auth(config('AzureOpenAI', policy, secret)), { type: 'AzureCredentials', tenantId: 'tenant-id', clientId: 'app-id', clientSecret: 's3cret' });
  assert.match(errors(config('AzureOpenAI', policy, secret.replace('client-secret', 'secret'))).join('\n'), /the Secret has no "client-secret" key/);
});

test('GCPCredentials: a service account key, or ADC; ADC with fallbackToConfigured is refused as upstream does', () => {
  const key = JSON.stringify({ type: 'service_account', client_email: 'a@b.iam.gserviceaccount.com', private_key: 'k' });
  const withFile = '  type: GCPCredentials\n  gcpCredentials:\n    projectName: p\n    region: us-central1\n    credentialsFile:\n      secretRef:\n        name: gcp\n';
  const secret = `---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: gcp\nstringData:\n  service_account.json: '${key}'\n`;
  assert.deepEqual(auth(config('GCPVertexAI', withFile, secret)), { type: 'GCPCredentials', projectName: 'p', region: 'us-central1', serviceAccountKey: key });
  assert.match(errors(config('GCPVertexAI', withFile, secret.replace(`'${key}'`, 'not-json'))).join('\n'), /"service_account.json" is not a JSON object/);
  const adc = '  type: GCPCredentials\n  gcpCredentials:\n    projectName: p\n    region: us-central1\n';
  assert.deepEqual(auth(config('GCPVertexAI', adc)), { type: 'GCPCredentials', projectName: 'p', region: 'us-central1' });
  assert.match(errors(config('GCPVertexAI', `${adc}  credentialOverride:\n    fromRequestHeaders:\n      fallbackToConfigured: true\n`)).join('\n'), /fallbackToConfigured needs a configured credential/);
  assert.deepEqual(auth(config('GCPVertexAI', `${adc}  credentialOverride:\n    fromRequestHeaders:\n      fallbackToConfigured: false\n`)), {
    type: 'GCPCredentials',
    projectName: 'p',
    region: 'us-central1',
    override: { header: 'x-aigw-gcp-access-token', fallbackToConfigured: false },
  });
});

test('credentialOverride: a custom header is lower-cased; dynamic metadata is an explicit error', () => {
  const key = '  type: APIKey\n  apiKey:\n    secretRef:\n      name: key\n';
  const secret = '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: key\nstringData:\n  apiKey: sk-1\n';
  assert.deepEqual(auth(config('OpenAI', `${key}  credentialOverride:\n    fromRequestHeaders:\n      header: X-Tenant-Key\n      fallbackToConfigured: false\n`, secret)), {
    type: 'APIKey',
    key: 'sk-1',
    override: { header: 'x-tenant-key', fallbackToConfigured: false },
  });
  assert.match(errors(config('OpenAI', `${key}  credentialOverride:\n    fromDynamicMetadata:\n      namespace: ns\n`, secret)).join('\n'), /fromDynamicMetadata: credentials from dynamic metadata are not supported by aigw run/);
});
