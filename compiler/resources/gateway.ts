import type { FieldReader } from '../field-reader.js';
import { readReference, type ObjectReference } from './object-meta.js';

/** Gateway API Gateway: the listeners aigw's Envoy opens. */
export interface GatewaySpec {
  gatewayClassName: string;
  listeners: GatewayListener[];
  parametersRef?: ObjectReference;
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
  const result: GatewaySpec = { gatewayClassName, listeners };
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
