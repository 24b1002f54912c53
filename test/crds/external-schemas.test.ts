/**
 * The CRD-shaped schemas in crds/external/ for the non-AI kinds aigw reads (Gateway API, Envoy
 * Gateway, core Secret/ConfigMap): each loads with the admission engine's loadCrd, every object of
 * those kinds in the upstream example manifests validates cleanly (no errors, no unknown fields),
 * and typical mistakes are rejected with the API server's wording.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { missingFixtures, UPSTREAM_DIR, upstreamPath } from '../support/upstream-fixtures.js';

import { CrdRegistry } from '../../compiler/admission/crd-registry.js';
import type { CrdModel } from '../../compiler/admission/crd-model.js';
import { loadCrd } from '../../compiler/admission/load-crd.js';
import { validateObject, type AdmissionResult } from '../../compiler/admission/validate-object.js';

const EXTERNAL_DIR = new URL('../../../crds/external/', import.meta.url).pathname;
const FIXTURE_DIRS = ['examples', 'autoconfig'].map((d) => upstreamPath(d));
const FIXTURES_MISSING = missingFixtures(...FIXTURE_DIRS);

type Obj = Record<string, unknown>;

interface Expected {
  file: string;
  group: string;
  kind: string;
  versions: string[];
  scope: 'Namespaced' | 'Cluster';
}

const EXPECTED: Expected[] = [
  { file: 'gateway.networking.k8s.io_gatewayclasses.yaml', group: 'gateway.networking.k8s.io', kind: 'GatewayClass', versions: ['v1', 'v1beta1'], scope: 'Cluster' },
  { file: 'gateway.networking.k8s.io_gateways.yaml', group: 'gateway.networking.k8s.io', kind: 'Gateway', versions: ['v1', 'v1beta1'], scope: 'Namespaced' },
  { file: 'gateway.networking.k8s.io_backendtlspolicies.yaml', group: 'gateway.networking.k8s.io', kind: 'BackendTLSPolicy', versions: ['v1', 'v1alpha3'], scope: 'Namespaced' },
  { file: 'gateway.networking.k8s.io_httproutes.yaml', group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', versions: ['v1'], scope: 'Namespaced' },
  { file: 'gateway.envoyproxy.io_backends.yaml', group: 'gateway.envoyproxy.io', kind: 'Backend', versions: ['v1alpha1'], scope: 'Namespaced' },
  { file: 'gateway.envoyproxy.io_envoyproxies.yaml', group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', versions: ['v1alpha1'], scope: 'Namespaced' },
  { file: 'gateway.envoyproxy.io_clienttrafficpolicies.yaml', group: 'gateway.envoyproxy.io', kind: 'ClientTrafficPolicy', versions: ['v1alpha1'], scope: 'Namespaced' },
  { file: 'gateway.envoyproxy.io_backendtrafficpolicies.yaml', group: 'gateway.envoyproxy.io', kind: 'BackendTrafficPolicy', versions: ['v1alpha1'], scope: 'Namespaced' },
  { file: 'core_secrets.yaml', group: '', kind: 'Secret', versions: ['v1'], scope: 'Namespaced' },
  { file: 'core_configmaps.yaml', group: '', kind: 'ConfigMap', versions: ['v1'], scope: 'Namespaced' },
];

const registry = CrdRegistry.fromDirectory(EXTERNAL_DIR);

function crdFor(apiVersion: string, kind: string): CrdModel {
  const crd = registry.lookup(apiVersion, kind);
  assert.ok(crd, `no schema for ${apiVersion} ${kind}`);
  return crd;
}

function validate(object: Obj): AdmissionResult {
  return validateObject(crdFor(String(object['apiVersion']), String(object['kind'])), object);
}

function messages(object: Obj): string[] {
  return validate(object).errors.map((e) => e.message);
}

function assertValid(object: Obj): AdmissionResult {
  const result = validate(object);
  assert.deepEqual(result.errors.map((e) => e.message), [], 'no errors');
  assert.equal(result.valid, true);
  return result;
}

/** Asserts that `expected` is among the error messages. */
function assertRejects(object: Obj, expected: string): void {
  const got = messages(object);
  assert.ok(got.includes(expected), `expected ${JSON.stringify(expected)} among ${JSON.stringify(got, null, 2)}`);
}

const clone = <T>(x: T): T => structuredClone(x);

// ---------- valid base objects ----------

const GATEWAY_CLASS: Obj = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'GatewayClass',
  metadata: { name: 'envoy-ai-gateway' },
  spec: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' },
};

const GATEWAY: Obj = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'aigw-run', namespace: 'default' },
  spec: {
    gatewayClassName: 'aigw-run',
    listeners: [{ name: 'http', protocol: 'HTTP', port: 1975 }],
    infrastructure: { parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'envoy-ai-gateway' } },
  },
};

const BACKEND_TLS_POLICY: Obj = {
  apiVersion: 'gateway.networking.k8s.io/v1alpha3',
  kind: 'BackendTLSPolicy',
  metadata: { name: 'openai-tls' },
  spec: {
    targetRefs: [{ group: 'gateway.envoyproxy.io', kind: 'Backend', name: 'openai' }],
    validation: { wellKnownCACertificates: 'System', hostname: 'api.openai.com' },
  },
};

