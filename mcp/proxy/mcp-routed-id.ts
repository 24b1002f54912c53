import type { JsonRpcId } from './mcp-jsonrpc.js';

/**
 * Ids of server→client requests (and their `_meta.progressToken`) carry the backend they came
 * from, so the client's answer can be routed back without any state, in upstream's format:
 * integer `"{n}__i__{backend}"`, other number `"{hex of the little-endian float64}__f__{backend}"`,
 * string `"{base64}__s__{backend}"`. Base64, decimal and hex never contain `__`.
 */
export function encodeRoutedId(id: JsonRpcId, backend: string): string {
  if (typeof id === 'string') return `${Buffer.from(id, 'utf8').toString('base64')}__s__${backend}`;
  if (Number.isSafeInteger(id)) return `${id}__i__${backend}`;
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(id);
  return `${bytes.toString('hex')}__f__${backend}`;
}

export function decodeRoutedId(routed: string): { id: JsonRpcId; backend: string } | undefined {
  const match = ROUTED.exec(routed);
  if (!match) return undefined;
  const [, raw = '', type, backend = ''] = match;
  switch (type) {
    case 'i': {
      if (!/^-?\d+$/.test(raw)) return undefined;
      const id = Number(raw);
      return Number.isSafeInteger(id) ? { id, backend } : undefined;
    }
    case 'f': {
      if (!/^[0-9a-f]{16}$/.test(raw)) return undefined;
      const id = Buffer.from(raw, 'hex').readDoubleLE();
      return Number.isFinite(id) ? { id, backend } : undefined;
    }
    default:
      return { id: Buffer.from(raw, 'base64').toString('utf8'), backend };
  }
}

const ROUTED = /^([^_]*)__([ifs])__(.+)$/s;
