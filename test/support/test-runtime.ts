import { FILTER_CONFIG_VERSION, type FilterConfig } from '../../contract/filter-config.js';
import { createLogger } from '../../common/logger.js';
import { GenAIMetrics } from '../../extproc/telemetry/metrics/genai-metrics.js';
import { buildRuntimeConfig, type RuntimeConfig } from '../../extproc/server/runtime-config.js';
import type { HttpHeaders__Output } from '../../extproc/generated/envoy/service/ext_proc/v3/HttpHeaders.js';

/** The Envoy listener the test rules are attached to. */
export const TEST_LISTENER = 'default/gw/http';

/** A small filter config for unit tests of the ext_proc phases. */
export function testFilterConfig(overrides: Partial<FilterConfig> = {}): FilterConfig {
  return {
    version: FILTER_CONFIG_VERSION,
    rules: [
      { name: 'default/r/rule/0', route: 'default/r', listeners: [TEST_LISTENER], hostnames: [], headers: [{ name: 'x-ai-eg-model', type: 'Exact', value: 'gpt-4o-mini' }], backends: [{ name: 'default/openai/route/r/rule/0/ref/0', weight: 1, priority: 0 }], mode: 'router' },
      { name: 'default/r/rule/1', route: 'default/r', listeners: [TEST_LISTENER], hostnames: [], headers: [{ name: 'x-ai-eg-model', type: 'Exact', value: 'alias' }], backends: [{ name: 'default/override/route/r/rule/1/ref/0', weight: 1, priority: 0 }], mode: 'router' },
      { name: 'default/r/rule/2', route: 'default/r', listeners: [TEST_LISTENER], hostnames: [], headers: [{ name: 'x-ai-eg-model', type: 'Exact', value: 'titan' }], backends: [{ name: 'default/cohere/route/r/rule/2/ref/0', weight: 1, priority: 0 }], mode: 'router' },
      {
        name: 'default/r/rule/3',
        route: 'default/r',
        listeners: [TEST_LISTENER],
        hostnames: [],
        headers: [{ name: 'x-ai-eg-model', type: 'RegularExpression', value: 'fallback-.*' }],
        backends: [
          { name: 'default/openai/route/r/rule/0/ref/0', weight: 1, priority: 0 },
          { name: 'default/override/route/r/rule/1/ref/0', weight: 1, priority: 1 },
        ],
        mode: 'upstream',
      },
    ],
    backends: [
      {
        name: 'default/openai/route/r/rule/0/ref/0',
        route: 'default/r',
        aiServiceBackend: 'default/openai',
        schema: { name: 'OpenAI', prefix: 'v1' },
        auth: { type: 'APIKey', key: 'sk-test-secret' },
      },
      {
        name: 'default/override/route/r/rule/1/ref/0',
        route: 'default/r',
        aiServiceBackend: 'default/override',
        schema: { name: 'OpenAI', prefix: 'custom/v2' },
        modelNameOverride: 'real-model',
      },
      {
        name: 'default/cohere/route/r/rule/2/ref/0',
        route: 'default/r',
        aiServiceBackend: 'default/cohere',
        schema: { name: 'Cohere' },
      },
    ],
    routes: [{ name: 'default/r', costs: [{ metadataKey: 'in', type: 'InputToken' }, { metadataKey: 'out', type: 'OutputToken' }] }],
    models: [{ name: 'gpt-4o-mini', hostnames: [], listeners: [TEST_LISTENER], ownedBy: 'openai', createdAt: 1700000000 }],
    ...overrides,
  };
}

export function testRuntime(config: FilterConfig = testFilterConfig()): RuntimeConfig {
  return buildRuntimeConfig(config, new GenAIMetrics(), createLogger('error', () => undefined));
}

/** Envoy's request_headers message as the ext_proc receives it (values in raw_value). */
export function headersMessage(headers: Record<string, string>, endOfStream = false): HttpHeaders__Output {
  return {
    headers: { headers: Object.entries(headers).map(([key, value]) => ({ key, raw_value: Buffer.from(value) })) },
    end_of_stream: endOfStream,
  };
}
