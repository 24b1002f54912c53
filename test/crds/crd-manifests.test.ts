/**
 * The CRD manifests in crds/: each parses as an apiextensions.k8s.io/v1 CRD of the right kind,
 * has exactly one storage version and structural schemas, carries the fields, limits and CEL
 * messages of the API spec, and covers the calibration cases of the upstream crdcel corpus.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { missingFixtures, upstreamPath } from '../support/upstream-fixtures.js';

const CRD_DIR = new URL('../../../crds/', import.meta.url).pathname;
const CRDCEL_DIR = upstreamPath('crdcel');
const CRDCEL_MISSING = missingFixtures(join(CRDCEL_DIR, 'EXPECTED.md'));
const GROUP = 'aigateway.envoyproxy.io';

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function obj(x: unknown, what: string): Obj {
  assert.ok(isObj(x), `${what} must be an object`);
  return x;
}
function arr(x: unknown, what: string): unknown[] {
  assert.ok(Array.isArray(x), `${what} must be a list`);
  return x;
}

interface Expected {
  kind: string;
  plural: string;
  versions: string[];
  storage: string;
  shortNames?: string[];
}

const EXPECTED: Expected[] = [
  { kind: 'AIGatewayRoute', plural: 'aigatewayroutes', versions: ['v1alpha1', 'v1beta1'], storage: 'v1beta1' },
  { kind: 'AIServiceBackend', plural: 'aiservicebackends', versions: ['v1alpha1', 'v1beta1'], storage: 'v1beta1' },
  { kind: 'BackendSecurityPolicy', plural: 'backendsecuritypolicies', versions: ['v1alpha1', 'v1beta1'], storage: 'v1beta1' },
  { kind: 'GatewayConfig', plural: 'gatewayconfigs', versions: ['v1alpha1', 'v1beta1'], storage: 'v1beta1', shortNames: ['gwconfig'] },
  { kind: 'MCPRoute', plural: 'mcproutes', versions: ['v1alpha1', 'v1beta1'], storage: 'v1beta1' },
  { kind: 'QuotaPolicy', plural: 'quotapolicies', versions: ['v1alpha1'], storage: 'v1alpha1' },
];

function fileFor(plural: string): string {
  return join(CRD_DIR, `${GROUP}_${plural}.yaml`);
}

function loadCrd(plural: string): Obj {
  const docs = parseAllDocuments(readFileSync(fileFor(plural), 'utf8'));
  assert.ok(Array.isArray(docs), 'expected a YAML stream');
  const nonEmpty = docs.filter((d) => d.contents !== null);
  assert.equal(nonEmpty.length, 1, `${plural}: exactly one YAML document`);
  const doc = nonEmpty[0];
  assert.ok(doc);
  assert.deepEqual(doc.errors, [], `${plural}: YAML errors`);
  return obj(doc.toJS({ maxAliasCount: -1 }), plural);
}

const crds = new Map<string, Obj>();
function crd(kind: string): Obj {
  let c = crds.get(kind);
  if (!c) {
    const exp = EXPECTED.find((e) => e.kind === kind);
    assert.ok(exp, `unknown kind ${kind}`);
    c = loadCrd(exp.plural);
    crds.set(kind, c);
  }
  return c;
}

function versionOf(kind: string, name: string): Obj {
  const spec = obj(crd(kind)['spec'], 'spec');
  const v = arr(spec['versions'], 'versions').map((x) => obj(x, 'version')).find((x) => x['name'] === name);
  assert.ok(v, `${kind} has no version ${name}`);
  return v;
}
function rootSchema(kind: string, version: string): Obj {
  return obj(obj(versionOf(kind, version)['schema'], 'schema')['openAPIV3Schema'], 'openAPIV3Schema');
}

/** Resolves a field path like `spec.rules[0].backendRefs` (indexes walk into `items`). */
function nodeAt(root: Obj, path: string): Obj {
  let node = root;
  for (const part of path.split('.')) {
    const m = /^([^[]+)((?:\[\d*\])*)$/.exec(part);
    assert.ok(m?.[1], `bad path segment ${part}`);
    node = obj(obj(node['properties'], `properties of ${path}`)[m[1]], `${path}: ${m[1]}`);
    const brackets = (m[2] ?? '').match(/\[\d*\]/g) ?? [];
    for (let i = 0; i < brackets.length; i++) node = obj(node['items'], `items at ${path}`);
  }
  return node;
}

function validations(node: Obj): { rule: string; message: string }[] {
  const xv = node['x-kubernetes-validations'];
  if (xv === undefined) return [];
  return arr(xv, 'x-kubernetes-validations').map((v) => {
    const o = obj(v, 'validation');
    return { rule: String(o['rule']), message: String(o['message']) };
  });
}
function messagesAt(kind: string, version: string, path: string): string[] {
  return validations(nodeAt(rootSchema(kind, version), path)).map((v) => v.message);
}

/** Every CEL message anywhere in a schema. */
function allMessages(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const x of node) allMessages(x, out);
  else if (isObj(node)) {
    for (const v of validations(node)) out.push(v.message);
    for (const [k, v] of Object.entries(node)) if (k !== 'x-kubernetes-validations' && k !== 'default') allMessages(v, out);
  }
  return out;
}