const BACKEND: Obj = {
  apiVersion: 'gateway.envoyproxy.io/v1alpha1',
  kind: 'Backend',
  metadata: { name: 'openai' },
  spec: { endpoints: [{ fqdn: { hostname: 'api.openai.com', port: 443 } }] },
};

const CLIENT_TRAFFIC_POLICY: Obj = {
  apiVersion: 'gateway.envoyproxy.io/v1alpha1',
  kind: 'ClientTrafficPolicy',
  metadata: { name: 'client-buffer-limit' },
  spec: {
    targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'aigw-run' }],
    connection: { bufferLimit: '50Mi' },
  },
};

const BACKEND_TRAFFIC_POLICY: Obj = {
  apiVersion: 'gateway.envoyproxy.io/v1alpha1',
  kind: 'BackendTrafficPolicy',
  metadata: { name: 'provider-fallback' },
  spec: {
    targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'provider-fallback' }],
    retry: {
      numAttemptsPerPriority: 1,
      numRetries: 5,
      perRetry: { backOff: { baseInterval: '100ms', maxInterval: '10s' }, timeout: '30s' },
      retryOn: { httpStatusCodes: [500], triggers: ['connect-failure', 'retriable-status-codes'] },
    },
  },
};

const RATE_LIMIT_POLICY: Obj = {
  apiVersion: 'gateway.envoyproxy.io/v1alpha1',
  kind: 'BackendTrafficPolicy',
  metadata: { name: 'token-ratelimit' },
  spec: {
    targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }],
    rateLimit: {
      type: 'Global',
      global: {
        rules: [
          {
            clientSelectors: [{ headers: [{ name: 'x-tenant-id', type: 'Distinct' }] }],
            limit: { requests: 1000, unit: 'Hour' },
            cost: {
              request: { from: 'Number', number: 0 },
              response: { from: 'Metadata', metadata: { namespace: 'io.envoy.ai_gateway', key: 'llm_total_token' } },
            },
          },
        ],
      },
    },
  },
};

const ENVOY_PROXY: Obj = {
  apiVersion: 'gateway.envoyproxy.io/v1alpha1',
  kind: 'EnvoyProxy',
  metadata: { name: 'envoy-ai-gateway' },
  spec: {
    logging: { level: { default: 'error', ext_proc: 'info' } },
    telemetry: {
      accessLog: {
        settings: [
          {
            matches: ["request.headers['x-ai-eg-model'] != ''"],
            sinks: [{ type: 'File', file: { path: '/dev/stdout' } }],
            format: { type: 'JSON', json: { model: '%REQ(X-AI-EG-MODEL)%' } },
          },
        ],
      },
    },
  },
};

const SECRET: Obj = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'openai-apikey', namespace: 'default' },
  type: 'Opaque',
  stringData: { apiKey: 'sk-test' },
};

const CONFIG_MAP: Obj = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'plugins-config' },
  data: { 'config.yaml': 'a: 1' },
};

const HTTP_ROUTE: Obj = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'route' },
  spec: {
    parentRefs: [{ name: 'gw' }],
    rules: [{ backendRefs: [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'pool' }], timeouts: { request: '60s' } }],
  },
};

// ---------- loading ----------

