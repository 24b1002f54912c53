// SPDX-License-Identifier: Apache-2.0
import { parse } from 'yaml';

/**
 * A value where upstream's template writes it bare (`name: {{ .Name }}`): bare when YAML reads
 * it back as the same string, else double-quoted, so odd env values cannot break the document
 * (upstream would emit invalid YAML or a different type).
 */
export function plain(value: string): string {
  if (value === '' || value !== value.trim() || /[\n\r]/.test(value)) return quoted(value);
  try {
    return parse(value) === value ? value : quoted(value);
  } catch {
    return quoted(value);
  }
}

/** A value where upstream's template writes `"{{ .Value }}"`: a YAML double-quoted string. */
export function quoted(value: string): string {
  return JSON.stringify(value);
}
