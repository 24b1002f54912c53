import { celEnv, celUint, isCelError, isCelUint, parse, plan, type CelInput } from '@bufbuild/cel';
import { celFreeVariables } from './cel-free-variables.js';
import { COST_VARIABLES, isCostVariable, suggestCostVariable, type CostVariable } from './cost-variables.js';
import type { TokenUsage } from './token-usage.js';
import { AigwError } from '../../common/errors.js';

/** What a CEL cost expression (`llmRequestCosts[].cel`) can read. Token counts are uint. */
export interface CostInputs {
  model: string;
  backend: string;
  routeName: string;
  usage: TokenUsage;
}

export type CostProgram = (inputs: CostInputs) => number;

/** A name an expression reads that is not a cost variable, and the variable it most likely meant. */
export interface UnknownCostVariable {
  name: string;
  suggestion?: CostVariable;
}

const env = celEnv({});

/**
 * Thrown when an expression does not parse, reads a name that is not a cost variable
 * (`unknownVariables`, each with its likely meaning), or does not yield a non-negative integer.
 */
export class CostExpressionError extends AigwError {
  constructor(
    message: string,
    readonly unknownVariables: readonly UnknownCostVariable[] = [],
  ) {
    super('CONFIG', message);
    this.name = 'CostExpressionError';
  }
}

/**
 * Compiles a cost expression once (at config load) and checks it on sample values, as upstream
 * does, so a broken expression fails at start-up instead of on the first response. The
 * variables are COST_VARIABLES (cost-variables.ts); a name outside them is refused with the
 * closest one, as upstream's cel-go environment refuses an undeclared reference. The result must
 * be an int ≥ 0 or a uint.
 */
export function compileCostExpression(expression: string): CostProgram {
  let parsed: ReturnType<typeof parse>;
  let run: ReturnType<typeof plan>;
  try {
    parsed = parse(expression);
    run = plan(env, parsed);
  } catch (error) {
    throw new CostExpressionError(`cannot parse CEL cost expression ${JSON.stringify(expression)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const unknown = celFreeVariables(parsed.expr)
    .filter((name) => !isCostVariable(name))
    .map((name): UnknownCostVariable => {
      const suggestion = suggestCostVariable(name);
      return suggestion ? { name, suggestion } : { name };
    });
  if (unknown.length > 0) {
    const problems = unknown.map(({ name, suggestion }) => `undeclared reference to ${JSON.stringify(name)}${suggestion ? ` (did you mean ${JSON.stringify(suggestion)}?)` : ''}`);
    throw new CostExpressionError(`CEL cost expression ${JSON.stringify(expression)}: ${problems.join('; ')}; the variables are ${COST_VARIABLES.join(', ')}`, unknown);
  }
  const program: CostProgram = (inputs) => {
    const result = run(bindings(inputs));
    if (isCelError(result)) throw new CostExpressionError(`CEL cost expression ${JSON.stringify(expression)} failed: ${result.message}`);
    if (isCelUint(result)) return Number(result.value);
    if (typeof result === 'bigint' && result >= 0n) return Number(result);
    throw new CostExpressionError(`CEL cost expression ${JSON.stringify(expression)} must give a non-negative integer or uint, got ${typeof result === 'object' ? 'a ' + (Array.isArray(result) ? 'list' : 'map or message') : JSON.stringify(String(result))}`);
  };
  program({ model: 'sample-model', backend: 'ns/backend', routeName: 'ns/route', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } });
  return program;
}

/** Every cost variable's value: the record type makes a variable added to the list fail the build until it is bound here. */
function bindings(inputs: CostInputs): Record<CostVariable, CelInput> {
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