describe('crds/external: loading', () => {
  test('holds exactly the expected files', () => {
    const files = readdirSync(EXTERNAL_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
    assert.deepEqual(files, EXPECTED.map((e) => e.file).sort());
  });

  for (const exp of EXPECTED) {
    test(`${exp.file} loads as ${exp.kind}`, () => {
      const crd = loadCrd(readFileSync(join(EXTERNAL_DIR, exp.file), 'utf8'), exp.file);
      assert.equal(crd.group, exp.group);
      assert.equal(crd.kind, exp.kind);
      assert.equal(crd.scope, exp.scope);
      assert.deepEqual(crd.versions.map((v) => v.name), exp.versions);
      assert.equal(crd.versions.filter((v) => v.storage).length, 1, 'exactly one storage version');
      for (const v of crd.versions) {
        assert.equal(v.served, true);
        const root = v.schema;
        assert.ok(root, `${v.name} has a schema`);
        for (const field of ['apiVersion', 'kind', 'metadata']) assert.ok(root.properties?.has(field), `${v.name} declares ${field}`);
      }
    });
  }

  test('the registry resolves every modelled apiVersion', () => {
    for (const [apiVersion, kind] of [
      ['gateway.networking.k8s.io/v1', 'GatewayClass'],
      ['gateway.networking.k8s.io/v1beta1', 'Gateway'],
      ['gateway.networking.k8s.io/v1alpha3', 'BackendTLSPolicy'],
      ['gateway.envoyproxy.io/v1alpha1', 'EnvoyProxy'],
      ['v1', 'Secret'],
      ['v1', 'ConfigMap'],
    ] as const) {
      assert.ok(registry.lookup(apiVersion, kind), `${apiVersion} ${kind}`);
    }
  });

  test('core kinds: validateObject accepts apiVersion "v1" as is', () => {
    const result = validateObject(crdFor('v1', 'Secret'), SECRET);
    assert.deepEqual(result.errors.map((e) => e.message), []);
  });
});

// ---------- the upstream examples ----------

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yamlFiles(path, out);
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

describe('crds/external: upstream example manifests', { skip: FIXTURES_MISSING }, () => {
  const objects: { where: string; object: Obj }[] = [];
  if (FIXTURES_MISSING === false) {
    for (const file of FIXTURE_DIRS.flatMap((d) => yamlFiles(d))) {
      parseAllDocuments(readFileSync(file, 'utf8')).forEach((doc, i) => {
        const object: unknown = doc.toJS();
        if (typeof object !== 'object' || object === null || Array.isArray(object)) return;
        const o = object as Obj;
        if (typeof o['apiVersion'] !== 'string' || typeof o['kind'] !== 'string') return;
        if (!registry.lookup(o['apiVersion'], o['kind'])) return;
        objects.push({ where: `${relative(UPSTREAM_DIR, file)}#${i}`, object: o });
      });
    }
  }

  test('the examples contain objects of every kind the examples use', () => {
    const kinds = new Set(objects.map((o) => String(o.object['kind'])));
    for (const kind of ['GatewayClass', 'Gateway', 'BackendTLSPolicy', 'HTTPRoute', 'Backend', 'EnvoyProxy', 'ClientTrafficPolicy', 'BackendTrafficPolicy', 'Secret', 'ConfigMap']) {
      assert.ok(kinds.has(kind), kind);
    }
    assert.ok(objects.length > 150, `found ${objects.length}`);
  });

  for (const { where, object } of objects) {
    const name = (object['metadata'] as Obj | undefined)?.['name'];
    test(`${where}: ${String(object['kind'])} ${String(name)} is valid`, () => {
      const result = assertValid(object);
      assert.deepEqual(result.warnings, [], 'no unknown fields');
    });
  }
});

// ---------- rejections, in the API server's words ----------

describe('GatewayClass', () => {
  test('valid', () => {
    assertValid(GATEWAY_CLASS);
  });
  test('controllerName must be a domain-prefixed path', () => {
    const o = clone(GATEWAY_CLASS);
    (o['spec'] as Obj)['controllerName'] = 'envoy-gateway';
    assertRejects(
      o,
      `spec.controllerName: Invalid value: "envoy-gateway": spec.controllerName in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$'`,
    );
  });
  test('controllerName is required', () => {
    assertRejects({ ...GATEWAY_CLASS, spec: {} }, 'spec.controllerName: Required value');
  });
  test('v1beta1 is served with the same schema', () => {
    assertValid({ ...GATEWAY_CLASS, apiVersion: 'gateway.networking.k8s.io/v1beta1' });
    assertRejects({ ...GATEWAY_CLASS, apiVersion: 'gateway.networking.k8s.io/v1beta1', spec: { controllerName: 'x/y', description: 'd'.repeat(65) } }, 'spec.description: Too long: may not be longer than 64');
  });
});

describe('Gateway', () => {
  const withListener = (patch: Obj): Obj => {
    const o = clone(GATEWAY);
    const spec = o['spec'] as Obj;
    spec['listeners'] = [{ name: 'http', protocol: 'HTTP', port: 1975, ...patch }];
    return o;
  };

  test('valid, and allowedRoutes is defaulted', () => {
    const result = assertValid(GATEWAY);
    const listener = ((result.defaulted as Obj)['spec'] as Obj)['listeners'] as Obj[];
    assert.deepEqual(listener[0]?.['allowedRoutes'], { namespaces: { from: 'Same' } });
  });
  test('listener port above 65535', () => {
    assertRejects(withListener({ port: 70000 }), 'spec.listeners[0].port: Invalid value: 70000: spec.listeners[0].port in body should be less than or equal to 65535');
  });
  test('listener port 0', () => {
    assertRejects(withListener({ port: 0 }), 'spec.listeners[0].port: Invalid value: 0: spec.listeners[0].port in body should be greater than or equal to 1');
  });
  test('listener port as a string', () => {
    assertRejects(withListener({ port: '1975' }), 'spec.listeners[0].port: Invalid value: "string": spec.listeners[0].port in body must be of type integer: "string"');
  });
  test('protocol is an open string upstream: an unknown protocol name is accepted', () => {
    // ProtocolType has a pattern, not an enum: the API server admits "FOO" and the controller
    // reports it in the listener status. aigw's compiler rejects non-HTTP listeners itself.
    assertValid(withListener({ protocol: 'FOO' }));
  });
  test('protocol that breaks the pattern', () => {
    assertRejects(
      withListener({ protocol: 'HTTP 1.1' }),
      `spec.listeners[0].protocol: Invalid value: "HTTP 1.1": spec.listeners[0].protocol in body should match '^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9]+$'`,
    );
  });
  test('listener name must be a DNS subdomain', () => {
    assertRejects(
      withListener({ name: 'HTTP_1' }),
      `spec.listeners[0].name: Invalid value: "HTTP_1": spec.listeners[0].name in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'`,
    );
  });
  test('listener without protocol', () => {
    const o = clone(GATEWAY);
    (o['spec'] as Obj)['listeners'] = [{ name: 'http', port: 80 }];
    assertRejects(o, 'spec.listeners[0].protocol: Required value');
  });
  test('listeners and gatewayClassName are required', () => {
    const got = messages({ ...GATEWAY, spec: {} });
    assert.ok(got.includes('spec.gatewayClassName: Required value'), JSON.stringify(got));
    assert.ok(got.includes('spec.listeners: Required value'), JSON.stringify(got));
  });
  test('a typo is an unknown field, and the real field is then missing', () => {
    const o = clone(GATEWAY);
    const spec = o['spec'] as Obj;
    spec['listners'] = spec['listeners'];
    delete spec['listeners'];
    const result = validate(o);
    assert.deepEqual(result.warnings, ['unknown field "spec.listners"']);
    assert.ok(result.errors.some((e) => e.message === 'spec.listeners: Required value'));
  });
  test('duplicate listener names', () => {
    const o = clone(GATEWAY);
    (o['spec'] as Obj)['listeners'] = [
      { name: 'http', protocol: 'HTTP', port: 80 },
      { name: 'http', protocol: 'HTTP', port: 8080 },
    ];
    const got = messages(o);
    assert.ok(got.includes('spec.listeners[1]: Duplicate value: map[string]interface {}{"name":"http"}'), JSON.stringify(got));
    assert.ok(got.includes('spec.listeners: Invalid value: "array": Listener name must be unique within the Gateway'), JSON.stringify(got));
  });
  test('port, protocol and hostname must be unique', () => {
    const o = clone(GATEWAY);
    (o['spec'] as Obj)['listeners'] = [
      { name: 'a', protocol: 'HTTP', port: 80 },
      { name: 'b', protocol: 'HTTP', port: 80 },
    ];
    assertRejects(o, 'spec.listeners: Invalid value: "array": Combination of port, protocol and hostname must be unique for each listener');
  });
  test('tls on an HTTP listener', () => {
    assertRejects(
      withListener({ tls: { certificateRefs: [{ name: 'cert' }] } }),
      "spec.listeners: Invalid value: \"array\": tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
    );
  });
  test('allowedRoutes.namespaces.from is an enum', () => {
    assertRejects(
      withListener({ allowedRoutes: { namespaces: { from: 'Any' } } }),
      'spec.listeners[0].allowedRoutes.namespaces.from: Unsupported value: "Any": supported values: "All", "Selector", "Same"',
    );
  });
  test('infrastructure.parametersRef needs group, kind and name', () => {
    const o = clone(GATEWAY);
    (o['spec'] as Obj)['infrastructure'] = { parametersRef: { kind: 'EnvoyProxy', name: 'p' } };
    assertRejects(o, 'spec.infrastructure.parametersRef.group: Required value');
  });
  test('an IPAddress address must be an IP', () => {
    const o = clone(GATEWAY);
    (o['spec'] as Obj)['addresses'] = [{ type: 'IPAddress', value: 'not-an-ip' }];
    assertRejects(o, 'spec.addresses[0]: Invalid value: "": "spec.addresses[0]" must validate one and only one schema (oneOf). Found none valid');
  });
});

describe('BackendTLSPolicy', () => {
  test('valid (v1alpha3 and v1)', () => {
    assertValid(BACKEND_TLS_POLICY);
    assertValid({ ...BACKEND_TLS_POLICY, apiVersion: 'gateway.networking.k8s.io/v1' });
  });
  test('hostname is required', () => {
    const o = clone(BACKEND_TLS_POLICY);
    (o['spec'] as Obj)['validation'] = { wellKnownCACertificates: 'System' };
    assertRejects(o, 'spec.validation.hostname: Required value');
  });
  test('a CA source is required', () => {
    const o = clone(BACKEND_TLS_POLICY);
    (o['spec'] as Obj)['validation'] = { hostname: 'api.openai.com' };
    assertRejects(o, 'spec.validation: Invalid value: "object": must specify either CACertificateRefs or WellKnownCACertificates');
  });
  test('not both CA sources', () => {
    const o = clone(BACKEND_TLS_POLICY);
    (o['spec'] as Obj)['validation'] = { hostname: 'a.b', wellKnownCACertificates: 'System', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] };
    assertRejects(o, 'spec.validation: Invalid value: "object": must not contain both CACertificateRefs and WellKnownCACertificates');
  });
  test('wellKnownCACertificates must be System or a prefixed name', () => {
    const o = clone(BACKEND_TLS_POLICY);
    ((o['spec'] as Obj)['validation'] as Obj)['wellKnownCACertificates'] = 'system';
    assertRejects(
      o,
      `spec.validation.wellKnownCACertificates: Invalid value: "system": spec.validation.wellKnownCACertificates in body should match '^(System|([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]))$'`,
    );
  });
  test('targetRefs needs at least one entry, each with group', () => {
    const o = clone(BACKEND_TLS_POLICY);
    (o['spec'] as Obj)['targetRefs'] = [];
    assertRejects(o, 'spec.targetRefs: Invalid value: 0: spec.targetRefs in body should have at least 1 items');
    (o['spec'] as Obj)['targetRefs'] = [{ kind: 'Backend', name: 'x' }];
    assertRejects(o, 'spec.targetRefs[0].group: Required value');
  });
  test('subjectAltNames of type Hostname need hostname', () => {
    const o = clone(BACKEND_TLS_POLICY);
    ((o['spec'] as Obj)['validation'] as Obj)['subjectAltNames'] = [{ type: 'Hostname' }];
    assertRejects(o, 'spec.validation.subjectAltNames[0]: Invalid value: "object": SubjectAltName element must contain Hostname, if Type is set to Hostname');
  });
});

