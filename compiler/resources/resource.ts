import type { FieldReader } from '../field-reader.js';
import type { AIGatewayRouteSpec } from './ai-gateway-route.js';
import type { AIServiceBackendSpec } from './ai-service-backend.js';
import type { BackendSecurityPolicySpec } from './backend-security-policy.js';
import type { BackendTLSPolicySpec } from './backend-tls-policy.js';
import type { BackendTrafficPolicySpec } from './backend-traffic-policy.js';
import type { BackendSpec } from './backend.js';
import type { ClientTrafficPolicySpec } from './client-traffic-policy.js';
import type { ConfigMapData } from './config-map.js';
import type { EnvoyProxySpec } from './envoy-proxy.js';
import type { GatewayClassSpec } from './gateway-class.js';
import type { GatewayConfigSpec } from './gateway-config.js';
import type { GatewaySpec } from './gateway.js';
import type { MCPRouteSpec } from './mcp-route.js';
import type { ObjectMeta } from './object-meta.js';
import type { QuotaPolicySpec } from './quota-policy.js';
import type { SecretData } from './secret.js';

interface Base<K extends string, S> {
  kind: K;
  metadata: ObjectMeta;
  spec: S;
  /** The document root, to report problems found while resolving references. */
  reader: FieldReader;
}

/** Every resource kind aigw run compiles, typed after reading. */
export type Resource =
  | Base<'GatewayClass', GatewayClassSpec>
  | Base<'Gateway', GatewaySpec>
  | Base<'GatewayConfig', GatewayConfigSpec>
  | Base<'EnvoyProxy', EnvoyProxySpec>
  | Base<'ClientTrafficPolicy', ClientTrafficPolicySpec>
  | Base<'BackendTrafficPolicy', BackendTrafficPolicySpec>
  | Base<'Backend', BackendSpec>
  | Base<'BackendTLSPolicy', BackendTLSPolicySpec>
  | Base<'AIGatewayRoute', AIGatewayRouteSpec>
  | Base<'AIServiceBackend', AIServiceBackendSpec>
  | Base<'BackendSecurityPolicy', BackendSecurityPolicySpec>
  | Base<'MCPRoute', MCPRouteSpec>
  | Base<'QuotaPolicy', QuotaPolicySpec>
  | Base<'Secret', SecretData>
  | Base<'ConfigMap', ConfigMapData>;

export type ResourceKind = Resource['kind'];
export type ResourceOf<K extends ResourceKind> = Extract<Resource, { kind: K }>;
