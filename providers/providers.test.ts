import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { isRecord } from '../common/json-guards.js';
import { SCHEMA_NAMES } from '../contract/filter-config.js';
import { isCredentialHeader } from '../extproc/request/sensitive-headers.js';
import { CLIENT_CREDENTIAL_HEADERS } from '../extproc/auth/client-credential-headers.js';
import { mapProviders, PROVIDERS } from './providers.js';

const CRD = new URL('../../crds/aigateway.envoyproxy.io_aiservicebackends.yaml', import.meta.url);

/** `spec.schema.name`'s enum in each served version of the AIServiceBackend CRD. */
function crdSchemaNames(): Map<string, unknown> {
  const crd: unknown = parse(readFileSync(CRD, 'utf8'));
  const at = (value: unknown, key: string): unknown => (isRecord(value) ? value[key] : undefined);
  const versions = at(at(crd, 'spec'), 'versions');
  assert.ok(Array.isArray(versions));
  return new Map(
    versions.map((version: unknown) => {
      const spec = at(at(at(at(version, 'schema'), 'openAPIV3Schema'), 'properties'), 'spec');
      return [String(at(version, 'name')), at(at(at(at(at(spec, 'properties'), 'schema'), 'properties'), 'name'), 'enum')];
    }),
  );
}

test('every schema the CRD admits is described, and no other (the CRD enum is the one place the compiler cannot check)', () => {
  const byVersion = crdSchemaNames();
  assert.deepEqual([...byVersion.keys()], ['v1alpha1', 'v1beta1']);
  for (const [version, names] of byVersion) {
    assert.ok(Array.isArray(names), version);
    assert.deepEqual(new Set(names), new Set(Object.keys(PROVIDERS)), version);
  }
  assert.deepEqual(Object.keys(PROVIDERS), [...SCHEMA_NAMES], 'descriptors in SCHEMA_NAMES order');
});

test('descriptors: lower-case credential headers, each one stripped from clients and never logged', () => {
  for (const [schema, provider] of Object.entries(PROVIDERS)) {
    for (const header of [provider.apiKey.header, ...provider.credentialHeaders]) {
      assert.equal(header, header.toLowerCase(), `${schema}: ${header}`);
      assert.ok(CLIENT_CREDENTIAL_HEADERS.includes(header), `${schema}: ${header} stripped`);
      assert.ok(isCredentialHeader(header), `${schema}: ${header} redacted`);
    }
  }
});

test('mapProviders: one value per schema, keyed by schema', () => {
  assert.deepEqual(mapProviders((schema, provider) => `${schema}:${provider.wire}`).AzureOpenAI, 'AzureOpenAI:azure-openai');
  assert.deepEqual(Object.keys(mapProviders(() => 0)), [...SCHEMA_NAMES]);
});
