#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
//
// Prepares admission at build time, so no aigw command pays for it at run time: each bundled CRD
// (crds/*.yaml, crds/external/*.yaml) is written to dist/compiler/admission/prepared/ as
//   <name>.json            the manifest as JSON without descriptions (YAML parsing of the large
//                          CRDs cost ~1 s per process), with the sha256 of the YAML it came from,
//                          so a CRD edited after the build is read from its YAML instead;
//   <name>.<version>.cjs   ajv's standalone code for that version's schema (compiling the large
//                          schemas cost ~0.5 s), a factory taking the format checks.
// Runs after tsc (it uses dist's own loadCrd and toAjvSchema, so the prepared code is what the
// runtime would compile) from `npm run build` and scripts/build-package.mjs.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { _, Ajv } from 'ajv';
import standaloneCodeModule from 'ajv/dist/standalone/index.js';
import { parseAllDocuments } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist', 'compiler', 'admission');
const { readCrd } = await import(join(dist, 'load-crd.js'));
const { toAjvSchema } = await import(join(dist, 'to-ajv-schema.js'));
const { AJV_OPTIONS, AJV_FORMATS } = await import(join(dist, 'validate-schema.js'));
const standaloneCode = standaloneCodeModule.default ?? standaloneCodeModule;

const out = join(dist, 'prepared');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

/** Drops `description` from schema nodes only (a property may well be named "description"). */
function stripDescriptions(schema) {
  if (schema === null || typeof schema !== 'object') return schema;
  const { description: _unused, ...rest } = schema;
  if (rest.properties) rest.properties = Object.fromEntries(Object.entries(rest.properties).map(([name, sub]) => [name, stripDescriptions(sub)]));
  if (rest.items) rest.items = stripDescriptions(rest.items);
  if (rest.additionalProperties && typeof rest.additionalProperties === 'object') rest.additionalProperties = stripDescriptions(rest.additionalProperties);
  for (const key of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(rest[key])) rest[key] = rest[key].map(stripDescriptions);
  if (rest.not) rest.not = stripDescriptions(rest.not);
  return rest;
}

let files = 0;
let validators = 0;
for (const dir of ['crds', join('crds', 'external')]) {
  for (const name of readdirSync(join(root, dir)).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const path = join(root, dir, name);
    const text = readFileSync(path, 'utf8');
    const manifest = parseAllDocuments(text).map((doc) => doc.toJS()).find((doc) => doc?.kind === 'CustomResourceDefinition');
    if (!manifest) continue;
    for (const version of manifest.spec?.versions ?? []) {
      if (version.schema?.openAPIV3Schema) version.schema.openAPIV3Schema = stripDescriptions(version.schema.openAPIV3Schema);
    }
    const base = name.replace(/\.ya?ml$/, '');
    const sha256 = createHash('sha256').update(text).digest('hex');
    writeFileSync(join(out, `${base}.json`), JSON.stringify({ sha256, crd: manifest }));
    files++;
    // Read back as the runtime reads it, so the prepared code matches its schema node for node.
    const crd = readCrd(manifest, path);
    const written = new Map();
    for (const version of crd.versions) {
      if (version.schema === undefined) continue;
      const ajv = new Ajv({ ...AJV_OPTIONS, formats: AJV_FORMATS, code: { source: true, formats: _`formats` } });
      const code = standaloneCode(ajv, ajv.compile(toAjvSchema(version.schema)));
      const file = `${base}.${version.name}.cjs`;
      // Versions often share one schema (v1alpha1 = v1beta1): the code is shipped once.
      const same = written.get(code);
      if (same) writeFileSync(join(out, file), `"use strict";\nmodule.exports = require("./${same}");\n`);
      // A factory: the format checks are aigw's own functions, handed in when loaded.
      else writeFileSync(join(out, file), `"use strict";\nmodule.exports = function prepared(formats) {\nconst module = { exports: {} };\n${code}\nreturn module.exports;\n};\n`);
      written.set(code, file);
      validators++;
    }
  }
}
// On stderr: scripts/check-package.mjs reads the build's stdout as JSON.
console.error(`gen-admission: ${files} CRDs, ${validators} validators in ${out}`);
