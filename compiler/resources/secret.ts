import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import type { FieldReader } from '../field-reader.js';

/** Core v1 Secret: `data` (base64) and `stringData` merged, `stringData` winning as in Kubernetes. */
export interface SecretData {
  data: Record<string, string>;
}

const ENV_ANNOTATION = 'substitution.aigw.run/env/';
const FILE_ANNOTATION = 'substitution.aigw.run/file/';

export function readSecret(
  root: FieldReader,
  annotations: Record<string, string>,
  env: Readonly<Record<string, string | undefined>>,
): SecretData {
  const data: Record<string, string> = {};
  const dataReader = root.object('data');
  if (dataReader) {
    for (const key of Object.keys(dataReader.value)) {
      const encoded = dataReader.string(key);
      if (encoded === undefined) continue;
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded.replace(/\s/g, ''))) {
        dataReader.error(key, 'Invalid value: illegal base64 data', 'use stringData for plain text values');
        continue;
      }
      data[key] = Buffer.from(encoded, 'base64').toString('utf8');
    }
  }
  const stringData = root.object('stringData');
  if (stringData) {
    for (const key of Object.keys(stringData.value)) {
      // `key:` with nothing after it (an unset ${VAR}, typically) is an empty value, not a missing key.
      const value = stringData.value[key] === null ? '' : stringData.string(key);
      if (value !== undefined) data[key] = value;
    }
  }
  root.ignore('type');
  root.ignore('immutable');
  // aigw run extension: take a key's value from an environment variable or a file.
  for (const [annotation, source] of Object.entries(annotations)) {
    if (annotation.startsWith(ENV_ANNOTATION)) {
      const value = env[source];
      if (value) data[annotation.slice(ENV_ANNOTATION.length)] = value;
      else root.warn('metadata', `annotation ${annotation}: environment variable ${source} is not set; the key keeps its value`);
    } else if (annotation.startsWith(FILE_ANNOTATION)) {
      const path = source.startsWith('~/') ? `${homedir()}${source.slice(1)}` : source;
      try {
        data[annotation.slice(FILE_ANNOTATION.length)] = readFileSync(path, 'utf8');
      } catch {
        root.warn('metadata', `annotation ${annotation}: cannot read ${path}; the key keeps its value`);
      }
    }
  }
  return { data };
}
