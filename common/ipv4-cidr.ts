/**
 * An IPv4 address masked to its first `prefixLength` bits, as a CIDR range (`10.1.2.3`, 8 →
 * `10.0.0.0/8`): how Envoy writes a masked_remote_address and how a sourceCIDR selector's range is
 * normalised, so the two compare as strings. `octets`: the four numbers of a valid address.
 */
export function ipv4Cidr(octets: readonly number[], prefixLength: number): string {
  const address = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  const size = 2 ** (32 - prefixLength);
  const masked = Math.floor(address / size) * size;
  return `${[24, 16, 8, 0].map((shift) => Math.floor(masked / 2 ** shift) % 256).join('.')}/${prefixLength}`;
}
