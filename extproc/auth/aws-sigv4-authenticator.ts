import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { AWSAuth } from '../../contract/filter-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { BackendAuthenticator } from './backend-authenticator.js';
import { missingCredential } from './credential-override.js';

const DEFAULT_OVERRIDE_PREFIX = 'x-aigw-aws-';

/**
 * The signer and the AWS default credential chain load with the first AWS request: a gateway
 * without AWS backends never pays for them (together ~20 MiB of the ext_proc's memory).
 */
let signerModules: Promise<[typeof import('@smithy/signature-v4'), typeof import('@aws-crypto/sha256-js')]> | undefined;
const loadSigner = (): NonNullable<typeof signerModules> => (signerModules ??= Promise.all([import('@smithy/signature-v4'), import('@aws-crypto/sha256-js')]));
/** Bedrock's hosts carry their region; a request to one is signed for it, whatever the policy says. */
const REGION_FROM_HOST = /(?:^|\.)bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.(?:vpce\.amazonaws\.com|amazonaws\.com|api\.aws)$/;

/**
 * AWSCredentials: SigV4 for service `bedrock` over the final upstream request (translated path
 * and body), so the body is always read. Credentials are the policy's static ones, else the AWS
 * default chain (environment, shared files, SSO, container/instance roles; cached and refreshed by
 * the SDK provider), unless the request brings its own in the override headers.
 */
export function awsSigV4Authenticator(auth: AWSAuth): BackendAuthenticator {
  const prefix = auth.override?.header ?? DEFAULT_OVERRIDE_PREFIX;
  const overrideHeaders = auth.override ? [`${prefix}access-key-id`, `${prefix}secret-access-key`, `${prefix}session-token`] : [];
  let chain: Promise<AwsCredentialIdentityProvider> | undefined;
  const configured = async (): Promise<AwsCredentialIdentity> => {
    if (auth.credentials) return auth.credentials;
    chain ??= import('@aws-sdk/credential-provider-node').then((module) => module.defaultProvider());
    try {
      return await (await chain)();
    } catch (error) {
      // The SDK's message names the sources it tried; it never contains key material.
      const reason = error instanceof Error ? error.message : String(error);
      throw new GatewayError('UPSTREAM_AUTH', 502, `no AWS credentials for the backend: ${reason}`);
    }
  };
  return {
    needsBody: true,
    readHeaders: overrideHeaders,
    removeHeaders: overrideHeaders,
    setHeaders: ['authorization', 'x-amz-date', 'x-amz-security-token'],
    async apply(request) {
      const credentials = readOverride(auth, prefix, request.headers) ?? (await configured());
      const [{ SignatureV4 }, { Sha256 }] = await loadSigner();
      const region = REGION_FROM_HOST.exec(request.host)?.[1] ?? auth.region;
      const queryAt = request.path.indexOf('?');
      const path = queryAt === -1 ? request.path : request.path.slice(0, queryAt);
      const query = queryAt === -1 ? {} : Object.fromEntries(new URLSearchParams(request.path.slice(queryAt + 1)));
      // A signer is a small config holder; one per request keeps request credentials apart.
      const signer = new SignatureV4({ service: 'bedrock', region, sha256: Sha256, credentials, applyChecksum: false });
      const signed = await signer.sign({
        method: 'POST',
        protocol: 'https:',
        hostname: request.host,
        path,
        query,
        headers: { host: request.host },
        body: request.body ?? Buffer.alloc(0),
      });
      const headers: [string, string][] = [];
      for (const [name, value] of Object.entries(signed.headers)) {
        const lower = name.toLowerCase();
        if (lower === 'authorization' || lower.startsWith('x-amz-')) headers.push([lower, value]);
      }
      // The secret key never leaves (only the signature does), but it is a configured secret all the same.
      const secrets = [credentials, ...(auth.credentials && auth.credentials !== credentials ? [auth.credentials] : [])].flatMap((used) => [used.secretAccessKey, ...(used.sessionToken ? [used.sessionToken] : [])]);
      return { headers, secrets };
    },
  };
}

/** Credentials from the override headers; a partial set is refused rather than half-used. */
function readOverride(auth: AWSAuth, prefix: string, headers: Readonly<Partial<Record<string, string>>>): AwsCredentialIdentity | undefined {
  if (!auth.override) return undefined;
  const accessKeyId = headers[`${prefix}access-key-id`]?.trim();
  const secretAccessKey = headers[`${prefix}secret-access-key`]?.trim();
  const sessionToken = headers[`${prefix}session-token`]?.trim();
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  if (accessKeyId || secretAccessKey) throw missingCredential(`both ${prefix}access-key-id and ${prefix}secret-access-key are required`);
  if (!auth.override.fallbackToConfigured) throw missingCredential();
  return undefined;
}
