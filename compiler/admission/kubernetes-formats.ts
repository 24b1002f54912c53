// SPDX-License-Identifier: Apache-2.0
//
// The OpenAPI `format`s the API server checks for CRDs (kube-openapi's strfmt registry). Other
// formats are accepted without checking, as Kubernetes does.

import { isIP } from 'node:net';

const DURATION = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)\s*(?:ns|us|µs|ms|s|m|h|d|w)(?:\s*(?:\d+(?:\.\d*)?|\.\d+)\s*(?:ns|us|µs|ms|s|m|h|d|w))*$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const HOSTNAME = /^(?=.{1,255}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAC = /^(?:[0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;
const BYTE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX_COLOR = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const RGB_COLOR = /^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$/;

function validDateParts(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (m === null) return false;
  const month = Number(m[2]);
  const day = Number(m[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

function isCidr(s: string): boolean {
  const slash = s.lastIndexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  const version = isIP(ip);
  if (version === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (version === 4 ? 32 : 128);
}

function isUri(s: string): boolean {
  try {
    new URL(s);
    return true;
  } catch {
    return s.startsWith('/') && !/\s/.test(s);
  }
}

/** format name → check; checks only run on strings. */
export const KUBERNETES_FORMATS: ReadonlyMap<string, (s: string) => boolean> = new Map<string, (s: string) => boolean>([
  ['date-time', (s) => DATE_TIME.test(s) && validDateParts(s)],
  ['datetime', (s) => DATE_TIME.test(s) && validDateParts(s)],
  ['date', (s) => DATE.test(s) && validDateParts(s)],
  ['duration', (s) => DURATION.test(s)],
  ['uuid', (s) => UUID.test(s)],
  ['uuid3', (s) => UUID.test(s)],
  ['uuid4', (s) => UUID.test(s)],
  ['uuid5', (s) => UUID.test(s)],
  ['hostname', (s) => HOSTNAME.test(s)],
  ['email', (s) => EMAIL.test(s)],
  ['ipv4', (s) => isIP(s) === 4],
  ['ipv6', (s) => isIP(s) === 6],
  ['cidr', isCidr],
  ['mac', (s) => MAC.test(s)],
  ['byte', (s) => BYTE.test(s)],
  ['uri', isUri],
  ['hexcolor', (s) => HEX_COLOR.test(s)],
  ['rgbcolor', (s) => RGB_COLOR.test(s)],
  ['password', () => true],
]);
