// Compiles one rule's CEL once per route and evaluates it per request. @bufbuild/cel has no
// runtime cost limit (upstream uses cel-go's CostLimit(10000)), so the cost is bounded up front:
// comprehensions (exists, all, map, filter, …) are the only loops in CEL, so the work of one
// evaluation is at most about astNodes × inputSize^nestingDepth. A rule whose bound exceeds
// MAX_COST for this request is not evaluated and counts as an evaluation error (no match), which
// is what cel-go does when the cost limit is hit.

import { celEnv, isCelError, parse, plan, type CelInput, type CelResult } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

import type { CelBindings } from './cel-bindings.js';
import { OPTIONAL_FUNCS, desugarOptionalSyntax } from './cel-optional.js';
import { AigwError } from '../../common/errors.js';

/** API limit on `rules[].cel` (maxLength=4096). */
const MAX_SOURCE_LENGTH = 4096;
/**
 * Upper bound on the estimated steps of one evaluation: about 50 ms of work in V8 (measured: one
 * `exists` over 100k params items). cel-go's 10000 is stricter; this only stops pathological input.
 */
export const MAX_COST = 1_000_000;

/** The parsed AST node type (from parse(), so no direct dependency on @bufbuild/cel-spec). */
type Expr = ReturnType<typeof parse>['expr'];

const env = celEnv({ funcs: [...strings, ...OPTIONAL_FUNCS] });

/** The result of one evaluation: the boolean, or why there is none (both mean "no match"). */
export type CelOutcome = { value: boolean } | { error: string };

export interface CelPredicate {
  readonly source: string;
  evaluate(bindings: CelBindings): CelOutcome;
}

interface AstShape {
  nodes: number;
  depth: number;
}

/** Operators the planner evaluates itself: they are not in the function registry. */
const PLANNER_OPERATORS = new Set(['_[_]', '_[?_]', '_?._', '_?_:_', '_&&_', '_||_', '@not_strictly_false', '__not_strictly_false__']);

/** A qualified identifier (`a.b`) as the planner resolves namespaced functions (`optional.of`). */
function qualifiedName(expr: Expr | undefined): string | undefined {
  const kind = expr?.exprKind;
  if (kind?.case === 'identExpr') return kind.value.name;
  if (kind?.case === 'selectExpr' && !kind.value.testOnly) {
    const operand = qualifiedName(kind.value.operand);
    return operand === undefined ? undefined : `${operand}.${kind.value.field}`;
  }
  return undefined;
}

/**
 * Throws for a call to a function that does not exist: cel-go reports it when compiling, while
 * @bufbuild/cel would only fail each evaluation (silently making the rule never match).
 */
function checkFunctions(expr: Expr | undefined): void {
  const kind = expr?.exprKind;
  if (kind?.case !== 'callExpr') return;
  const { function: name, target } = kind.value;
  const qualified = target === undefined ? undefined : qualifiedName(target);
  const known = PLANNER_OPERATORS.has(name) || env.funcs.find(name) !== undefined || (qualified !== undefined && env.funcs.find(`${qualified}.${name}`) !== undefined);
  if (!known) throw new Error(`undeclared reference to '${name}'`);
}

/** Size and comprehension nesting of an AST; checks every call on the way. */
function shape(expr: Expr | undefined): AstShape {
  if (expr === undefined) return { nodes: 0, depth: 0 };
  checkFunctions(expr);
  const kind = expr.exprKind;
  const children: (Expr | undefined)[] = [];
  let loop = false;
  switch (kind.case) {
    case 'selectExpr':
      children.push(kind.value.operand);
      break;
    case 'callExpr':
      children.push(kind.value.target, ...kind.value.args);
      break;
    case 'listExpr':
      children.push(...kind.value.elements);
      break;
    case 'structExpr':
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === 'mapKey') children.push(entry.keyKind.value);
        children.push(entry.value);
      }
      break;
    case 'comprehensionExpr':
      loop = true;
      children.push(kind.value.iterRange, kind.value.accuInit, kind.value.loopCondition, kind.value.loopStep, kind.value.result);
      break;
    default:
      break;
  }
  let nodes = 1;
  let depth = 0;
  for (const child of children) {
    const inner = shape(child);
    nodes += inner.nodes;
    depth = Math.max(depth, inner.depth);
  }
  return { nodes, depth: depth + (loop ? 1 : 0) };
}

export function compileCelPredicate(source: string): CelPredicate {
  const text = source.trim();
  if (text.length > MAX_SOURCE_LENGTH) throw new AigwError('CONFIG', `CEL expression longer than ${MAX_SOURCE_LENGTH} characters`);
  let run: (bindings: Record<string, CelInput>) => CelResult;
  let ast: AstShape;
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(desugarOptionalSyntax(text));
  } catch (error) {
    throw new AigwError('CONFIG', `cannot parse CEL expression ${JSON.stringify(text)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    ast = shape(parsed.expr);
    run = plan(env, parsed);
  } catch (error) {
    throw new AigwError('CONFIG', `CEL expression ${JSON.stringify(text)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    source: text,
    evaluate(bindings) {
      const cost = ast.nodes * Math.pow(Math.max(1, bindings.size), ast.depth);
      if (cost > MAX_COST) return { error: `estimated cost ${cost.toExponential(1)} exceeds the limit ${MAX_COST}` };
      let result: CelResult;
      try {
        result = run(bindings.variables);
      } catch (error) {
        return { error: error instanceof Error ? error.message : String(error) };
      }
      if (isCelError(result)) return { error: result.message };
      if (typeof result !== 'boolean') return { error: 'the expression did not return a boolean' };
      return { value: result };
    },
  };
}
