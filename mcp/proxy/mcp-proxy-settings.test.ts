import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MCP_PROXY_SETTINGS, mcpProxySettingsFromEnv, parseDurationMs } from './mcp-proxy-settings.js';

test('durations in Go syntax or seconds', () => {
  assert.equal(parseDurationMs('1m'), 60_000);
  assert.equal(parseDurationMs('1m30s'), 90_000);
  assert.equal(parseDurationMs('250ms'), 250);
  assert.equal(parseDurationMs('15'), 15_000);
  assert.equal(parseDurationMs('0'), 0);
  assert.equal(parseDurationMs('soon'), undefined);
});

test('environment overrides, upstream names accepted, bad values refused', () => {
  assert.deepEqual(mcpProxySettingsFromEnv({}), DEFAULT_MCP_PROXY_SETTINGS);
  assert.equal(mcpProxySettingsFromEnv({ AIGW_MCP_HEARTBEAT_INTERVAL: '5s' }).heartbeatIntervalMs, 5000);
  assert.equal(mcpProxySettingsFromEnv({ MCP_PROXY_HEARTBEAT_INTERVAL: '2s' }).heartbeatIntervalMs, 2000);
  assert.equal(mcpProxySettingsFromEnv({ AIGW_MCP_MAX_REQUEST_BODY_SIZE: '1024' }).maxRequestBodyBytes, 1024);
  assert.throws(() => mcpProxySettingsFromEnv({ AIGW_MCP_HEARTBEAT_INTERVAL: 'often' }), /AIGW_MCP_HEARTBEAT_INTERVAL/);
  assert.throws(() => mcpProxySettingsFromEnv({ AIGW_MCP_MAX_REQUEST_BODY_SIZE: '-1' }), /AIGW_MCP_MAX_REQUEST_BODY_SIZE/);
});
