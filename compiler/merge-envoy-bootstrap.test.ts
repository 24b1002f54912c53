import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRecord } from '../common/json-guards.js';
import { analyzeSources, compileConfig } from './compile-config.js';
import { formatDiagnostic } from './diagnostic.js';
import { mergeBootstrap, toEnvoyJson } from './merge-envoy-bootstrap.js';

test('bootstrap Merge follows protobuf merge: objects field by field, lists appended, scalars replaced', () => {
  assert.deepEqual(
    mergeBootstrap({ admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } }, list: [1], keep: 'x' }, { admin: { address: { socket_address: { port_value: 9901 } } }, list: [2] }),
    { admin: { address: { socket_address: { address: '127.0.0.1', port_value: 9901 } } }, list: [1, 2], keep: 'x' },
  );
  assert.equal(toEnvoyJson({ a: [Number.POSITIVE_INFINITY] }), undefined);
  assert.deepEqual(toEnvoyJson({ a: [1, 'b', null, true] }), { a: [1, 'b', null, true] });
});

const gateway = (bootstrap: string): string => `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: gw
spec:
  controllerName: gateway.envoyproxy.io/gatewayclass-controller
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
spec:
  gatewayClassName: gw
  listeners:
    - name: http
      protocol: HTTP
      port: 1975
  infrastructure:
    parametersRef:
      group: gateway.envoyproxy.io
      kind: EnvoyProxy
      name: proxy
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: EnvoyProxy
metadata:
  name: proxy
spec:
  bootstrap:
${bootstrap}`;

test('EnvoyProxy bootstrap: Merge (as upstream\u2019s MCP examples pin the admin port); Replace and JSONPatch refused', () => {
  const compiled = compileConfig(gateway('    type: Merge\n    value: |-\n      admin:\n        address:\n          socket_address:\n            address: 127.0.0.1\n            port_value: 9901\n'), {
    file: 'gw.yaml',
    env: {},
    extProcSocketPath: '/run/aigw/extproc.sock',
    systemCaFile: '/etc/ssl/certs/ca.pem',
  });
  const admin = isRecord(compiled.bootstrap) ? compiled.bootstrap.admin : undefined;
  assert.deepEqual(admin, { address: { socket_address: { address: '127.0.0.1', port_value: 9901 } } });
  const problems = (text: string): string[] => analyzeSources([{ file: 'gw.yaml', text }], {}).diagnostics.map(formatDiagnostic);
  assert.ok(problems(gateway('    value: "admin: {}"\n')).some((p) => p.includes('spec.bootstrap: bootstrap type Replace is not supported by aigw run')));
  assert.ok(problems(gateway('    type: JSONPatch\n    jsonPatches: []\n')).some((p) => p.includes('spec.bootstrap.jsonPatches: bootstrap JSON patches are not supported')));
  assert.ok(problems(gateway('    type: Merge\n    value: "- a list"\n')).some((p) => p.includes('spec.bootstrap.value: Invalid value: must be a YAML object')));
});