describe('Backend', () => {
  const withEndpoints = (endpoints: unknown[]): Obj => ({ ...clone(BACKEND), spec: { endpoints } });

  test('valid: fqdn, ip and unix endpoints', () => {
    assertValid(BACKEND);
    assertValid(withEndpoints([{ ip: { address: '127.0.0.1', port: 11434 } }, { ip: { address: '2001:db8:0:0:0:0:0:1', port: 8080 } }]));
    assertValid(withEndpoints([{ unix: { path: '/var/run/sock' } }]));
  });
  test('an endpoint with both fqdn and ip', () => {
    assertRejects(
      withEndpoints([{ fqdn: { hostname: 'a.b', port: 443 }, ip: { address: '1.2.3.4', port: 443 } }]),
      'spec.endpoints[0]: Invalid value: "object": only one of fqdn, ip or unix can be specified',
    );
  });
  test('an endpoint with none of them', () => {
    assertRejects(withEndpoints([{ zone: 'a' }]), 'spec.endpoints[0]: Invalid value: "object": one of fqdn, ip or unix must be specified');
  });
  test('fqdn endpoints mixed with ip endpoints', () => {
    assertRejects(
      withEndpoints([{ fqdn: { hostname: 'a.b', port: 443 } }, { ip: { address: '1.2.3.4', port: 443 } }]),
      'spec.endpoints: Invalid value: "array": fqdn addresses cannot be mixed with other address types',
    );
  });
  test('upstream\'s IPv6 pattern does not admit every compressed form', () => {
    // The real pattern rejects "::1" but accepts "fe80::1" and full forms: reproduced as is.
    assert.equal(validate(withEndpoints([{ ip: { address: '::1', port: 80 } }])).valid, false);
    assertValid(withEndpoints([{ ip: { address: 'fe80::1', port: 80 } }]));
  });
  test('an ip that is not an IP address', () => {
    assertRejects(
      withEndpoints([{ ip: { address: 'localhost', port: 80 } }]),
      `spec.endpoints[0].ip.address: Invalid value: "localhost": spec.endpoints[0].ip.address in body should match '^((25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)$|^(([0-9a-fA-F]{1,4}:){1,7}[0-9a-fA-F]{1,4}|::|(([0-9a-fA-F]{1,4}:){0,5})?(:[0-9a-fA-F]{1,4}){1,2})$'`,
    );
  });
  test('an upper-case or schemed hostname', () => {
    assertRejects(
      withEndpoints([{ fqdn: { hostname: 'https://api.openai.com', port: 443 } }]),
      `spec.endpoints[0].fqdn.hostname: Invalid value: "https://api.openai.com": spec.endpoints[0].fqdn.hostname in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'`,
    );
  });
  test('fqdn without port, port out of range', () => {
    assertRejects(withEndpoints([{ fqdn: { hostname: 'a.b' } }]), 'spec.endpoints[0].fqdn.port: Required value');
    assertRejects(withEndpoints([{ fqdn: { hostname: 'a.b', port: 65536 } }]), 'spec.endpoints[0].fqdn.port: Invalid value: 65536: spec.endpoints[0].fqdn.port in body should be less than or equal to 65535');
  });
  test('a unix socket path longer than 108 characters', () => {
    assertRejects(withEndpoints([{ unix: { path: `/${'a'.repeat(108)}` } }]), 'spec.endpoints[0].unix.path: Invalid value: "string": unix domain socket path must not exceed 108 characters');
  });
  test('more than 64 endpoints', () => {
    const many = Array.from({ length: 65 }, (_, i) => ({ ip: { address: `10.0.0.${i}`, port: 80 } }));
    assertRejects(withEndpoints(many), 'spec.endpoints: Too many: 65: must have at most 64 items');
  });
  test('appProtocols is an enum', () => {
    assertRejects(
      { ...clone(BACKEND), spec: { ...(clone(BACKEND)['spec'] as Obj), appProtocols: ['h2c'] } },
      'spec.appProtocols[0]: Unsupported value: "h2c": supported values: "gateway.envoyproxy.io/h2c", "gateway.envoyproxy.io/ws", "gateway.envoyproxy.io/wss"',
    );
  });
  test('tls: wellKnownCACertificates is an enum; insecureSkipVerify excludes CAs', () => {
    const spec = clone(BACKEND)['spec'] as Obj;
    assertRejects({ ...clone(BACKEND), spec: { ...spec, tls: { wellKnownCACertificates: 'system' } } }, 'spec.tls.wellKnownCACertificates: Unsupported value: "system": supported values: "System"');
    assertRejects(
      { ...clone(BACKEND), spec: { ...spec, tls: { wellKnownCACertificates: 'System', insecureSkipVerify: true } } },
      'spec.tls: Invalid value: "object": must not contain either CACertificateRefs or WellKnownCACertificates when InsecureSkipVerify is enabled',
    );
  });
  test('DynamicResolver backends have no endpoints', () => {
    assertRejects({ ...clone(BACKEND), spec: { ...(clone(BACKEND)['spec'] as Obj), type: 'DynamicResolver' } }, 'spec: Invalid value: "object": DynamicResolver type cannot have endpoints specified');
  });
});

