// SPDX-License-Identifier: Apache-2.0

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { isAigwError } from '../../common/errors.js';
import { loadCrd } from './load-crd.js';
import { widgetCrd } from '../../test/support/admission-test-fixtures.js';

describe('loadCrd', () => {
  it('reads names, versions and the schema with its Kubernetes extensions', () => {
    const crd = widgetCrd();
    assert.equal(crd.name, 'widgets.example.com');
    assert.equal(crd.group, 'example.com');
    assert.equal(crd.kind, 'Widget');
    assert.equal(crd.plural, 'widgets');
    assert.equal(crd.listKind, 'WidgetList');
    assert.equal(crd.scope, 'Namespaced');
    assert.deepEqual(
      crd.versions.map((v) => [v.name, v.served, v.storage]),
      [
        ['v1alpha1', true, false],
        ['v1', true, true],
      ],
    );
    const spec = crd.versions[1]?.schema?.properties?.get('spec');
    assert.equal(spec?.validations?.length, 5);
    assert.equal(spec?.validations?.[4]?.reason, 'FieldValueForbidden');
    const items = spec?.properties?.get('items');
    assert.equal(items?.listType, 'map');
    assert.deepEqual(items?.listMapKeys, ['name']);
    assert.equal(spec?.properties?.get('port')?.intOrString, true);
    assert.equal(spec?.properties?.get('interval')?.default, '30s');
    assert.equal(spec?.properties?.get('extra')?.preserveUnknownFields, true);
    const labels = spec?.properties?.get('labels')?.additionalProperties;
    assert.ok(typeof labels === 'object' && labels.maxLength === 5);
  });

  it('skips other documents and finds the CRD', () => {
    const crd = loadCrd(
      `kind: ConfigMap\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: a.b}\nspec:\n  group: b\n  scope: Cluster\n  names: {kind: A, plural: as}\n  versions: [{name: v1, served: true, storage: true}]\n`,
      'x.yaml',
    );
    assert.equal(crd.kind, 'A');
    assert.equal(crd.versions[0]?.schema, undefined);
  });

  it('reports malformed manifests with file and field', () => {
    const bad = (text: string, message: string): void => {
      assert.throws(
        () => loadCrd(text, 'bad.yaml'),
        (e: unknown) => isAigwError(e, 'INTERNAL') && e.message === message,
      );
    };
    bad('kind: Foo\n', 'bad.yaml: no CustomResourceDefinition document found');
    bad('apiVersion: apiextensions.k8s.io/v1beta1\nkind: CustomResourceDefinition\n', 'bad.yaml: apiVersion: unsupported "apiextensions.k8s.io/v1beta1", want apiextensions.k8s.io/v1');
    bad(
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: a}\nspec: {group: b, scope: Cluster, names: {kind: A, plural: as}, versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, properties: {x: {type: str}}}}}]}\n',
      'bad.yaml: spec.versions[0].schema.openAPIV3Schema.properties.x.type: unsupported type "str"',
    );
    bad(
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: a}\nspec: {group: b, scope: Cluster, names: {kind: A, plural: as}, versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: string, maxLength: ten}}}]}\n',
      'bad.yaml: spec.versions[0].schema.openAPIV3Schema.maxLength: must be a number',
    );
  });
});
