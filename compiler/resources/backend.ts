import type { FieldReader } from '../field-reader.js';

/** Envoy Gateway Backend: where a provider is reached. */
export interface BackendSpec {
  endpoints: BackendEndpoint[];
  tls?: { sni?: string; systemCAs: boolean };
}

export type BackendEndpoint = { kind: 'fqdn'; hostname: string; port: number } | { kind: 'ip'; address: string; port: number };

export function readBackendSpec(spec: FieldReader): BackendSpec {
  const endpoints: BackendEndpoint[] = [];
  for (const endpoint of spec.objects('endpoints')) {
    const fqdn = endpoint.object('fqdn');
    const ip = endpoint.object('ip');
    if (fqdn) {
      endpoints.push({ kind: 'fqdn', hostname: fqdn.requiredString('hostname'), port: requiredPort(fqdn) });
      fqdn.done();
    } else if (ip) {
      endpoints.push({ kind: 'ip', address: ip.requiredString('address'), port: requiredPort(ip) });
      ip.done();
    } else if (!endpoint.has('unix')) {
      endpoint.error(undefined, 'Required value: one of fqdn or ip must be set');
    }
    if (endpoint.has('unix')) endpoint.error('unix', 'unix endpoints are not supported by aigw run yet', 'use fqdn or ip');
    endpoint.done();
  }
  if (endpoints.length === 0 && !spec.has('endpoints')) spec.error('endpoints', 'Required value');
  const result: BackendSpec = { endpoints };
  const tls = spec.object('tls');
  if (tls) {
    const sni = tls.string('sni');
    const wellKnown = tls.string('wellKnownCACertificates');
    if (wellKnown !== undefined && wellKnown !== 'System') tls.error('wellKnownCACertificates', `Unsupported value: ${JSON.stringify(wellKnown)}: supported values: "System"`);
    if (tls.has('caCertificateRefs')) tls.error('caCertificateRefs', 'custom CA certificates are not supported by aigw run yet');
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
