// SPDX-License-Identifier: Apache-2.0
//
// What a client is told about a backend Envoy could not reach: its AIServiceBackend and the
// address as configured. Envoy's own words for it ("upstream connect error or disconnect/reset
// before headers … delayed connect error: 111", response flag `UF`) name neither, and once the
// host is an IP from DNS, not even the hostname the user wrote. So the labels are computed here,
// at compile time, and stored as endpoint and cluster metadata that the local reply reads
// (`%UPSTREAM_METADATA%` for the host Envoy tried, `%CLUSTER_METADATA%` when there was none).

import type { BackendRefModel } from './gateway-model.js';
import type { BackendEndpoint } from './resources/backend.js';

/** Metadata namespace of aigw's endpoint and cluster metadata (also read by the ext_proc). */
export const ENDPOINT_METADATA = 'aigateway.envoy.io';

/** Endpoint metadata key: `default/openai (api.openai.com:443)`. */
export const ENDPOINT_LABEL_KEY = 'aigw_backend';
/** Cluster metadata key: every backend of the cluster, labelled as above, comma-separated. */
export const CLUSTER_LABEL_KEY = 'aigw_backends';

/** `host:port` as written in the Backend (`[::1]:8080` for IPv6), or `unix:/path`. */
export function endpointAddress(endpoint: BackendEndpoint): string {
  switch (endpoint.kind) {
    case 'fqdn':
      return `${endpoint.hostname}:${endpoint.port}`;
    case 'ip':
      return endpoint.address.includes(':') ? `[${endpoint.address}]:${endpoint.port}` : `${endpoint.address}:${endpoint.port}`;
    case 'unix':
      return `unix:${endpoint.path}`;
  }
}

/** `default/openai (api.openai.com:443)`: the AIServiceBackend (`<ns>/<name>`) and one endpoint. */
export function endpointLabel(ref: BackendRefModel, endpoint: BackendEndpoint): string {
  return `${ref.backend.aiServiceBackend} (${endpointAddress(endpoint)})`;
}

/** The labels of every backend of a cluster, each with all its endpoints. */
export function clusterLabel(refs: readonly BackendRefModel[]): string {
  return refs.map((ref) => `${ref.backend.aiServiceBackend} (${ref.endpoints.map(endpointAddress).join(', ')})`).join(', ');
}