// ---------- structural schema checks ----------

function defaultProblems(schema: Obj, value: unknown, path: string): string[] {
  const problems: string[] = [];
  const type = schema['type'];
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const okType =
    intOrString ? typeof value === 'string' || Number.isInteger(value)
    : type === 'string' ? typeof value === 'string'
    : type === 'integer' ? Number.isInteger(value)
    : type === 'number' ? typeof value === 'number'
    : type === 'boolean' ? typeof value === 'boolean'
    : type === 'array' ? Array.isArray(value)
    : type === 'object' ? isObj(value)
    : schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (!okType) return [`${path}: default ${JSON.stringify(value)} is not of type ${String(type)}`];
  const en = schema['enum'];
  if (Array.isArray(en) && !en.includes(value)) problems.push(`${path}: default ${JSON.stringify(value)} not in enum`);
  if (typeof value === 'string') {
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(value))
      problems.push(`${path}: default ${JSON.stringify(value)} does not match ${schema['pattern']}`);
    if (typeof schema['maxLength'] === 'number' && value.length > schema['maxLength']) problems.push(`${path}: default too long`);
    if (typeof schema['minLength'] === 'number' && value.length < schema['minLength']) problems.push(`${path}: default too short`);
  }
  if (typeof value === 'number') {
    if (typeof schema['minimum'] === 'number' && value < schema['minimum']) problems.push(`${path}: default below minimum`);
    if (typeof schema['maximum'] === 'number' && value > schema['maximum']) problems.push(`${path}: default above maximum`);
  }
  if (isObj(value) && isObj(schema['properties'])) {
    const props = schema['properties'];
    for (const [k, v] of Object.entries(value)) {
      const sub = props[k];
      if (!isObj(sub)) problems.push(`${path}: default has unknown field ${k}`);
      else problems.push(...defaultProblems(sub, v, `${path}.${k}`));
    }
  }
  return problems;
}

const SCALAR_TYPES = new Set(['string', 'integer', 'number', 'boolean']);

