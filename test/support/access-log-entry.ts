/**
 * Finds the gateway's JSON access log entry for one request. Envoy writes file access logs in
 * batches, so an entry may appear well after its response, and after later requests' entries:
 * tests identify theirs by the upstream path (`%REQ(:PATH)%` is logged as the gateway rewrote it)
 * and the model (`x-ai-eg-model`), and wait for it.
 */
import assert from 'node:assert/strict';
import type { AigwProcess } from './aigw-process.js';

export async function accessLogEntry(aigw: AigwProcess, match: { upstreamPath: string; model: string }, since: number, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  const matching = (): Record<string, unknown>[] =>
    aigw.accessLogs(since).filter((entry) => entry['request.path'] === match.upstreamPath && entry['gen_ai.request.model'] === match.model);
  const deadline = Date.now() + timeoutMs;
  while (matching().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const [entry, ...more] = matching();
  assert.ok(entry, `an access log entry for ${match.model} on ${match.upstreamPath}; the log has ${JSON.stringify(aigw.accessLogs(since))}`);
  assert.equal(more.length, 0, 'one access log entry for the one request');
  return entry;
}
