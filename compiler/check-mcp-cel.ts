// Config-time check of MCPRoute `authorization.rules[].cel` / `backendSelector.rules[].cel`.
// The MCP proxy compiles the same text with compileCelPredicate when it loads the config and
// treats an evaluation error as "no match", so a typo in a variable or function name would
// silently turn an Allow rule into a deny (or a Deny rule into nothing). @bufbuild/cel has no
// type checker to export, so names are checked on the AST here instead.

import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { buildCelBindings } from '../mcp/auth/cel-bindings.js';
import { desugarOptionalSyntax, OPTIONAL_FUNCS } from '../mcp/auth/cel-optional.js';
import { compileCelPredicate } from '../mcp/auth/cel-predicate.js';

type Expr = ReturnType<typeof parse>['expr'];

/** The variables the proxy binds (see extproc/mcp/auth/cel-bindings.ts). */
const VARIABLES = new Set(['request', 'auth', 'mcp']);

/** Operators and macros the parser emits that are built into the evaluator, not library functions. */
const BUILTINS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false', '@in', '!_', '-_']);

const ENV = celEnv({ funcs: [...strings, ...OPTIONAL_FUNCS] });
const FUNCTIONS = new Set([...ENV.funcs].map((func) => func.name));

/** A sample request, to catch expressions that cannot give a bool whatever the request. */
const SAMPLE = buildCelBindings(
  { subject: 'sample', claims: { sub: 'sample' }, scopes: ['sample'], forwardHeaders: [] },
  { method: 'POST', host: 'localhost', path: '/mcp', headers: { 'content-type': 'application/json' } },
  { method: 'tools/call', backend: 'sample', tool: 'sample', params: { name: 'sample__sample', arguments: {} } },
);

/** Why the proxy could not use this expression, or undefined when it can. */
export function checkMcpCel(source: string): string | undefined {
  let predicate;
  try {
    predicate = compileCelPredicate(source);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const problems: string[] = [];
  walk(parse(desugarOptionalSyntax(source.trim())).expr, new Set(), problems);
  if (problems.length > 0) return `CEL expression ${JSON.stringify(source.trim())}: ${[...new Set(problems)].join('; ')}`;
  const outcome = predicate.evaluate(SAMPLE);
  // Other evaluation errors depend on the request (a missing claim or header): not a config error.
  if ('error' in outcome && outcome.error.includes('boolean')) return `CEL expression ${JSON.stringify(source.trim())} must evaluate to a bool`;
  return undefined;
}

function walk(expr: Expr | undefined, bound: ReadonlySet<string>, problems: string[]): void {
  if (expr === undefined) return;
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'identExpr':
      if (!bound.has(kind.value.name) && !VARIABLES.has(kind.value.name)) {
        problems.push(`undeclared reference to ${JSON.stringify(kind.value.name)} (the variables are request, auth and mcp)`);
      }
      return;
    case 'selectExpr':
      walk(kind.value.operand, bound, problems);
      return;
    case 'callExpr':
      if (!BUILTINS.has(kind.value.function) && !FUNCTIONS.has(kind.value.function)) problems.push(`undeclared function ${JSON.stringify(kind.value.function)}`);
      if (kind.value.function === 'matches') checkPattern(kind.value.args[kind.value.args.length - 1], problems);
      walk(kind.value.target, bound, problems);
      for (const arg of kind.value.args) walk(arg, bound, problems);
      return;
    case 'listExpr':
      for (const element of kind.value.elements) walk(element, bound, problems);
      return;
    case 'structExpr':
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === 'mapKey') walk(entry.keyKind.value, bound, problems);
        walk(entry.value, bound, problems);
      }
      return;
    case 'comprehensionExpr': {
      // Macros (exists, all, map, filter, …) bind their iteration and accumulator variables.
      const inner = new Set([...bound, kind.value.iterVar, kind.value.iterVar2, kind.value.accuVar].filter((name) => name !== ''));
      walk(kind.value.iterRange, bound, problems);
      walk(kind.value.accuInit, bound, problems);
      walk(kind.value.loopCondition, inner, problems);
      walk(kind.value.loopStep, inner, problems);
      walk(kind.value.result, inner, problems);
      return;
    }
    default:
      return;
  }
}

/** A constant `matches` pattern is compiled now, by the same engine, rather than failing every request. */
function checkPattern(pattern: Expr | undefined, problems: string[]): void {
  const constant = pattern?.exprKind.case === 'constExpr' ? pattern.exprKind.value.constantKind : undefined;
  if (constant?.case !== 'stringValue') return;
  const result = plan(ENV, parse(`"".matches(${JSON.stringify(constant.value)})`))({});
  if (isCelError(result)) problems.push(result.message);
}
