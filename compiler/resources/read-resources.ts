import type { Diagnostic } from '../diagnostic.js';
import { didYouMean } from '../did-you-mean.js';
import { FieldReader } from '../field-reader.js';
import type { SourceDocument } from '../load-documents.js';
import { isRecord } from '../../common/json-guards.js';
import { readAIGatewayRouteSpec } from './ai-gateway-route.js';
import { readAIServiceBackendSpec } from './ai-service-backend.js';
import { readBackendSecurityPolicySpec } from './backend-security-policy.js';
import { readBackendTLSPolicySpec } from './backend-tls-policy.js';
import { readBackendTrafficPolicySpec } from './backend-traffic-policy.js';
import { readBackendSpec } from './backend.js';
import { readClientTrafficPolicySpec } from './client-traffic-policy.js';
import { readConfigMap } from './config-map.js';
import { readEnvoyProxySpec } from './envoy-proxy.js';
import { readGatewayClassSpec } from './gateway-class.js';
import { readGatewayConfigSpec } from './gateway-config.js';
import { readGatewaySpec } from './gateway.js';
import { readMCPRouteSpec } from './mcp-route.js';
import { readObjectMeta, type ObjectMeta } from './object-meta.js';
import { readQuotaPolicySpec } from './quota-policy.js';
import type { Resource, ResourceKind } from './resource.js';
import { readSecret } from './secret.js';

type SpecReader = (spec: FieldReader, metadata: ObjectMeta, root: FieldReader, env: Readonly<Record<string, string | undefined>>) => Resource | undefined;

interface KindEntry {
  apiVersions: readonly string[];
  read: SpecReader;
}

const GATEWAY_API = ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'];
const ENVOY_GATEWAY = ['gateway.envoyproxy.io/v1alpha1'];
const AI_GATEWAY = ['aigateway.envoyproxy.io/v1beta1', 'aigateway.envoyproxy.io/v1alpha1'];

/** The kinds aigw run compiles; anything else is reported, never dropped. */
const KINDS: Readonly<Record<ResourceKind, KindEntry>> = {
  GatewayClass: { apiVersions: GATEWAY_API, read: (spec, metadata, reader) => ({ kind: 'GatewayClass', metadata, spec: readGatewayClassSpec(spec), reader }) },
  Gateway: { apiVersions: GATEWAY_API, read: (spec, metadata, reader) => ({ kind: 'Gateway', metadata, spec: readGatewaySpec(spec), reader }) },
  GatewayConfig: { apiVersions: AI_GATEWAY, read: (spec, metadata, reader) => ({ kind: 'GatewayConfig', metadata, spec: readGatewayConfigSpec(spec), reader }) },
  EnvoyProxy: { apiVersions: ENVOY_GATEWAY, read: (spec, metadata, reader) => ({ kind: 'EnvoyProxy', metadata, spec: readEnvoyProxySpec(spec), reader }) },
  ClientTrafficPolicy: {
    apiVersions: ENVOY_GATEWAY,
    read: (spec, metadata, reader) => ({ kind: 'ClientTrafficPolicy', metadata, spec: readClientTrafficPolicySpec(spec), reader }),
  },
  BackendTrafficPolicy: {
    apiVersions: ENVOY_GATEWAY,
    read: (spec, metadata, reader) => ({ kind: 'BackendTrafficPolicy', metadata, spec: readBackendTrafficPolicySpec(spec), reader }),
  },
  Backend: { apiVersions: ENVOY_GATEWAY, read: (spec, metadata, reader) => ({ kind: 'Backend', metadata, spec: readBackendSpec(spec), reader }) },
  BackendTLSPolicy: {
    apiVersions: ['gateway.networking.k8s.io/v1alpha3', 'gateway.networking.k8s.io/v1'],
    read: (spec, metadata, reader) => ({ kind: 'BackendTLSPolicy', metadata, spec: readBackendTLSPolicySpec(spec), reader }),
  },
  AIGatewayRoute: { apiVersions: AI_GATEWAY, read: (spec, metadata, reader) => ({ kind: 'AIGatewayRoute', metadata, spec: readAIGatewayRouteSpec(spec), reader }) },
  AIServiceBackend: {
    apiVersions: AI_GATEWAY,
    read: (spec, metadata, reader) => {
      const value = readAIServiceBackendSpec(spec);
      return value && { kind: 'AIServiceBackend', metadata, spec: value, reader };
    },
  },
  BackendSecurityPolicy: {
    apiVersions: AI_GATEWAY,
    read: (spec, metadata, reader) => {
      const value = readBackendSecurityPolicySpec(spec);
      return value && { kind: 'BackendSecurityPolicy', metadata, spec: value, reader };
    },
  },
  QuotaPolicy: { apiVersions: ['aigateway.envoyproxy.io/v1alpha1'], read: (spec, metadata, reader) => ({ kind: 'QuotaPolicy', metadata, spec: readQuotaPolicySpec(spec), reader }) },
  MCPRoute: { apiVersions: AI_GATEWAY, read: (spec, metadata, root) => ({ kind: 'MCPRoute', metadata, spec: readMCPRouteSpec(spec, metadata, root), reader: root }) },
  Secret: {
    apiVersions: ['v1'],
    read: (_spec, metadata, root, env) => ({ kind: 'Secret', metadata, spec: readSecret(root, metadata.annotations, env), reader: root }),
  },
  ConfigMap: { apiVersions: ['v1'], read: (_spec, metadata, root) => ({ kind: 'ConfigMap', metadata, spec: readConfigMap(root), reader: root }) },
};