/** Walks one schema node; returns every violation of the structural-schema rules checked here. */
function structuralProblems(node: Obj, path: string, out: string[] = []): string[] {
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  const type = node['type'];
  if (type === undefined) {
    if (!intOrString && !preserve) out.push(`${path}: no type`);
  } else if (typeof type !== 'string' || !['object', 'array', 'string', 'integer', 'number', 'boolean'].includes(type)) {
    out.push(`${path}: bad type ${JSON.stringify(type)}`);
  }
  if (intOrString) {
    if (type !== undefined) out.push(`${path}: int-or-string node must not have a type`);
    const anyOf = node['anyOf'];
    if (anyOf !== undefined && JSON.stringify(anyOf) !== JSON.stringify([{ type: 'integer' }, { type: 'string' }]))
      out.push(`${path}: int-or-string anyOf must be [integer, string]`);
  } else if (node['anyOf'] !== undefined || node['oneOf'] !== undefined || node['allOf'] !== undefined) {
    out.push(`${path}: anyOf/oneOf/allOf are not used by these schemas`);
  }
  if (node['$ref'] !== undefined) out.push(`${path}: $ref is not allowed`);
  const props = node['properties'];
  if (props !== undefined) {
    if (type !== 'object') out.push(`${path}: properties on a non-object`);
    if (node['additionalProperties'] !== undefined) out.push(`${path}: properties together with additionalProperties`);
    for (const [k, v] of Object.entries(obj(props, `${path}.properties`))) structuralProblems(obj(v, `${path}.${k}`), `${path}.${k}`, out);
  }
  if (node['additionalProperties'] !== undefined) {
    if (type !== 'object') out.push(`${path}: additionalProperties on a non-object`);
    structuralProblems(obj(node['additionalProperties'], `${path}.additionalProperties`), `${path}{}`, out);
  }
  if (type === 'array') {
    const items = node['items'];
    if (!isObj(items)) out.push(`${path}: array without items`);
    else {
      structuralProblems(items, `${path}[]`, out);
      const listType = node['x-kubernetes-list-type'];
      if (listType === 'set' && !SCALAR_TYPES.has(String(items['type']))) out.push(`${path}: listType=set needs scalar items`);
      if (listType === 'map') {
        if (items['type'] !== 'object') out.push(`${path}: listType=map needs object items`);
        const keys = arr(node['x-kubernetes-list-map-keys'], `${path} list-map-keys`);
        const req = Array.isArray(items['required']) ? items['required'] : [];
        const itemProps = isObj(items['properties']) ? items['properties'] : {};
        for (const k of keys) {
          const keyNode = itemProps[String(k)];
          if (!isObj(keyNode)) out.push(`${path}: list-map key ${String(k)} is not a property`);
          else if (!req.includes(k) && keyNode['default'] === undefined) out.push(`${path}: list-map key ${String(k)} must be required or defaulted`);
        }
      }
    }
  } else if (node['items'] !== undefined) {
    out.push(`${path}: items on a non-array`);
  }
  if (node['x-kubernetes-list-type'] !== undefined && type !== 'array') out.push(`${path}: list-type on a non-array`);
  if (node['x-kubernetes-list-map-keys'] !== undefined && node['x-kubernetes-list-type'] !== 'map') out.push(`${path}: list-map-keys without listType=map`);
  const required = node['required'];
  if (required !== undefined) {
    const names = isObj(props) ? Object.keys(props) : [];
    for (const r of arr(required, `${path}.required`)) if (!names.includes(String(r))) out.push(`${path}: required ${String(r)} is not a property`);
    if (new Set(arr(required, 'required')).size !== arr(required, 'required').length) out.push(`${path}: duplicate required entries`);
  }
  if (node['default'] !== undefined) out.push(...defaultProblems(node, node['default'], path));
  const en = node['enum'];
  if (en !== undefined) {
    for (const v of arr(en, `${path}.enum`)) {
      const ok = type === 'string' ? typeof v === 'string' : type === 'integer' ? Number.isInteger(v) : false;
      if (!ok) out.push(`${path}: enum value ${JSON.stringify(v)} does not match type ${String(type)}`);
    }
  }
  const pattern = node['pattern'];
  if (pattern !== undefined) {
    if (typeof pattern !== 'string') out.push(`${path}: pattern is not a string`);
    else {
      try {
        new RegExp(pattern, 'u');
      } catch {
        out.push(`${path}: pattern does not compile: ${pattern}`);
      }
    }
  }
  for (const v of validations(node)) {
    if (!v.rule || v.rule === 'undefined') out.push(`${path}: validation without rule`);
    if (!v.message || v.message === 'undefined') out.push(`${path}: validation without message`);
  }
  if (node['x-kubernetes-validations'] !== undefined) {
    for (const v of arr(node['x-kubernetes-validations'], 'xv')) {
      const o = obj(v, 'validation');
      for (const k of Object.keys(o)) if (!['rule', 'message', 'messageExpression', 'reason', 'fieldPath', 'optionalOldSelf'].includes(k)) out.push(`${path}: unknown validation key ${k}`);
    }
  }
  return out;
}

