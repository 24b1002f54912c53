// SPDX-License-Identifier: Apache-2.0
//
// `aigw run` without a config file: the configuration generated from the OpenAI SDK / Anthropic /
// OTEL environment variables and the MCP servers JSON (upstream internal/autoconfig/). The YAML keeps
// `${OPENAI_API_KEY}`-style placeholders for the API keys, so it can be printed safely; the
// caller runs envsubst over it (compileConfig does) before use.
import { addMcpServers } from './add-mcp-servers.js';
import type { McpServersConfig } from '../../mcp/mcp-servers-config.js';
import { otelLogConfig } from './otel-log-config.js';
import { parseBaseUrl } from './parse-base-url.js';
import { renderConfig, type BackendData, type ConfigData, type LlmData } from './render-config.js';
import { AigwError } from '../../common/errors.js';

export interface AutoconfigInput {
  env: Readonly<Record<string, string | undefined>>;
  /** From --mcp-config / --mcp-json (see parseMcpServersJson); stdio servers already rewritten to http. */
  mcpServers?: McpServersConfig;
  /** --debug: Envoy at debug level, except http and ext_proc (which would log injected credentials). */
  debug?: boolean;
}

export const NO_PROVIDER_MESSAGE = 'you must supply at least OPENAI_API_KEY, AZURE_OPENAI_API_KEY, ANTHROPIC_API_KEY, or a config file path';

/**
 * Generates the configuration upstream's `aigw run` would generate for this environment.
 * `notes` explains choices the user may not expect (ignored variables, skipped MCP servers).
 * Throws a CONFIG AigwError with upstream's messages for missing or invalid variables.
 */
export function autoconfigYaml(input: AutoconfigInput): { yaml: string; notes: string[] } {
  const env = input.env;
  const get = (name: string): string => env[name] ?? '';
  const notes: string[] = [];
  const backends: BackendData[] = [];
  const data: ConfigData = {
    backends,
    mcpRefs: [],
    debug: input.debug ?? false,
    envoyVersion: get('ENVOY_VERSION'),
    otel: { mode: 'console', backendName: '', headers: [], resources: [] },
  };
  const addBackend = (backend: BackendData): void => {
    if (backends.some((existing) => existing.name === backend.name)) {
      notes.push(`Backend ${JSON.stringify(backend.name)} is defined twice (an MCP server has this name); the first one (the MCP server) is used`);
      return;
    }
    backends.push(backend);
  };

  if (input.mcpServers) {
    const mcp = addMcpServers(input.mcpServers, notes);
    mcp.backends.forEach(addBackend);
    data.mcpRefs = mcp.refs;
  }

  if (get('OPENAI_API_KEY') !== '' || get('AZURE_OPENAI_API_KEY') !== '') {
    const { backend, llm } = openAIConfig(get, notes);
    addBackend(backend);
    data.openai = llm;
    if (get('ANTHROPIC_API_KEY') !== '') notes.push('ANTHROPIC_API_KEY is ignored: an OpenAI-family key is set, and OpenAI takes precedence over Anthropic');
  } else if (get('ANTHROPIC_API_KEY') !== '') {
    const parsed = parseBaseUrl(get('ANTHROPIC_BASE_URL') || 'https://api.anthropic.com/v1');
    addBackend({ name: 'anthropic', host: parsed.host, isIp: parsed.isIp, port: parsed.port, needsTls: parsed.needsTls, telemetry: false });
    data.anthropic = { backendName: 'anthropic', schemaName: 'Anthropic', version: parsed.version, organizationId: '', projectId: '' };
  }

  if (backends.length === 0 && data.mcpRefs.length === 0 && !data.openai && !data.anthropic) {
    throw new AigwError('CONFIG', NO_PROVIDER_MESSAGE);
  }

  const otel = otelLogConfig(env);
  data.otel = otel.otel;
  if (otel.backend) {
    const telemetry = otel.backend;
    const existing = backends.find((backend) => backend.name === telemetry.name);
    if (!existing) backends.push(telemetry);
    else if (!sameBackend(existing, telemetry)) {
      throw new AigwError('CONFIG', `failed to configure OTEL logging: backend ${JSON.stringify(telemetry.name)} already configured with different settings`);
    }
  }
  return { yaml: renderConfig(data), notes };
}

function openAIConfig(get: (name: string) => string, notes: string[]): { backend: BackendData; llm: LlmData } {
  const organizationId = get('OPENAI_ORG_ID');
  const projectId = get('OPENAI_PROJECT_ID');
  if (get('AZURE_OPENAI_API_KEY') !== '') {
    const endpoint = get('AZURE_OPENAI_ENDPOINT');
    if (endpoint === '') {
      throw new AigwError('CONFIG', 'AZURE_OPENAI_ENDPOINT environment variable is required when AZURE_OPENAI_API_KEY is set');
    }
    const apiVersion = get('OPENAI_API_VERSION');
    if (apiVersion === '') {
      throw new AigwError('CONFIG', 'OPENAI_API_VERSION environment variable is required when AZURE_OPENAI_API_KEY is set');
    }
    const parsed = parseBaseUrl(endpoint);
    if (get('OPENAI_API_KEY') !== '' || get('OPENAI_BASE_URL') !== '') {
      notes.push('AZURE_OPENAI_API_KEY is set, so Azure OpenAI is used: OPENAI_API_KEY and OPENAI_BASE_URL are ignored');
    }
    if (parsed.version !== '') notes.push(`the path of AZURE_OPENAI_ENDPOINT (/${parsed.version}) is ignored; the API version is OPENAI_API_VERSION`);
    return {
      backend: { name: 'openai', host: parsed.host, isIp: parsed.isIp, port: parsed.port, needsTls: parsed.needsTls, telemetry: false },
      llm: { backendName: 'openai', schemaName: 'AzureOpenAI', version: apiVersion, organizationId, projectId },
    };
  }
  const parsed = parseBaseUrl(get('OPENAI_BASE_URL') || 'https://api.openai.com/v1');
  return {
    backend: { name: 'openai', host: parsed.host, isIp: parsed.isIp, port: parsed.port, needsTls: parsed.needsTls, telemetry: false },
    llm: { backendName: 'openai', schemaName: 'OpenAI', version: parsed.version, organizationId, projectId },
  };
}

function sameBackend(a: BackendData, b: BackendData): boolean {
  return a.host === b.host && a.isIp === b.isIp && a.port === b.port && a.needsTls === b.needsTls;
}
