import type { FieldReader } from '../field-reader.js';

/** Envoy Gateway Backend: where a provider is reached. */
export interface BackendSpec {
  endpoints: BackendEndpoint[];
  tls?: { sni?: string; systemCAs: boolean };
}

export type BackendEndpoint =
  | { kind: 'fqdn'; hostname: string; port: number }
  | { kind: 'ip'; address: string; port: number }
  | { kind: 'unix'; path: string };

export function readBackendSpec(spec: FieldReader): BackendSpec {
  const endpoints: BackendEndpoint[] = [];
  for (const endpoint of spec.objects('endpoints')) {
    const fqdn = endpoint.object('fqdn');
    const ip = endpoint.object('ip');
    const unix = endpoint.object('unix');
    if ([fqdn, ip, unix].filter(Boolean).length > 1) endpoint.error(undefined, 'Invalid value: "object": only one of fqdn, ip or unix can be set');
    if (unix) {
      endpoints.push({ kind: 'unix', path: unix.requiredString('path') });
      unix.done();
    } else if (fqdn) {
      endpoints.push({ kind: 'fqdn', hostname: fqdn.requiredString('hostname'), port: requiredPort(fqdn) });
      fqdn.done();
    } else if (ip) {
      endpoints.push({ kind: 'ip', address: ip.requiredString('address'), port: requiredPort(ip) });
      ip.done();
    } else {
      endpoint.error(undefined, 'Required value: one of fqdn, ip or unix must be set');
    }
    endpoint.done();
  }
  if (endpoints.length === 0 && !spec.has('endpoints')) spec.error('endpoints', 'Required value');
  if (endpoints.some((e) => e.kind === 'unix') && endpoints.some((e) => e.kind !== 'unix')) {
    spec.error('endpoints', 'Invalid value: unix endpoints cannot be mixed with fqdn or ip endpoints in one Backend');
  }
  const result: BackendSpec = { endpoints };
  const tls = spec.object('tls');
  if (tls) {
    const sni = tls.string('sni');
    const wellKnown = tls.string('wellKnownCACertificates');
    if (wellKnown !== undefined && wellKnown !== 'System') tls.error('wellKnownCACertificates', `Unsupported value: ${JSON.stringify(wellKnown)}: supported values: "System"`);
    if (tls.has('caCertificateRefs')) tls.unsupported('caCertificateRefs', 'custom CA certificates are not supported by aigw run yet');
    tls.done();
    result.tls = { ...(sni !== undefined ? { sni } : {}), systemCAs: true };
  }
  spec.ignore('appProtocols');
  spec.done();
  return result;
}

function requiredPort(reader: FieldReader): number {
  const port = reader.integer('port', { min: 1, max: 65535 });
  if (port === undefined && !reader.has('port')) reader.error('port', 'Required value');
  return port ?? 0;
}
