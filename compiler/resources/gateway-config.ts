import type { LLMRequestCost } from '../../contract/filter-config.js';
import type { FieldReader } from '../field-reader.js';
import { readCosts } from './ai-gateway-route.js';

/** GatewayConfig: gateway-wide settings, attached by the Gateway annotation `aigateway.envoyproxy.io/gateway-config`. */
export interface GatewayConfigSpec {
  /** Defaults for every route of the Gateway; a route's entry with the same key wins. */
  globalLLMRequestCosts: LLMRequestCost[];
  /** Environment of the ext_proc (`extProc.kubernetes.env`, literal values only). */
  extProcEnv: Record<string, string>;
}

export const GATEWAY_CONFIG_ANNOTATION = 'aigateway.envoyproxy.io/gateway-config';

export function readGatewayConfigSpec(spec: FieldReader): GatewayConfigSpec {
  const globalLLMRequestCosts = readCosts(spec, 'globalLLMRequestCosts');
  const extProcEnv: Record<string, string> = {};
  const extProc = spec.object('extProc');
  const kubernetes = extProc?.object('kubernetes');
  if (kubernetes) {
    for (const variable of kubernetes.objects('env')) {
      const name = variable.requiredString('name');
      const value = variable.string('value');
      if (variable.has('valueFrom')) variable.unsupported('valueFrom', 'valueFrom (Secret/ConfigMap/field references) is not supported by aigw run', 'set value directly, or export the variable before aigw run');
      variable.ignore('valueFrom');
      variable.done();
      if (name && value !== undefined) extProcEnv[name] = value;
    }
    // The rest shapes a Kubernetes sidecar container; locally the ext_proc is a child process.
    for (const key of ['image', 'imageRepository', 'resources', 'securityContext', 'volumeMounts']) {
      kubernetes.ignore(key, 'ignored by aigw run: the ext_proc runs as a local process, not a container');
    }
    kubernetes.done();
  }
  extProc?.done();
  if (spec.has('forwardProxy')) spec.unsupported('forwardProxy', 'forwardProxy is not supported by aigw run yet', 'reach the providers directly, or use the HTTPS_PROXY of your environment');
  spec.ignore('forwardProxy');
  spec.done();
  return { globalLLMRequestCosts, extProcEnv };
}
