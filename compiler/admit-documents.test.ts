// Admission as every command runs it (compiler/admit-documents.ts): unknown fields, CEL rules
// judged once, rejected resources kept from the readers, and the build's prepared schemas.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gatewayConfigYaml } from '../test/support/gateway-config-yaml.js';
import { bundledCrd, plural } from './admission/bundled-crds.js';
import { loadCrd } from './admission/load-crd.js';
import { validateObject } from './admission/validate-object.js';
import { analyzeSources, compileConfig } from './compile-config.js';
import { ConfigError, formatDiagnostic } from './diagnostic.js';

const OPTIONS = { file: 'gw.yaml', extProcSocketPath: '/run/aigw/extproc.sock', systemCaFile: '/etc/ssl/certs/ca.pem', env: {} };
const BASE = gatewayConfigYaml({ port: 1975, upstreamPort: 8080 });

function compileProblems(text: string): string[] {
  try {
    compileConfig(text, OPTIONS);
  } catch (error) {
    if (error instanceof ConfigError) return error.diagnostics.map(formatDiagnostic);
    throw error;
  }
  return [];
}

function analyzeProblems(text: string): string[] {
  return analyzeSources([{ file: 'gw.yaml', text }], {}).diagnostics.map(formatDiagnostic);
}

test('a misspelt field is an error with a "did you mean", the same for compile (run, translate) and analysis (validate)', () => {
  const typo = BASE.replace('      backendRefs:\n', '      backendRef:\n');
  assert.notEqual(typo, BASE);
  const problems = compileProblems(typo);
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0] ?? '', /^gw\.yaml:\d+:7: error: AIGatewayRoute "[^"]+": spec\.rules\[0\]\.backendRef: unknown field "backendRef" \(hint: did you mean "backendRefs"\?\)$/);
  assert.deepEqual(analyzeProblems(typo), problems);
});

test('unknown fields anywhere: a nested one, metadata, and one with no close name lists the known fields', () => {
  const nested = compileProblems(BASE.replace('  schema:\n', '  schemaa:\n'));
  assert.ok(nested.some((p) => /spec\.schemaa: unknown field "schemaa" \(hint: did you mean "schema"\?\)/.test(p)), nested.join('\n'));
  const meta = compileProblems(BASE.replace(/(kind: AIServiceBackend\nmetadata:\n)/, '$1  labelz: {}\n'));
  assert.ok(meta.some((p) => /AIServiceBackend "[^"]+": metadata\.labelz: unknown field "labelz" \(hint: did you mean "labels"\?\)/.test(p)), meta.join('\n'));
  const far = compileProblems(BASE.replace('  schema:\n', '  zzzzzzzz: 1\n  schema:\n'));
  assert.ok(far.some((p) => /spec\.zzzzzzzz: unknown field "zzzzzzzz" \(hint: remove it, or use one of the fields known here: .*schema/.test(p)), far.join('\n'));
  // The reader's generic "not supported" for the same field is not said a second time.
  assert.ok(!far.some((p) => p.includes('zzzzzzzz: field is not supported')), far.join('\n'));
});

test("AIServiceBackend spec.timeouts (written by upstream's own autoconfig) stays a warning, not an unknown-field error", () => {
  const text = BASE.replace('  schema:\n', '  timeouts:\n    request: 3m\n  schema:\n');
  const compiled = compileConfig(text, OPTIONS);
  assert.ok(compiled.warnings.some((w) => w.path === 'spec.timeouts' && w.severity === 'warning'));
  assert.ok(!analyzeProblems(text).some((p) => p.includes('error')));
});

test('bundled schemas are found by kind through the API machinery plural', () => {
  assert.equal(plural('envoyproxy'), 'envoyproxies');
  assert.equal(plural('gatewayclass'), 'gatewayclasses');
  assert.equal(plural('backendsecuritypolicy'), 'backendsecuritypolicies');
  assert.equal(plural('gateway'), 'gateways');
  for (const [apiVersion, kind] of [
    ['aigateway.envoyproxy.io/v1beta1', 'AIGatewayRoute'],
    ['gateway.networking.k8s.io/v1', 'GatewayClass'],
    ['gateway.envoyproxy.io/v1alpha1', 'EnvoyProxy'],
    ['v1', 'Secret'],
  ] as const) {
    assert.equal(bundledCrd(apiVersion, kind)?.kind, kind);
  }
  assert.equal(bundledCrd('example.com/v1', 'Widget'), undefined);
});

test('a CEL rule is judged once, by admission, in the API server words, for every command alike', () => {
  // Two rules with one name break the AIGatewayRoute CRD's "rule name must be unique" rule.
  const rule = '    - matches:\n        - headers:\n            - type: Exact\n              name: x-ai-eg-model\n              value: gpt-4o-mini\n      backendRefs:\n        - name: openai\n';
  const text = BASE.replace(rule, `${rule.replace('    - matches:', '    - name: same\n      matches:')}${rule.replace('    - matches:', '    - name: same\n      matches:')}`);
  assert.notEqual(text, BASE);
  const analyzed = analyzeProblems(text);
  assert.deepEqual(analyzed, [
    'gw.yaml:68:3: error: AIGatewayRoute.aigateway.envoyproxy.io "aigw-run" is invalid: spec.rules: Invalid value: "array": rule name must be unique within the route',
  ]);
  assert.deepEqual(compileProblems(text), analyzed);
});

test('the readers never see a resource admission rejected', () => {
  const text = BASE.replace('  schema:\n    name: OpenAI\n', '  schema:\n    name: NoSuchSchema\n');
  assert.notEqual(text, BASE);
  const problems = analyzeProblems(text);
  assert.ok(problems.some((p) => /AIServiceBackend\.aigateway\.envoyproxy\.io "[^"]+" is invalid: spec\.schema\.name: Unsupported value: "NoSuchSchema"/.test(p)), problems.join('\n'));
  assert.ok(!problems.some((p) => /error: AIServiceBackend "/.test(p)), `a reader reported on a rejected resource:\n${problems.join('\n')}`);
});

test('what the build prepared (JSON CRDs, ajv code) reads and judges as the YAML does', () => {
  const kinds: [string, string][] = [
    ['aigateway.envoyproxy.io/v1beta1', 'AIGatewayRoute'],
    ['aigateway.envoyproxy.io/v1beta1', 'BackendSecurityPolicy'],
    ['aigateway.envoyproxy.io/v1beta1', 'MCPRoute'],
    ['gateway.networking.k8s.io/v1', 'Gateway'],
    ['v1', 'Secret'],
  ];
  for (const [apiVersion, kind] of kinds) {
    const prepared = bundledCrd(apiVersion, kind);
    assert.ok(prepared, kind);
    const fromYaml = loadCrd(readFileSync(prepared.file, 'utf8'), prepared.file);
    assert.deepEqual(prepared, fromYaml, `${kind}: the prepared JSON reads differently from the YAML`);
    // Same object, judged by the prepared validator (bundledCrd) and by one compiled now (fromYaml).
    const broken = { apiVersion, kind, metadata: { name: 'Not_A_Name' }, spec: { rules: 'x', type: 7, listeners: [{}], parentRefs: [{ kind: 1 }] }, data: { 'bad key': 1 } };
    assert.deepEqual(validateObject(prepared, broken).errors, validateObject(fromYaml, broken).errors, kind);
  }
});
