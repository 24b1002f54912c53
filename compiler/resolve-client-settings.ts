import { DEFAULT_BUFFER_LIMIT_BYTES } from '../contract/filter-config.js';
import type { ClientSettings } from './gateway-model.js';
import type { ClientTrafficPolicySpec } from './resources/client-traffic-policy.js';
import type { ResourceOf } from './resources/resource.js';
import type { ResourceIndex } from './resource-index.js';


/**
 * aigw's client-side defaults, where Envoy's are unsafe for a gateway on a network: without a
 * headers timeout a client trickling header bytes holds a connection forever, and an idle
 * connection is kept for an hour. Stream idle and request timeouts are Envoy's (5 min, none):
 * LLM requests and streams may legitimately run for minutes.
 */
export const DEFAULT_CLIENT_SETTINGS: ClientSettings = {
  connectionLimit: 10_000,
  requestHeadersTimeoutMs: 10_000,
  requestReceivedTimeoutMs: 0,
  idleTimeoutMs: 300_000,
  streamIdleTimeoutMs: 300_000,
};

/**
 * The client settings of one listener: aigw's defaults, overridden by a ClientTrafficPolicy on
 * its Gateway, overridden by one on the listener itself (`targetRefs[].sectionName`), field by
 * field, as Envoy Gateway merges a section policy over a Gateway-wide one.
 */
export function resolveClientSettings(gateway: ResourceOf<'Gateway'>, listenerName: string, index: ResourceIndex): { bufferLimitBytes: number; client: ClientSettings } {
  const targeting = (section: boolean): ClientTrafficPolicySpec[] =>
    index
      .all('ClientTrafficPolicy')
      .filter(
        (policy) =>
          policy.metadata.namespace === gateway.metadata.namespace &&
          policy.spec.targetRefs.some((ref) => ref.kind === 'Gateway' && ref.name === gateway.metadata.name && (section ? ref.sectionName === listenerName : ref.sectionName === undefined)),
      )
      .map((policy) => policy.spec);
  let bufferLimitBytes = DEFAULT_BUFFER_LIMIT_BYTES;
  const client: ClientSettings = { ...DEFAULT_CLIENT_SETTINGS };
  for (const spec of [...targeting(false), ...targeting(true)]) {
    if (spec.bufferLimitBytes !== undefined) bufferLimitBytes = spec.bufferLimitBytes;
    if (spec.connectionLimit) {
      client.connectionLimit = spec.connectionLimit.value;
      if (spec.connectionLimit.closeDelayMs !== undefined) client.connectionCloseDelayMs = spec.connectionLimit.closeDelayMs;
    }
    if (spec.maxAcceptPerSocketEvent !== undefined) client.maxAcceptPerSocketEvent = spec.maxAcceptPerSocketEvent;
    if (spec.timeouts.requestReceivedMs !== undefined) client.requestReceivedTimeoutMs = spec.timeouts.requestReceivedMs;
    if (spec.timeouts.idleMs !== undefined) client.idleTimeoutMs = spec.timeouts.idleMs;
    if (spec.timeouts.streamIdleMs !== undefined) client.streamIdleTimeoutMs = spec.timeouts.streamIdleMs;
  }
  return { bufferLimitBytes, client };
}
