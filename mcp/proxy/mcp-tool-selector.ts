import type { McpBackendConfig } from '../../contract/mcp-config.js';

/** Whether a backend tool (its own name, unprefixed) is exposed. */
export type ToolSelector = (tool: string) => boolean;

/**
 * `toolSelector` semantics: with any include rule, a tool must match `include` (exact) or
 * `includeRegex`; then any match of `exclude` or `excludeRegex` hides it (exclude wins).
 * Regexes are RE2-style and match the whole name. A regex JavaScript cannot compile matches
 * nothing, and is reported through `onInvalid`.
 */
export function compileToolSelector(selector: McpBackendConfig['toolSelector'], onInvalid: (pattern: string, error: string) => void): ToolSelector {
  if (!selector) return () => true;
  const include = new Set(selector.include ?? []);
  const includeRegex = (selector.includeRegex ?? []).map((pattern) => fullMatch(pattern, onInvalid));
  const exclude = new Set(selector.exclude ?? []);
  const excludeRegex = (selector.excludeRegex ?? []).map((pattern) => fullMatch(pattern, onInvalid));
  const hasInclude = include.size > 0 || includeRegex.length > 0;
  return (tool) => {
    if (hasInclude && !include.has(tool) && !includeRegex.some((regex) => regex?.test(tool))) return false;
    return !exclude.has(tool) && !excludeRegex.some((regex) => regex?.test(tool));
  };
}

function fullMatch(pattern: string, onInvalid: (pattern: string, error: string) => void): RegExp | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch (error) {
    onInvalid(pattern, error instanceof Error ? error.message : String(error));
    return undefined;
  }
}
