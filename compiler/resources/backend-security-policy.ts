import type { FieldReader } from '../field-reader.js';
import { readReference, type ObjectReference } from './object-meta.js';

/** BackendSecurityPolicy: credentials for the AIServiceBackends it targets. */
export interface BackendSecurityPolicySpec {
  targetRefs: ObjectReference[];
  auth: { type: 'APIKey'; secretRef: ObjectReference };
}

const TYPES = ['APIKey', 'AWSCredentials', 'AzureAPIKey', 'AzureCredentials', 'GCPCredentials', 'AnthropicAPIKey'] as const;

export function readBackendSecurityPolicySpec(spec: FieldReader): BackendSecurityPolicySpec | undefined {
  const targetRefs = spec.objects('targetRefs').map(readReference);
  const type = spec.oneOf('type', TYPES);
  if (!spec.has('type')) spec.error('type', 'Required value');
  let result: BackendSecurityPolicySpec | undefined;
  if (type === 'APIKey') {
    const apiKey = spec.requiredObject('apiKey');
    const secretRef = apiKey?.requiredObject('secretRef');
    if (secretRef) result = { targetRefs, auth: { type: 'APIKey', secretRef: readReference(secretRef) } };
    apiKey?.done();
  } else if (type) {
    spec.unsupported('type', `BackendSecurityPolicy type ${type} is not supported by aigw run yet`, 'use type APIKey');
  }
  for (const key of ['awsCredentials', 'azureAPIKey', 'azureCredentials', 'gcpCredentials', 'anthropicAPIKey']) {
    if (spec.has(key) && type === 'APIKey') spec.error(key, 'Invalid value: "object": When type is APIKey, only apiKey field should be set');
    spec.ignore(key);
  }
  spec.done();
  return result;
}