describe('ClientTrafficPolicy', () => {
  const withSpec = (patch: Obj): Obj => ({ ...clone(CLIENT_TRAFFIC_POLICY), spec: { ...(clone(CLIENT_TRAFFIC_POLICY)['spec'] as Obj), ...patch } });

  test('valid, bufferLimit as a quantity string or an integer', () => {
    assertValid(CLIENT_TRAFFIC_POLICY);
    assertValid(withSpec({ connection: { bufferLimit: 1048576 } }));
  });
  test('bufferLimit that is not a quantity', () => {
    assertRejects(
      withSpec({ connection: { bufferLimit: '50MB' } }),
      `spec.connection.bufferLimit: Invalid value: "50MB": spec.connection.bufferLimit in body should match '^[1-9]+[0-9]*([EPTGMK]i|[EPTGMk])?$'`,
    );
  });
  test('bufferLimit of the wrong type', () => {
    assertRejects(withSpec({ connection: { bufferLimit: true } }), 'spec.connection.bufferLimit: Invalid value: "boolean": spec.connection.bufferLimit in body must be of type integer,string: "boolean"');
  });
  test('only Gateways can be targeted', () => {
    assertRejects(
      withSpec({ targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' }] }),
      'spec: Invalid value: "object": this policy can only have a targetRefs[*].kind of Gateway',
    );
  });
  test('a target is required', () => {
    const o = clone(CLIENT_TRAFFIC_POLICY);
    delete (o['spec'] as Obj)['targetRefs'];
    assertRejects(o, 'spec: Invalid value: "object": either targetRef or targetRefs must be used');
  });
  test('target group must be Gateway API', () => {
    assertRejects(
      withSpec({ targetRefs: [{ group: 'gateway.envoyproxy.io', kind: 'Gateway', name: 'g' }] }),
      'spec: Invalid value: "object": this policy can only have a targetRefs[*].group of gateway.networking.k8s.io',
    );
  });
  test('unmodelled fields are accepted, not reported as unknown', () => {
    const result = assertValid(withSpec({ timeout: { http: { idleTimeout: '5s' } }, http2: { maxConcurrentStreams: 100 } }));
    assert.deepEqual(result.warnings, []);
  });
});

describe('BackendTrafficPolicy', () => {
  const withRetry = (patch: Obj): Obj => {
    const o = clone(BACKEND_TRAFFIC_POLICY);
    const spec = o['spec'] as Obj;
    spec['retry'] = { ...(spec['retry'] as Obj), ...patch };
    return o;
  };

  test('valid: retry and rate limit', () => {
    assertValid(BACKEND_TRAFFIC_POLICY);
    assertValid(RATE_LIMIT_POLICY);
  });
  test('an unknown retry trigger', () => {
    assertRejects(
      withRetry({ retryOn: { triggers: ['connection-failure'] } }),
      'spec.retry.retryOn.triggers[0]: Unsupported value: "connection-failure": supported values: "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "retriable-4xx", "refused-stream", "retriable-status-codes", "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"',
    );
  });
  test('negative numRetries', () => {
    assertRejects(withRetry({ numRetries: -1 }), 'spec.retry.numRetries: Invalid value: -1: spec.retry.numRetries in body should be greater than or equal to 0');
  });
  test('numRetries defaults to 2', () => {
    const o = withRetry({});
    delete ((o['spec'] as Obj)['retry'] as Obj)['numRetries'];
    const result = assertValid(o);
    assert.equal((((result.defaulted as Obj)['spec'] as Obj)['retry'] as Obj)['numRetries'], 2);
  });
  test('a duration with a space or an unsupported unit', () => {
    assertRejects(
      withRetry({ perRetry: { timeout: '30 s' } }),
      "spec.retry.perRetry.timeout: Invalid value: \"30 s\": spec.retry.perRetry.timeout in body should match '^([0-9]{1,5}(h|m|s|ms)){1,4}$'",
    );
    assertRejects(
      withRetry({ perRetry: { backOff: { baseInterval: '1d' } } }),
      "spec.retry.perRetry.backOff.baseInterval: Invalid value: \"1d\": spec.retry.perRetry.backOff.baseInterval in body should match '^([0-9]{1,5}(h|m|s|ms)){1,4}$'",
    );
  });
  test('an HTTP status code out of range', () => {
    assertRejects(withRetry({ retryOn: { httpStatusCodes: [50] } }), 'spec.retry.retryOn.httpStatusCodes[0]: Invalid value: 50: spec.retry.retryOn.httpStatusCodes[0] in body should be greater than or equal to 100');
  });
  test('rate limit unit is an enum', () => {
    const o = clone(RATE_LIMIT_POLICY);
    const rule = (((((o['spec'] as Obj)['rateLimit'] as Obj)['global'] as Obj)['rules'] as Obj[])[0]) as Obj;
    rule['limit'] = { requests: 10, unit: 'Hours' };
    assertRejects(o, 'spec.rateLimit.global.rules[0].limit.unit: Unsupported value: "Hours": supported values: "Second", "Minute", "Hour", "Day", "Month", "Year"');
  });
  test('rate limit cost: number or metadata, not both', () => {
    const o = clone(RATE_LIMIT_POLICY);
    const rule = (((((o['spec'] as Obj)['rateLimit'] as Obj)['global'] as Obj)['rules'] as Obj[])[0]) as Obj;
    rule['cost'] = { request: { from: 'Number', number: 1, metadata: { namespace: 'n', key: 'k' } } };
    assertRejects(o, 'spec.rateLimit.global.rules[0].cost.request: Invalid value: "object": only one of number or metadata can be specified');
  });
  test('rate limit header match type is an enum', () => {
    const o = clone(RATE_LIMIT_POLICY);
    const rule = (((((o['spec'] as Obj)['rateLimit'] as Obj)['global'] as Obj)['rules'] as Obj[])[0]) as Obj;
    rule['clientSelectors'] = [{ headers: [{ name: 'x-tenant-id', type: 'Unique' }] }];
    assertRejects(o, 'spec.rateLimit.global.rules[0].clientSelectors[0].headers[0].type: Unsupported value: "Unique": supported values: "Exact", "RegularExpression", "Distinct"');
  });
  test('targets must be Gateway API routes or Gateways', () => {
    const o = clone(BACKEND_TRAFFIC_POLICY);
    (o['spec'] as Obj)['targetRefs'] = [{ group: '', kind: 'Service', name: 's' }];
    const got = messages(o);
    assert.ok(got.includes('spec: Invalid value: "object": this policy can only have a targetRefs[*].group of gateway.networking.k8s.io'), JSON.stringify(got));
    assert.ok(got.includes('spec: Invalid value: "object": this policy can only have a targetRefs[*].kind of Gateway/ListenerSet/HTTPRoute/GRPCRoute/TCPRoute/UDPRoute/TLSRoute'), JSON.stringify(got));
  });
});

describe('EnvoyProxy', () => {
  const withSetting = (setting: Obj): Obj => {
    const o = clone(ENVOY_PROXY);
    (o['spec'] as Obj)['telemetry'] = { accessLog: { settings: [setting] } };
    return o;
  };

  test('valid', () => {
    assertValid(ENVOY_PROXY);
  });
  test('an unknown log level', () => {
    const o = clone(ENVOY_PROXY);
    (o['spec'] as Obj)['logging'] = { level: { default: 'verbose' } };
    assertRejects(o, 'spec.logging.level.default: Unsupported value: "verbose": supported values: "trace", "debug", "info", "warn", "error"');
  });
  test('an unknown sink type', () => {
    assertRejects(
      withSetting({ sinks: [{ type: 'Stdout' }] }),
      'spec.telemetry.accessLog.settings[0].sinks[0].type: Unsupported value: "Stdout": supported values: "ALS", "File", "OpenTelemetry"',
    );
  });
  test('a File sink without file', () => {
    assertRejects(withSetting({ sinks: [{ type: 'File' }] }), 'spec.telemetry.accessLog.settings[0].sinks[0]: Invalid value: "object": If AccessLogSink type is File, file field needs to be set.');
  });
  test('an OpenTelemetry sink without backend', () => {
    assertRejects(
      withSetting({ sinks: [{ type: 'OpenTelemetry', openTelemetry: { backendRefs: [] } }] }),
      'spec.telemetry.accessLog.settings[0].sinks[0].openTelemetry: Invalid value: "object": host or backendRefs needs to be set',
    );
  });
  test('an OpenTelemetry sink pointing at another kind', () => {
    assertRejects(
      withSetting({ sinks: [{ type: 'OpenTelemetry', openTelemetry: { backendRefs: [{ group: 'gateway.envoyproxy.io', kind: 'AIServiceBackend', name: 'otel' }] } }] }),
      'spec.telemetry.accessLog.settings[0].sinks[0].openTelemetry: Invalid value: "object": BackendRefs only support Service and Backend kind.',
    );
  });
  test('a setting without sinks, a file sink with an empty path', () => {
    assertRejects(withSetting({ matches: ['true'] }), 'spec.telemetry.accessLog.settings[0].sinks: Required value');
    assertRejects(
      withSetting({ sinks: [{ type: 'File', file: { path: '' } }] }),
      'spec.telemetry.accessLog.settings[0].sinks[0].file.path: Invalid value: "": spec.telemetry.accessLog.settings[0].sinks[0].file.path in body should be at least 1 chars long',
    );
  });
  test('format type is an enum', () => {
    assertRejects(
      withSetting({ sinks: [{ type: 'File', file: { path: '/dev/stdout' } }], format: { type: 'Json', json: {} } }),
      'spec.telemetry.accessLog.settings[0].format.type: Unsupported value: "Json": supported values: "Text", "JSON"',
    );
  });
  test('provider.kubernetes is accepted as is', () => {
    const o = clone(ENVOY_PROXY);
    (o['spec'] as Obj)['provider'] = { type: 'Kubernetes', kubernetes: { envoyDeployment: { replicas: 2, pod: { labels: { a: 'b' } } } } };
    assert.deepEqual(assertValid(o).warnings, []);
  });
  test('bootstrap type is an enum', () => {
    const o = clone(ENVOY_PROXY);
    (o['spec'] as Obj)['bootstrap'] = { type: 'Patch', value: 'admin: {}' };
    assertRejects(o, 'spec.bootstrap.type: Unsupported value: "Patch": supported values: "Merge", "Replace", "JSONPatch"');
  });
});

describe('HTTPRoute', () => {
  test('valid, and rule matches are defaulted', () => {
    const result = assertValid(HTTP_ROUTE);
    const rules = ((result.defaulted as Obj)['spec'] as Obj)['rules'] as Obj[];
    assert.deepEqual(rules[0]?.['matches'], [{ path: { type: 'PathPrefix', value: '/' } }]);
  });
  test('a Service backendRef needs a port', () => {
    const o = clone(HTTP_ROUTE);
    (o['spec'] as Obj)['rules'] = [{ backendRefs: [{ name: 'svc' }] }];
    assertRejects(o, 'spec.rules[0].backendRefs[0]: Invalid value: "object": Must have port for Service reference');
  });
  test('backendRequest timeout longer than request timeout', () => {
    const o = clone(HTTP_ROUTE);
    (o['spec'] as Obj)['rules'] = [{ timeouts: { request: '10s', backendRequest: '1m' } }];
    assertRejects(o, 'spec.rules[0].timeouts: Invalid value: "object": backendRequest timeout cannot be longer than request timeout');
  });
  test('path match type is an enum', () => {
    const o = clone(HTTP_ROUTE);
    (o['spec'] as Obj)['rules'] = [{ matches: [{ path: { type: 'Prefix', value: '/' } }] }];
    assertRejects(o, 'spec.rules[0].matches[0].path.type: Unsupported value: "Prefix": supported values: "Exact", "PathPrefix", "RegularExpression"');
  });
});

describe('Secret', () => {
  test('valid: stringData, base64 data, a tls Secret', () => {
    assertValid(SECRET);
    assertValid({ ...SECRET, stringData: undefined, data: { apiKey: Buffer.from('sk-test').toString('base64') } });
    assertValid({ ...SECRET, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'c', 'tls.key': 'k' } });
  });
  test('a data value that is not base64', () => {
    // The API server fails earlier, decoding: `Secret in version "v1" cannot be handled as a
    // Secret: illegal base64 data at input byte 2`. The schema reports it on the field instead.
    assertRejects({ ...SECRET, stringData: undefined, data: { apiKey: 'sk-test' } }, 'data.apiKey: Invalid value: "sk-test": data.apiKey in body must be of type byte: "sk-test"');
  });
  test('an invalid key', () => {
    assertRejects(
      { ...SECRET, stringData: { 'api key': 'x' } },
      "stringData: Invalid value: \"object\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    );
  });
  test('a kubernetes.io/tls Secret without tls.key', () => {
    assertRejects({ ...SECRET, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'c' } }, 'data[tls.key]: Required value: kubernetes.io/tls Secrets must have the key tls.key');
  });
  test('type defaults to Opaque; immutable must be a boolean', () => {
    const { type: _type, ...untyped } = SECRET;
    assert.equal((assertValid(untyped).defaulted as Obj)['type'], 'Opaque');
    assertRejects({ ...SECRET, immutable: 'yes' }, 'immutable: Invalid value: "string": immutable in body must be of type boolean: "string"');
  });
  test('stringData values must be strings (null is admitted: the server decodes it as "")', () => {
    assertValid({ ...SECRET, stringData: { apiKey: null } });
    assertRejects({ ...SECRET, stringData: { port: 8080 } }, 'stringData.port: Invalid value: "integer": stringData.port in body must be of type string,null: "integer"');
  });
});

describe('ConfigMap', () => {
  test('valid', () => {
    assertValid(CONFIG_MAP);
    assertValid({ ...CONFIG_MAP, binaryData: { 'logo.png': Buffer.from([1, 2, 3]).toString('base64') } });
  });
  test('a key in both data and binaryData', () => {
    assertRejects({ ...CONFIG_MAP, binaryData: { 'config.yaml': 'AAAA' } }, 'data: Invalid value: "object": duplicate of key present in binaryData');
  });
  test('binaryData that is not base64', () => {
    assertRejects({ ...CONFIG_MAP, binaryData: { blob: 'not base64!' } }, 'binaryData.blob: Invalid value: "not base64!": binaryData.blob in body must be of type byte: "not base64!"');
  });
});
