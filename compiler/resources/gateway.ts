import { isIP } from 'node:net';
import type { FieldReader } from '../field-reader.js';
import { readReference, type ObjectReference } from './object-meta.js';

/** Gateway API Gateway: the listeners aigw's Envoy opens. */
export interface GatewaySpec {
  gatewayClassName: string;
  listeners: GatewayListener[];
  parametersRef?: ObjectReference;
  /** `spec.addresses` of type IPAddress: the local addresses its listeners bind. */
  addresses: string[];
}

export interface GatewayListener {
  name: string;
  port: number;
}

export function readGatewaySpec(spec: FieldReader): GatewaySpec {
  const gatewayClassName = spec.requiredString('gatewayClassName');
  const listeners = spec.objects('listeners').map((listener): GatewayListener => {
    const name = listener.requiredString('name');
    const port = listener.integer('port', { min: 1, max: 65535 }) ?? 0;
    if (!listener.has('port')) listener.error('port', 'Required value');
    const protocol = listener.requiredString('protocol');
    if (protocol && protocol !== 'HTTP') {
      listener.error('protocol', `Unsupported value: ${JSON.stringify(protocol)}: aigw run supports "HTTP" listeners only`);
    }
    listener.ignore('allowedRoutes', 'ignored by aigw run: every AIGatewayRoute naming this Gateway attaches');
    listener.done();
    return { name, port };
  });
  const addresses = spec.objects('addresses').flatMap((address): string[] => {
    const type = address.string('type') ?? 'IPAddress';
    const value = address.requiredString('value');
    address.done();
    if (type !== 'IPAddress') {
      address.error('type', `Unsupported value: ${JSON.stringify(type)}: aigw run binds IPAddress addresses only`, 'use type IPAddress with a local address such as 127.0.0.1 or 0.0.0.0');
      return [];
    }
    if (value && isIP(value) === 0) {
      address.error('value', `Invalid value: ${JSON.stringify(value)}: must be an IPv4 or IPv6 address`);
      return [];
    }
    return value ? [value] : [];
  });
  const result: GatewaySpec = { gatewayClassName, listeners, addresses };
  const infrastructure = spec.object('infrastructure');
  if (infrastructure) {
    const parametersRef = infrastructure.object('parametersRef');
    if (parametersRef) result.parametersRef = readReference(parametersRef);
    infrastructure.ignore('labels');
    infrastructure.ignore('annotations');
    infrastructure.done();
  }
  spec.done();
  return result;
}
