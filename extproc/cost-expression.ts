import { celEnv, celUint, isCelError, isCelUint, parse, plan, type CelInput } from '@bufbuild/cel';
import type { TokenUsage } from './usage/token-usage.js';

/** What a CEL cost expression (`llmRequestCosts[].cel`) can read. Token counts are uint. */
export interface CostInputs {
  model: string;
  backend: string;
  routeName: string;
  usage: TokenUsage;
}

export type CostProgram = (inputs: CostInputs) => number;

const env = celEnv({});

/** Thrown when an expression does not parse or does not yield a non-negative integer. */
export class CostExpressionError extends Error {
  readonly code = 'COST_EXPRESSION_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'CostExpressionError';
  }
}

/**
 * Compiles a cost expression once (at config load) and checks it on sample values, as upstream
 * does, so a broken expression fails at start-up instead of on the first response. Variables:
 * `model`, `backend`, `route_name` (strings) and `input_tokens`, `cached_input_tokens`,
 * `cache_creation_input_tokens`, `output_tokens`, `total_tokens`, `reasoning_tokens` (uint; an
 * unreported count is 0). The result must be an int ≥ 0 or a uint.
 */
export function compileCostExpression(expression: string): CostProgram {
  let run: ReturnType<typeof plan>;
  try {
    run = plan(env, parse(expression));
  } catch (error) {
    throw new CostExpressionError(`cannot parse CEL cost expression ${JSON.stringify(expression)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const program: CostProgram = (inputs) => {
    const result = run(bindings(inputs));
    if (isCelError(result)) throw new CostExpressionError(`CEL cost expression ${JSON.stringify(expression)} failed: ${result.message}`);
    if (isCelUint(result)) return Number(result.value);
    if (typeof result === 'bigint' && result >= 0n) return Number(result);
    throw new CostExpressionError(`CEL cost expression ${JSON.stringify(expression)} must give a non-negative integer or uint, got ${typeof result === "object" ? "a " + (Array.isArray(result) ? "list" : "map or message") : JSON.stringify(String(result))}`);
  };
  program({ model: 'sample-model', backend: 'ns/backend', routeName: 'ns/route', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } });
  return program;
}

function bindings(inputs: CostInputs): Record<string, CelInput> {
  const uint = (value: number | undefined): CelInput => celUint(BigInt(Math.max(0, Math.trunc(value ?? 0))));
  const usage = inputs.usage;
  return {
    model: inputs.model,
    backend: inputs.backend,
    route_name: inputs.routeName,
    input_tokens: uint(usage.inputTokens),
    cached_input_tokens: uint(usage.cachedInputTokens),
    cache_creation_input_tokens: uint(usage.cacheCreationInputTokens),
    output_tokens: uint(usage.outputTokens),
    total_tokens: uint(usage.totalTokens),
    reasoning_tokens: uint(usage.reasoningTokens),
  };
}