/**
 * Every kind of the API groups aigw ships schemas for (all versions, standard and experimental
 * channels). A kind outside its group's list exists in no cluster: the API server answers
 * `no matches for kind`, so it is an error even for `aigw validate`, not a kind that is valid
 * for Kubernetes but not for aigw run.
 */
const KINDS_OF_GROUP: Readonly<Record<string, ReadonlySet<string>>> = {
  'gateway.networking.k8s.io': new Set(['GatewayClass', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant', 'BackendTLSPolicy', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'BackendLBPolicy', 'ListenerSet']),
  'gateway.envoyproxy.io': new Set(['EnvoyProxy', 'ClientTrafficPolicy', 'BackendTrafficPolicy', 'SecurityPolicy', 'EnvoyPatchPolicy', 'EnvoyExtensionPolicy', 'Backend', 'HTTPRouteFilter']),
  'aigateway.envoyproxy.io': new Set(['AIGatewayRoute', 'AIServiceBackend', 'BackendSecurityPolicy', 'GatewayConfig', 'MCPRoute', 'QuotaPolicy']),
};

/** Core kinds without a `spec`: their reader gets the whole document. */
const TOP_LEVEL_DATA = new Set<string>(['Secret', 'ConfigMap']);

/** Kinds of the AI gateway API that a later aigw version will compile. */
const NOT_YET = new Set(['HTTPRoute', 'SecurityPolicy', 'ReferenceGrant']);

/**
 * Kubernetes workload, RBAC and bookkeeping kinds that example manifests ship next to the gateway
 * (the demo upstreams and their permissions). They are not gateway configuration, so aigw run
 * skips them with a warning, as upstream aigw passes them through untouched.
 */
const NOT_GATEWAY_CONFIG = new Set([
  'Namespace', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod', 'Job', 'CronJob', 'Service', 'ServiceAccount',
  'PersistentVolumeClaim', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy',
  'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'InferenceObjective',
]);

function isKnownKind(kind: string): kind is ResourceKind {
  return Object.hasOwn(KINDS, kind);
}

/** Reads every document into typed resources, collecting every problem. */
export function readResources(
  documents: readonly SourceDocument[],
  env: Readonly<Record<string, string | undefined>>,
  diagnostics: Diagnostic[],
): Resource[] {
  const resources: Resource[] = [];
  const seen = new Set<string>();
  for (const document of documents) {
    if (!isRecord(document.value)) continue;
    const kindValue = document.value.kind;
    const nameValue = isRecord(document.value.metadata) ? document.value.metadata.name : undefined;
    const label = `${typeof kindValue === 'string' ? kindValue : 'resource'} ${JSON.stringify(typeof nameValue === 'string' ? nameValue : '')}`;
    const root = new FieldReader({ document, resource: label, diagnostics }, document.value, []);
    if (document.value.apiVersion === undefined && kindValue === undefined) {
      root.error(undefined, 'not a Kubernetes resource: apiVersion and kind are missing (the API server answers "Object \'Kind\' is missing")', 'remove this document, or add apiVersion and kind');
      continue;
    }
    const apiVersion = root.requiredString('apiVersion');
    const kind = root.requiredString('kind');
    if (!kind) continue;
    if (NOT_GATEWAY_CONFIG.has(kind)) {
      root.warn('kind', `${kind} is not gateway configuration; aigw run skips it (run the workload yourself if a backend needs it)`);
      continue;
    }
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const groupKinds = Object.hasOwn(KINDS_OF_GROUP, group) ? KINDS_OF_GROUP[group] : undefined;
    if (groupKinds && !groupKinds.has(kind)) {
      // A typo close to a real kind: a misspelling, case, or a plural / a truncation (`AIGatewayRoutes`,
      // `AIService`), which edit distance alone would call too far.
      const typed = kind.toLowerCase();
      const truncated = [...groupKinds]
        .filter((known) => typed.length >= 4 && (typed.startsWith(known.toLowerCase()) || known.toLowerCase().startsWith(typed)))
        .sort((a, b) => b.length - a.length)[0];
      const hint = didYouMean(kind, [...groupKinds]) ?? (truncated ? `did you mean ${JSON.stringify(truncated)}?` : undefined);
      root.error('kind', `no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)}`, hint ?? `the kinds of ${group} are ${[...groupKinds].join(', ')}`);
      continue;
    }
    if (!isKnownKind(kind)) {
      root.unsupported('kind', NOT_YET.has(kind) ? `kind ${kind} is not supported by aigw run yet` : `kind ${kind} (${apiVersion}) is not supported by aigw run`, 'remove this resource from the file');
      continue;
    }
    const entry = KINDS[kind];
    if (apiVersion && !entry.apiVersions.includes(apiVersion)) {
      root.error('apiVersion', `Unsupported value: ${JSON.stringify(apiVersion)}: supported values for ${kind}: ${entry.apiVersions.map((v) => `"${v}"`).join(', ')}`);
      continue;
    }
    const metadata = readObjectMeta(root.requiredObject('metadata'));
    const key = `${kind}/${metadata.namespace}/${metadata.name}`;
    if (seen.has(key)) {
      root.errorAt(['metadata', 'name'], `Duplicate value: ${kind} ${metadata.namespace}/${metadata.name} is defined more than once`);
      continue;
    }
    seen.add(key);
    const spec = TOP_LEVEL_DATA.has(kind) ? root : root.requiredObject('spec');
    root.ignore('status');
    if (!spec) continue;
    const resource = entry.read(spec, metadata, root, env);
    if (!TOP_LEVEL_DATA.has(kind)) root.done();
    else {
      root.ignore('apiVersion');
      root.done();
    }
    if (resource) resources.push(resource);
  }
  return resources;
}