/** CEL `self.<field>` references at the rule's own node must name declared properties. */
function celFieldProblems(node: Obj, path: string, out: string[] = []): string[] {
  const props = isObj(node['properties']) ? Object.keys(node['properties']) : [];
  for (const v of validations(node)) {
    if (node['type'] !== 'object') continue;
    for (const m of v.rule.matchAll(/\bself\.([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()/g)) {
      const f = m[1] ?? '';
      if (!props.includes(f)) out.push(`${path}: rule references self.${f}, which is not declared: ${v.rule}`);
    }
  }
  if (isObj(node['properties'])) for (const [k, v] of Object.entries(node['properties'])) celFieldProblems(obj(v, k), `${path}.${k}`, out);
  if (isObj(node['items'])) celFieldProblems(node['items'], `${path}[]`, out);
  if (isObj(node['additionalProperties'])) celFieldProblems(node['additionalProperties'], `${path}{}`, out);
  return out;
}

describe('CRD manifests', () => {
  test('crds/ holds exactly the six aigateway.envoyproxy.io CRDs', () => {
    const files = readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml')).sort();
    assert.deepEqual(files, EXPECTED.map((e) => `${GROUP}_${e.plural}.yaml`).sort());
  });

  for (const exp of EXPECTED) {
    describe(exp.kind, () => {
      test('is a namespaced apiextensions.k8s.io/v1 CRD with the expected names', () => {
        const c = crd(exp.kind);
        assert.equal(c['apiVersion'], 'apiextensions.k8s.io/v1');
        assert.equal(c['kind'], 'CustomResourceDefinition');
        assert.equal(obj(c['metadata'], 'metadata')['name'], `${exp.plural}.${GROUP}`);
        const spec = obj(c['spec'], 'spec');
        assert.equal(spec['group'], GROUP);
        assert.equal(spec['scope'], 'Namespaced');
        const names = obj(spec['names'], 'names');
        assert.equal(names['kind'], exp.kind);
        assert.equal(names['listKind'], `${exp.kind}List`);
        assert.equal(names['plural'], exp.plural);
        assert.equal(names['singular'], exp.kind.toLowerCase());
        assert.deepEqual(names['shortNames'], exp.shortNames);
      });

      test(`versions ${exp.versions.join(', ')}; exactly one storage version (${exp.storage})`, () => {
        const versions = arr(obj(crd(exp.kind)['spec'], 'spec')['versions'], 'versions').map((v) => obj(v, 'version'));
        assert.deepEqual(versions.map((v) => v['name']), exp.versions);
        assert.deepEqual(versions.filter((v) => v['storage'] === true).map((v) => v['name']), [exp.storage]);
        for (const v of versions) {
          assert.equal(v['served'], true);
          assert.deepEqual(v['subresources'], { status: {} });
          const deprecated = v['name'] === 'v1alpha1' && exp.storage === 'v1beta1';
          assert.equal(v['deprecated'] === true, deprecated, `${String(v['name'])} deprecated`);
          if (deprecated) assert.equal(v['deprecationWarning'], 'aigateway.envoyproxy.io/v1alpha1 is deprecated; use aigateway.envoyproxy.io/v1beta1 instead');
        }
      });

      for (const version of exp.versions) {
        test(`${version}: structural schema (types, required, defaults, list types, CEL entries)`, () => {
          const root = rootSchema(exp.kind, version);
          assert.equal(root['type'], 'object');
          const props = obj(root['properties'], 'properties');
          assert.deepEqual(Object.keys(props).sort(), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
          assert.deepEqual(props['metadata'], { type: 'object' });
          assert.deepEqual(structuralProblems(root, version), []);
          assert.deepEqual(celFieldProblems(root, version), []);
        });
      }
    });
  }

  test('v1alpha1 and v1beta1 schemas are identical except BackendSecurityPolicy', () => {
    for (const kind of ['AIGatewayRoute', 'AIServiceBackend', 'GatewayConfig', 'MCPRoute']) {
      assert.deepEqual(rootSchema(kind, 'v1alpha1'), rootSchema(kind, 'v1beta1'), kind);
    }
    const a1 = nodeAt(rootSchema('BackendSecurityPolicy', 'v1alpha1'), 'spec');
    const b1 = nodeAt(rootSchema('BackendSecurityPolicy', 'v1beta1'), 'spec');
    assert.equal(a1['maxProperties'], 3);
    assert.equal(b1['maxProperties'], 4);
    assert.equal(obj(a1['properties'], 'props')['credentialOverride'], undefined);
    assert.ok(isObj(obj(b1['properties'], 'props')['credentialOverride']));
    assert.deepEqual(messagesAt('BackendSecurityPolicy', 'v1alpha1', 'spec.gcpCredentials'), [
      'Exactly one of GCPWorkloadIdentityFederationConfig or GCPCredentialsFile must be specified',
    ]);
    assert.deepEqual(messagesAt('BackendSecurityPolicy', 'v1beta1', 'spec.gcpCredentials'), [
      'At most one of credentialsFile or workloadIdentityFederationConfig may be specified',
    ]);
  });

  test('status: conditions of metav1.Condition; GatewayConfig keys them by type (max 8)', () => {
    for (const exp of EXPECTED) {
      for (const version of exp.versions) {
        const conditions = nodeAt(rootSchema(exp.kind, version), 'status.conditions');
        assert.equal(conditions['type'], 'array');
        const items = obj(conditions['items'], 'items');
        assert.deepEqual(items['required'], ['lastTransitionTime', 'message', 'reason', 'status', 'type']);
        if (exp.kind === 'GatewayConfig') {
          assert.equal(conditions['x-kubernetes-list-type'], 'map');
          assert.deepEqual(conditions['x-kubernetes-list-map-keys'], ['type']);
          assert.equal(conditions['maxItems'], 8);
        }
      }
    }
  });
});

describe('fields, limits and CEL messages from the spec', () => {
  test('AIGatewayRoute', () => {
    const root = rootSchema('AIGatewayRoute', 'v1beta1');
    const rules = nodeAt(root, 'spec.rules');
    assert.equal(rules['maxItems'], 15);
    assert.deepEqual(nodeAt(root, 'spec')['required'], ['rules']);
    assert.deepEqual(validations(rules), [
      {
        rule: 'self.all(r1, !has(r1.name) || self.exists_one(r2, has(r2.name) && r1.name == r2.name))',
        message: 'rule name must be unique within the route',
      },
    ]);
    assert.deepEqual(messagesAt('AIGatewayRoute', 'v1beta1', 'spec.rules[]'), [
      'rule name route-not-found is reserved',
      'cannot mix InferencePool and AIServiceBackend references in the same rule',
      'only one InferencePool backend is allowed per rule',
    ]);
    assert.deepEqual(messagesAt('AIGatewayRoute', 'v1beta1', 'spec.rules[].backendRefs[]'), [
      'group and kind must be specified together',
      'only InferencePool from inference.networking.k8s.io group is supported',
    ]);
    assert.deepEqual(messagesAt('AIGatewayRoute', 'v1beta1', 'spec.parentRefs'), ['only Gateway is supported']);
    assert.deepEqual(messagesAt('AIGatewayRoute', 'v1beta1', 'spec.rules[].timeouts'), ['backendRequest timeout cannot be longer than request timeout']);
    assert.equal(nodeAt(root, 'spec.parentRefs[].group')['default'], 'gateway.networking.k8s.io');
    assert.equal(nodeAt(root, 'spec.parentRefs[].kind')['default'], 'Gateway');
    assert.equal(nodeAt(root, 'spec.rules[].backendRefs[].weight')['default'], 1);
    assert.equal(nodeAt(root, 'spec.rules[].backendRefs[].priority')['default'], 0);
    assert.equal(nodeAt(root, 'spec.rules[].modelsOwnedBy')['default'], 'Envoy AI Gateway');
    assert.equal(nodeAt(root, 'spec.rules[].modelsCreatedAt')['format'], 'date-time');
    assert.equal(nodeAt(root, 'spec.rules[].timeouts.request')['pattern'], '^([0-9]{1,5}(h|m|s|ms)){1,4}$');
    const headers = nodeAt(root, 'spec.rules[].matches[].headers');
    assert.equal(headers['x-kubernetes-list-type'], 'map');
    assert.deepEqual(headers['x-kubernetes-list-map-keys'], ['name']);
    assert.equal(nodeAt(root, 'spec.rules[].matches[].headers[].name')['pattern'], "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$");
    assert.deepEqual(nodeAt(root, 'spec.rules[].matches[].headers[].type')['enum'], ['Exact', 'RegularExpression']);
    assert.equal(nodeAt(root, 'spec.llmRequestCosts')['maxItems'], 36);
    assert.deepEqual(nodeAt(root, 'spec.llmRequestCosts[].type')['enum'], [
      'OutputToken', 'InputToken', 'CachedInputToken', 'CacheCreationInputToken', 'TotalToken', 'ReasoningToken', 'CEL',
    ]);
    assert.equal(nodeAt(root, 'spec.rules[].backendRefs[].bodyMutation.remove')['x-kubernetes-list-type'], 'set');
    assert.deepEqual(nodeAt(root, 'spec.rules[].backendRefs[].bodyMutation.set')['x-kubernetes-list-map-keys'], ['path']);
  });

  test('AIServiceBackend', () => {
    for (const version of ['v1alpha1', 'v1beta1']) {
      const root = rootSchema('AIServiceBackend', version);
      assert.deepEqual(nodeAt(root, 'spec.schema.name')['enum'], [
        'OpenAI', 'Cohere', 'AWSBedrock', 'AzureOpenAI', 'GCPVertexAI', 'GCPAnthropic', 'Anthropic', 'AWSAnthropic',
      ]);
      assert.deepEqual(nodeAt(root, 'spec')['required'], ['backendRef', 'schema']);
      assert.deepEqual(messagesAt('AIServiceBackend', version, 'spec.backendRef'), [
        'BackendRef must be a Backend resource of Envoy Gateway. See https://github.com/envoyproxy/ai-gateway/issues/902 for more details.',
        'Must have port for Service reference',
      ]);
      assert.equal(nodeAt(root, 'spec.backendRef.kind')['default'], 'Service');
      assert.equal(nodeAt(root, 'spec.backendRef.group')['default'], '');
      // No spec.timeouts in the schema, although upstream's autoconfig and examples set it on
      // AIServiceBackend: the API server prunes it and the controllers ignore it.
      assert.equal(obj(nodeAt(root, 'spec')['properties'], 'props')['timeouts'], undefined);
    }
  });

  test('BackendSecurityPolicy', () => {
    const root = rootSchema('BackendSecurityPolicy', 'v1beta1');
    const specMessages = messagesAt('BackendSecurityPolicy', 'v1beta1', 'spec');
    for (const [type, field] of [
      ['APIKey', 'apiKey'], ['AWSCredentials', 'awsCredentials'], ['AzureAPIKey', 'azureAPIKey'],
      ['AzureCredentials', 'azureCredentials'], ['GCPCredentials', 'gcpCredentials'], ['AnthropicAPIKey', 'anthropicAPIKey'],
    ] as const) {
      assert.ok(specMessages.includes(`When type is ${type}, only ${field} field should be set`), type);
    }
    assert.deepEqual(nodeAt(root, 'spec.type')['enum'], ['APIKey', 'AWSCredentials', 'AzureAPIKey', 'AzureCredentials', 'GCPCredentials', 'AnthropicAPIKey']);
    assert.deepEqual(nodeAt(root, 'spec')['required'], ['type']);
    assert.equal(nodeAt(root, 'spec.awsCredentials.credentialsFile.profile')['default'], 'default');
    assert.equal(nodeAt(root, 'spec.apiKey.secretRef.kind')['default'], 'Secret');
    assert.deepEqual(messagesAt('BackendSecurityPolicy', 'v1beta1', 'spec.azureCredentials'), ['Exactly one of clientSecretRef or oidcExchangeToken must be specified']);
    assert.deepEqual(messagesAt('BackendSecurityPolicy', 'v1beta1', 'spec.targetRefs'), ['targetRefs must reference AIServiceBackend or InferencePool resources']);
    const credOverride = nodeAt(root, 'spec.credentialOverride');
    assert.equal(credOverride['minProperties'], 1);
    assert.equal(credOverride['maxProperties'], 1);
    // The three embedded OIDC trees are complete and identical (Envoy Gateway egv1a1.OIDC).
    const aws = nodeAt(root, 'spec.awsCredentials.oidcExchangeToken.oidc');
    assert.deepEqual(nodeAt(root, 'spec.azureCredentials.oidcExchangeToken.oidc'), aws);
    assert.deepEqual(nodeAt(root, 'spec.gcpCredentials.workloadIdentityFederationConfig.oidcExchangeToken.oidc'), aws);
    assert.deepEqual(validations(aws).map((v) => v.message), [
      'only one of clientID or clientIDRef must be set',
      'forwardAccessToken cannot be true when forwardIDToken.header is Authorization',
    ]);
    const provider = 'spec.awsCredentials.oidcExchangeToken.oidc.provider';
    assert.deepEqual(messagesAt('BackendSecurityPolicy', 'v1beta1', provider), [
      'BackendRefs must be used, backendRef is not supported.',
      'Retry timeout is not supported.',
      'HTTPStatusCodes is not supported.',
    ]);
    assert.equal(nodeAt(root, `${provider}.backendSettings.loadBalancer`)['x-kubernetes-validations'] !== undefined, true);
    assert.equal(nodeAt(root, `${provider}.backendSettings.loadBalancer.consistentHash.tableSize`)['default'], 65537);
    assert.equal(nodeAt(root, `${provider}.backendSettings.connection.bufferLimit`)['x-kubernetes-int-or-string'], true);
    assert.equal(nodeAt(root, `${provider}.backendSettings.loadBalancer.dynamicModule.config`)['x-kubernetes-preserve-unknown-fields'], true);
    assert.deepEqual(messagesAt('BackendSecurityPolicy', 'v1beta1', `${provider}.backendSettings.circuitBreaker.retryBudget.percent`), [
      'numerator must be less than or equal to denominator',
    ]);
  });

  test('MCPRoute', () => {
    const root = rootSchema('MCPRoute', 'v1beta1');
    assert.deepEqual(nodeAt(root, 'spec')['required'], ['backendRefs', 'parentRefs']);
    const backendRefs = nodeAt(root, 'spec.backendRefs');
    assert.equal(backendRefs['minItems'], 1);
    assert.equal(backendRefs['maxItems'], 256);
    assert.deepEqual(messagesAt('MCPRoute', 'v1beta1', 'spec.backendRefs'), ['all backendRefs names must be unique']);
    assert.deepEqual(messagesAt('MCPRoute', 'v1beta1', 'spec.backendRefs[]'), ['Must have port for Service reference']);
    assert.deepEqual(messagesAt('MCPRoute', 'v1beta1', 'spec.backendRefs[].toolSelector'), [
      'include and includeRegex are mutually exclusive',
      'exclude and excludeRegex are mutually exclusive',
      'at least one of include, includeRegex, exclude, or excludeRegex must be specified',
    ]);
    assert.equal(nodeAt(root, 'spec.backendRefs[].path')['default'], '/mcp');
    assert.equal(nodeAt(root, 'spec.path')['default'], '/mcp');
    assert.deepEqual(messagesAt('MCPRoute', 'v1beta1', 'spec.securityPolicy'), ['oauth must be configured when any authorization rule uses a jwt source']);
    assert.equal(nodeAt(root, 'spec.securityPolicy.oauth.issuer')['format'], 'uri');
    assert.deepEqual(nodeAt(root, 'spec.securityPolicy.oauth')['required'], ['issuer', 'protectedResourceMetadata']);
    assert.deepEqual(messagesAt('MCPRoute', 'v1beta1', 'spec.securityPolicy.oauth.jwks'), [
      'either remoteJWKS or localJWKS must be specified.',
      'remoteJWKS and localJWKS cannot both be specified.',
    ]);
    assert.equal(nodeAt(root, 'spec.securityPolicy.oauth.jwks.remoteJWKS.cacheDuration')['default'], '300s');
    assert.deepEqual(messagesAt('MCPRoute', 'v1beta1', 'spec.securityPolicy.authorization.rules[].source.jwt.claims'), [
      "'scope' claim name is reserved for OAuth scopes",
    ]);
    assert.deepEqual(messagesAt('MCPRoute', 'v1beta1', 'spec.securityPolicy.extAuth.contextExtensions[]'), [
      'Exactly one of value or valueRef must be set with correct type.',
    ]);
    assert.equal(arr(nodeAt(root, 'spec.securityPolicy.extAuth.statusOnError')['enum'], 'enum').length, 37);
    // extAuth.http.backendSettings and remoteJWKS.backendSettings repeat extAuth.grpc.backendSettings.
    const grpc = nodeAt(root, 'spec.securityPolicy.extAuth.grpc.backendSettings');
    assert.deepEqual(nodeAt(root, 'spec.securityPolicy.extAuth.http.backendSettings'), grpc);
    assert.deepEqual(nodeAt(root, 'spec.securityPolicy.oauth.jwks.remoteJWKS.backendSettings'), grpc);
    assert.deepEqual(messagesAt('MCPRoute', 'v1beta1', 'spec.securityPolicy.extAuth.grpc.backendSettings.http2.connectionKeepalive'), [
      'timeout must be less than interval',
    ]);
  });

  test('GatewayConfig', () => {
    const root = rootSchema('GatewayConfig', 'v1beta1');
    assert.deepEqual(messagesAt('GatewayConfig', 'v1beta1', 'spec.extProc.kubernetes'), ['Either image or imageRepository can be set.']);
    assert.deepEqual(messagesAt('GatewayConfig', 'v1beta1', 'spec.extProc.kubernetes.image'), [
      "Image must include a tag and allowed characters only (e.g., 'repo:tag').",
    ]);
    const costs = nodeAt(root, 'spec.globalLLMRequestCosts');
    assert.equal(costs['x-kubernetes-list-type'], 'map');
    assert.deepEqual(costs['x-kubernetes-list-map-keys'], ['metadataKey']);
    assert.deepEqual(nodeAt(root, 'spec.forwardProxy')['required'], ['address']);
    assert.equal(nodeAt(root, 'spec.extProc.kubernetes.env[].valueFrom.secretKeyRef')['x-kubernetes-map-type'], 'atomic');
    const limits = nodeAt(root, 'spec.extProc.kubernetes.resources.limits');
    assert.equal(obj(limits['additionalProperties'], 'additionalProperties')['x-kubernetes-int-or-string'], true);
  });

  test('QuotaPolicy', () => {
    const root = rootSchema('QuotaPolicy', 'v1alpha1');
    assert.deepEqual(messagesAt('QuotaPolicy', 'v1alpha1', 'spec.targetRefs'), ['targetRefs must reference AIServiceBackend resources']);
    assert.deepEqual(messagesAt('QuotaPolicy', 'v1alpha1', 'spec.perModelQuotas[].quota.bucketRules[].clientSelectors[]'), [
      'at least one of headers, methods, path, sourceCIDR or queryParams must be specified',
    ]);
    assert.deepEqual(nodeAt(root, 'spec.serviceQuota.quota.duration')['enum'], ['1s', '1m', '1h', '1d']);
    assert.equal(nodeAt(root, 'spec.perModelQuotas[].quota.mode')['default'], 'Shared');
    assert.equal(nodeAt(root, 'spec.perModelQuotas[].quota.bucketRules[].clientSelectors[].path.value')['default'], '/');
  });
});

// ---------- calibration cases of the upstream crdcel corpus ----------

interface Case {
  file: string;
  expected: 'accept' | 'reject';
  error: string;
}

function calibrationCases(): Case[] {
  const md = readFileSync(join(CRDCEL_DIR, 'EXPECTED.md'), 'utf8');
  const cases: Case[] = [];
  for (const line of md.split('\n')) {
    const m = /^\| (\S+\.yaml) \| (accept|reject) \| (?:`(.*)`)? *\|$/.exec(line);
    if (m?.[1] && m[2]) cases.push({ file: m[1], expected: m[2] === 'accept' ? 'accept' : 'reject', error: m[3] ?? '' });
  }
  return cases;
}

function fixture(file: string): { kind: string; version: string; object: Obj } {
  const object = obj(parseAllDocuments(readFileSync(join(CRDCEL_DIR, file), 'utf8'))[0]?.toJS(), file);
  const apiVersion = String(object['apiVersion']);
  assert.ok(apiVersion.startsWith(`${GROUP}/`), `${file}: apiVersion ${apiVersion}`);
  return { kind: String(object['kind']), version: apiVersion.slice(GROUP.length + 1), object };
}

/** The value at a dotted path of an object (no indexes needed here). */
function valueAt(object: Obj, path: string): unknown {
  let cur: unknown = object;
  for (const part of path.split('.')) cur = obj(cur, path)[part];
  return cur;
}

/** Field names of `value` the schema does not declare (which the API server would prune). */
function undeclaredFields(schema: Obj, value: unknown, path: string, out: string[] = []): string[] {
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return out;
  if (Array.isArray(value) && isObj(schema['items'])) value.forEach((v, i) => undeclaredFields(obj(schema['items'], 'items'), v, `${path}[${i}]`, out));
  else if (isObj(value)) {
    if (isObj(schema['additionalProperties'])) {
      for (const [k, v] of Object.entries(value)) undeclaredFields(schema['additionalProperties'], v, `${path}.${k}`, out);
    } else if (isObj(schema['properties'])) {
      const props = schema['properties'];
      for (const [k, v] of Object.entries(value)) {
        const sub = props[k];
        if (!isObj(sub)) out.push(`${path}.${k}`);
        else undeclaredFields(sub, v, `${path}.${k}`, out);
      }
    }
  }
  return out;
}

describe('calibration cases (test/fixtures/upstream/crdcel/EXPECTED.md)', { skip: CRDCEL_MISSING }, () => {
  const cases = CRDCEL_MISSING === false ? calibrationCases() : [];
  test('EXPECTED.md lists the cases', () => {
    assert.ok(cases.length >= 10, `found ${cases.length} cases`);
  });
  for (const c of cases) {
    test(`${c.file}: ${c.expected}${c.error ? ` (${c.error})` : ''}`, () => {
      const { kind, version, object } = fixture(c.file);
      const root = rootSchema(kind, version);
      if (c.expected === 'accept') {
        assert.deepEqual(undeclaredFields(root, object, ''), [], 'every field of an accepted object is declared');
        return;
      }
      let m: RegExpExecArray | null;
      if ((m = /^([\w.[\]]+): Invalid value: "(\w+)": (.+)$/.exec(c.error))) {
        const [, path = '', type = '', message = ''] = m;
        const node = nodeAt(root, path);
        assert.equal(node['type'], type, `${path} is an ${type}`);
        assert.ok(validations(node).some((v) => v.message === message), `${path} has CEL message ${JSON.stringify(message)}`);
      } else if ((m = /^([\w.[\]]+): Too many: (\d+): must have at most (\d+) items$/.exec(c.error))) {
        const [, path = '', count = '', max = ''] = m;
        const node = nodeAt(root, path);
        assert.equal(node['maxItems'], Number(max));
        assert.equal(arr(valueAt(object, path), path).length, Number(count));
      } else if ((m = /^([\w.[\]]+): Unsupported value: "([^"]*)": supported values: (.+)$/.exec(c.error))) {
        const [, path = '', value = '', list = ''] = m;
        const en = arr(nodeAt(root, path)['enum'], `${path}.enum`);
        assert.ok(!en.includes(value), `${value} is not supported`);
        // The API server prints every enum value in schema order; the expected text is a prefix of that list.
        const printed = en.map((v) => JSON.stringify(v)).join(', ');
        assert.ok(printed.includes(list), `${printed} contains ${list}`);
      } else {
        assert.ok(allMessages(root).includes(c.error), `a CEL rule of ${kind} ${version} says ${JSON.stringify(c.error)}`);
      }
    });
  }
});
