// SPDX-License-Identifier: Apache-2.0
//
// The Kubernetes CEL libraries (k8s.io/apiserver/pkg/cel/library) that CRD rules may call, on
// top of @bufbuild/cel's standard library and its strings extension (lowerAscii, upperAscii,
// indexOf, replace, split, substring, trim, join, format, charAt). Implemented here: URLs
// (isURL, url(), getScheme/getHost/getHostname/getPort/getEscapedPath/getQuery), lists (isSorted,
// sum, min, max, indexOf, lastIndexOf), regex (find, findAll), IPs (isIP, isCIDR), isQuantity.
// A URL value is represented by its (validated) string.

import { isIP } from 'node:net';

import { CelScalar, celFunc, celMethod, listType, mapType, type CelFunc, type CelList, type CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

const { STRING, BOOL, INT, DYN } = CelScalar;
const LIST = listType(DYN);

/** Go's url.ParseRequestURI, which isURL and url() use: an absolute URI or an absolute path. */
function parseRequestUri(s: string): URL | undefined {
  if (s === '' || [...s].some((c) => /\s/.test(c) || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return undefined;
  if (s.startsWith('/')) return new URL(s, 'http://placeholder.invalid');
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s)) return undefined;
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

function mustUrl(s: string): URL {
  const u = parseRequestUri(s);
  if (u === undefined) throw new Error(`URL parse error during conversion from string: ${s}`);
  return u;
}

function isAbsolutePath(s: string): boolean {
  return s.startsWith('/');
}

type Scalar = bigint | number | string | boolean;

function scalar(v: CelValue): Scalar {
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  throw new Error('no such overload');
}

function compare(a: Scalar, b: Scalar): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  throw new Error('no such overload');
}

function items(list: CelList): Scalar[] {
  return [...list].map(scalar);
}

function extreme(list: CelList, sign: 1 | -1): Scalar {
  const xs = items(list);
  const [first, ...rest] = xs;
  if (first === undefined) throw new Error(`${sign > 0 ? 'max' : 'min'} called on an empty list`);
  return rest.reduce((best, x) => (compare(x, best) * sign > 0 ? x : best), first);
}

function equal(a: CelValue, b: CelValue): boolean {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return Number(a) === Number(b);
  return a === b;
}

const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

function isCidr(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const version = isIP(s.slice(0, slash));
  const bits = s.slice(slash + 1);
  return version !== 0 && /^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128);
}

export const KUBERNETES_CEL_FUNCS: readonly CelFunc[] = [
  ...strings,
  // URLs
  celFunc('isURL', [STRING], BOOL, (s: string) => parseRequestUri(s) !== undefined),
  celFunc('url', [STRING], STRING, (s: string) => {
    mustUrl(s);
    return s;
  }),
  celMethod('getScheme', STRING, [], STRING, function (this: string) {
    return isAbsolutePath(this) ? '' : mustUrl(this).protocol.replace(/:$/, '');
  }),
  celMethod('getHost', STRING, [], STRING, function (this: string) {
    return isAbsolutePath(this) ? '' : mustUrl(this).host;
  }),
  celMethod('getHostname', STRING, [], STRING, function (this: string) {
    return isAbsolutePath(this) ? '' : mustUrl(this).hostname.replace(/^\[(.*)\]$/, '$1');
  }),
  celMethod('getPort', STRING, [], STRING, function (this: string) {
    if (isAbsolutePath(this)) return '';
    // WHATWG drops default ports (":443" on https); Go keeps what was written.
    const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*)(?::(\d*))?/.exec(this);
    return m?.[1] ?? '';
  }),
  celMethod('getEscapedPath', STRING, [], STRING, function (this: string) {
    return mustUrl(this).pathname;
  }),
  celMethod('getQuery', STRING, [], mapType(STRING, listType(STRING)), function (this: string) {
    const out = new Map<string, string[]>();
    for (const [k, v] of mustUrl(this).searchParams) out.set(k, [...(out.get(k) ?? []), v]);
    return out;
  }),
  // Lists
  celMethod('isSorted', LIST, [], BOOL, function (this: CelList) {
    const xs = items(this);
    return xs.every((x, i) => i === 0 || compare(xs[i - 1] ?? x, x) <= 0);
  }),
  celMethod('sum', LIST, [], DYN, function (this: CelList) {
    const xs = items(this);
    if (xs.every((x) => typeof x === 'bigint')) return xs.reduce<bigint>((a, x) => a + (typeof x === 'bigint' ? x : 0n), 0n);
    return xs.reduce<number>((a, x) => a + Number(x), 0);
  }),
  celMethod('min', LIST, [], DYN, function (this: CelList) {
    return extreme(this, -1);
  }),
  celMethod('max', LIST, [], DYN, function (this: CelList) {
    return extreme(this, 1);
  }),
  celMethod('indexOf', LIST, [DYN], INT, function (this: CelList, x: CelValue) {
    return BigInt([...this].findIndex((y) => equal(y, x)));
  }),
  celMethod('lastIndexOf', LIST, [DYN], INT, function (this: CelList, x: CelValue) {
    return BigInt([...this].findLastIndex((y) => equal(y, x)));
  }),
  // Regex
  celMethod('find', STRING, [STRING], STRING, function (this: string, re: string) {
    return new RegExp(re).exec(this)?.[0] ?? '';
  }),
  celMethod('findAll', STRING, [STRING], listType(STRING), function (this: string, re: string) {
    return [...this.matchAll(new RegExp(re, 'g'))].map((m) => m[0]);
  }),
  celMethod('findAll', STRING, [STRING, INT], listType(STRING), function (this: string, re: string, n: bigint) {
    const all = [...this.matchAll(new RegExp(re, 'g'))].map((m) => m[0]);
    return n < 0n ? all : all.slice(0, Number(n));
  }),
  // IPs and quantities
  celFunc('isIP', [STRING], BOOL, (s: string) => isIP(s) !== 0),
  celFunc('isCIDR', [STRING], BOOL, isCidr),
  celFunc('isQuantity', [STRING], BOOL, (s: string) => QUANTITY.test(s)),
];
