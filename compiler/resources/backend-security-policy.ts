import type { FieldReader } from '../field-reader.js';
import { readReference, type ObjectReference } from './object-meta.js';

/** The key-in-a-Secret credential types, by their spec field. */
const KEY_TYPES = { APIKey: 'apiKey', AzureAPIKey: 'azureAPIKey', AnthropicAPIKey: 'anthropicAPIKey' } as const;
export type KeyCredentialType = keyof typeof KEY_TYPES;

/** A Secret reference and where it sits in the document, for messages. */
export interface SecretRef {
  ref: ObjectReference;
  path: (string | number)[];
}

export type BackendSecurityPolicyAuth =
  | { type: KeyCredentialType; secretRef: SecretRef }
  /** No credentialsFile: the AWS default chain at request time. */
  | { type: 'AWSCredentials'; region: string; credentialsFile?: { secretRef: SecretRef; profile: string } }
  | { type: 'AzureCredentials'; tenantId: string; clientId: string; clientSecretRef: SecretRef }
  /** No credentialsFile: Application Default Credentials at request time. */
  | { type: 'GCPCredentials'; projectName: string; region: string; credentialsFile?: SecretRef };

/** `credentialOverride.fromRequestHeaders` (the only source aigw run has: there is no metadata producer in front of it). */
export interface CredentialOverrideSpec {
  header?: string;
  fallbackToConfigured: boolean;
}

/** BackendSecurityPolicy: credentials for the AIServiceBackends it targets. */
export interface BackendSecurityPolicySpec {
  targetRefs: ObjectReference[];
  auth: BackendSecurityPolicyAuth;
  credentialOverride?: CredentialOverrideSpec;
}

const TYPES = ['APIKey', 'AWSCredentials', 'AzureAPIKey', 'AzureCredentials', 'GCPCredentials', 'AnthropicAPIKey'] as const;
type CredentialType = (typeof TYPES)[number];
const FIELD_OF: Record<CredentialType, string> = {
  APIKey: 'apiKey',
  AWSCredentials: 'awsCredentials',
  AzureAPIKey: 'azureAPIKey',
  AzureCredentials: 'azureCredentials',
  GCPCredentials: 'gcpCredentials',
  AnthropicAPIKey: 'anthropicAPIKey',
};

function isKeyType(type: string): type is KeyCredentialType {
  return Object.hasOwn(KEY_TYPES, type);
}

const OIDC_HINT = 'aigw run has no controller to exchange OIDC tokens: use a credentials Secret, or the provider default chain (leave the field out)';

export function readBackendSecurityPolicySpec(spec: FieldReader): BackendSecurityPolicySpec | undefined {
  const targetRefs = spec.objects('targetRefs').map(readReference);
  const type = spec.oneOf('type', TYPES);
  if (!spec.has('type')) spec.error('type', 'Required value');
  const field = type !== undefined ? FIELD_OF[type] : undefined;
  const holder = field !== undefined ? spec.requiredObject(field) : undefined;
  let auth: BackendSecurityPolicyAuth | undefined;
  if (type !== undefined && field !== undefined && holder) {
    if (isKeyType(type)) {
      const secretRef = holder.requiredObject('secretRef');
      if (secretRef) auth = { type, secretRef: { ref: readReference(secretRef), path: ['spec', field, 'secretRef', 'name'] } };
    } else if (type === 'AWSCredentials') {
      auth = readAws(holder);
    } else if (type === 'AzureCredentials') {
      auth = readAzure(holder);
    } else {
      auth = readGcp(holder);
    }
    holder.done();
  }
  for (const other of Object.values(FIELD_OF)) {
    if (other === field) continue;
    // Admission's CEL rule has refused a field of another type; nothing to read here.
    spec.ignore(other);
  }
  const credentialOverride = readCredentialOverride(spec);
  spec.done();
  return auth ? { targetRefs, auth, ...(credentialOverride ? { credentialOverride } : {}) } : undefined;
}

function readAws(holder: FieldReader): BackendSecurityPolicyAuth {
  const region = holder.requiredString('region');
  const file = holder.object('credentialsFile');
  let credentialsFile: { secretRef: SecretRef; profile: string } | undefined;
  if (file) {
    const profile = file.string('profile') ?? 'default';
    const secretRef = file.requiredObject('secretRef');
    if (secretRef) credentialsFile = { secretRef: { ref: readReference(secretRef), path: ['spec', 'awsCredentials', 'credentialsFile', 'secretRef', 'name'] }, profile };
    file.done();
  }
  if (holder.has('oidcExchangeToken')) holder.unsupported('oidcExchangeToken', 'AWS OIDC token exchange is not supported by aigw run', OIDC_HINT);
  holder.ignore('oidcExchangeToken');
  return { type: 'AWSCredentials', region, ...(credentialsFile ? { credentialsFile } : {}) };
}

function readAzure(holder: FieldReader): BackendSecurityPolicyAuth | undefined {
  const clientId = holder.requiredString('clientID');
  const tenantId = holder.requiredString('tenantID');
  const secretRef = holder.object('clientSecretRef');
  if (holder.has('oidcExchangeToken')) holder.unsupported('oidcExchangeToken', 'Azure OIDC token exchange is not supported by aigw run', 'use clientSecretRef');
  holder.ignore('oidcExchangeToken');
  // Without it, admission's CEL rule has refused the policy, or oidcExchangeToken was refused above.
  if (!secretRef) return undefined;
  return { type: 'AzureCredentials', clientId, tenantId, clientSecretRef: { ref: readReference(secretRef), path: ['spec', 'azureCredentials', 'clientSecretRef', 'name'] } };
}

function readGcp(holder: FieldReader): BackendSecurityPolicyAuth {
  const projectName = holder.requiredString('projectName');
  const region = holder.requiredString('region');
  const file = holder.object('credentialsFile');
  let credentialsFile: SecretRef | undefined;
  if (file) {
    const secretRef = file.requiredObject('secretRef');
    if (secretRef) credentialsFile = { ref: readReference(secretRef), path: ['spec', 'gcpCredentials', 'credentialsFile', 'secretRef', 'name'] };
    file.done();
  }
  if (holder.has('workloadIdentityFederationConfig')) {
    holder.unsupported('workloadIdentityFederationConfig', 'GCP workload identity federation is not supported by aigw run', OIDC_HINT);
  }
  holder.ignore('workloadIdentityFederationConfig');
  return { type: 'GCPCredentials', projectName, region, ...(credentialsFile ? { credentialsFile } : {}) };
}

function readCredentialOverride(spec: FieldReader): CredentialOverrideSpec | undefined {
  const override = spec.object('credentialOverride');
  if (!override) return undefined;
  let result: CredentialOverrideSpec | undefined;
  const headers = override.object('fromRequestHeaders');
  if (headers) {
    const header = headers.string('header');
    result = { fallbackToConfigured: headers.boolean('fallbackToConfigured') ?? true, ...(header !== undefined ? { header: header.toLowerCase() } : {}) };
    headers.done();
  }
  if (override.has('fromDynamicMetadata')) {
    override.unsupported('fromDynamicMetadata', 'credentials from dynamic metadata are not supported by aigw run (no filter in front of the gateway writes it)', 'use fromRequestHeaders');
  }
  override.ignore('fromDynamicMetadata');
  override.done();
  return result;
}
