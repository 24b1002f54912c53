import type { FieldReader } from '../field-reader.js';

/** Core v1 ConfigMap: aigw run reads it for MCPRoute `localJWKS.valueRef` (key `jwks`). */
export interface ConfigMapData {
  data: Record<string, string>;
}

export function readConfigMap(root: FieldReader): ConfigMapData {
  const data: Record<string, string> = {};
  const dataReader = root.object('data');
  if (dataReader) {
    for (const key of Object.keys(dataReader.value)) {
      const value = dataReader.string(key);
      if (value !== undefined) data[key] = value;
    }
  }
  // Binary values are never a JWKS; accepted (the API server does) and unused.
  root.ignore('binaryData');
  root.ignore('immutable');
  return { data };
}
