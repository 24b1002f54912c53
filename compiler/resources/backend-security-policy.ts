import type { FieldReader } from '../field-reader.js';
import { readReference, type ObjectReference } from './object-meta.js';

/** The key-in-a-Secret credential types aigw run supports, by their spec field. */
const KEY_TYPES = { APIKey: 'apiKey', AzureAPIKey: 'azureAPIKey', AnthropicAPIKey: 'anthropicAPIKey' } as const;
export type KeyCredentialType = keyof typeof KEY_TYPES;

/** BackendSecurityPolicy: credentials for the AIServiceBackends it targets. */
export interface BackendSecurityPolicySpec {
  targetRefs: ObjectReference[];
  auth: { type: KeyCredentialType; secretRef: ObjectReference; /** Field path of the secretRef, for messages. */ secretRefPath: (string | number)[] };
}

const TYPES = ['APIKey', 'AWSCredentials', 'AzureAPIKey', 'AzureCredentials', 'GCPCredentials', 'AnthropicAPIKey'] as const;
const FIELDS = ['apiKey', 'awsCredentials', 'azureAPIKey', 'azureCredentials', 'gcpCredentials', 'anthropicAPIKey'] as const;

function isKeyType(type: string): type is KeyCredentialType {
  return Object.hasOwn(KEY_TYPES, type);
}

export function readBackendSecurityPolicySpec(spec: FieldReader): BackendSecurityPolicySpec | undefined {
  const targetRefs = spec.objects('targetRefs').map(readReference);
  const type = spec.oneOf('type', TYPES);
  if (!spec.has('type')) spec.error('type', 'Required value');
  let result: BackendSecurityPolicySpec | undefined;
  const keyType = type !== undefined && isKeyType(type) ? type : undefined;
  const keyField = keyType !== undefined ? KEY_TYPES[keyType] : undefined;
  if (keyType !== undefined && keyField !== undefined) {
    const holder = spec.requiredObject(keyField);
    const secretRef = holder?.requiredObject('secretRef');
    if (secretRef) result = { targetRefs, auth: { type: keyType, secretRef: readReference(secretRef), secretRefPath: ['spec', keyField, 'secretRef', 'name'] } };
    holder?.done();
  } else if (type) {
    spec.unsupported('type', `BackendSecurityPolicy type ${type} is not supported by aigw run yet`, 'use APIKey, AzureAPIKey or AnthropicAPIKey');
  }
  for (const field of FIELDS) {
    if (field === keyField) continue;
    // The API's CEL rule: exactly the field of the chosen type.
    if (spec.has(field) && keyField !== undefined) spec.error(field, `Invalid value: "object": When type is ${type ?? ''}, only ${keyField} field should be set`);
    spec.ignore(field);
  }
  spec.done();
  return result;
}
