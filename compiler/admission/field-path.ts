// SPDX-License-Identifier: Apache-2.0
//
// field.Path rendering: `spec.rules[0].name`, map keys as `labels[app]`.

export function childPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

export function keyPath(parent: string, key: string): string {
  return `${parent}[${key}]`;
}
