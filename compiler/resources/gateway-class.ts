import type { FieldReader } from '../field-reader.js';

/** Gateway API GatewayClass (`gateway.networking.k8s.io`). */
export interface GatewayClassSpec {
  controllerName: string;
}

/** The controller that Envoy Gateway (and so the AI gateway) registers. */
export const ENVOY_GATEWAY_CONTROLLER = 'gateway.envoyproxy.io/gatewayclass-controller';

export function readGatewayClassSpec(spec: FieldReader): GatewayClassSpec {
  const controllerName = spec.requiredString('controllerName');
  if (controllerName && controllerName !== ENVOY_GATEWAY_CONTROLLER) {
    spec.warn('controllerName', `controller ${JSON.stringify(controllerName)} is not Envoy Gateway's (${ENVOY_GATEWAY_CONTROLLER}); aigw run serves it anyway`);
  }
  spec.ignore('description');
  spec.ignore('parametersRef', 'ignored by aigw run');
  spec.done();
  return { controllerName };
}
