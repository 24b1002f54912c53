import type { parse } from '@bufbuild/cel';

type Expr = ReturnType<typeof parse>['expr'];

/**
 * CEL's type denotations: identifiers that name a type (`type(x) == uint`), not a variable.
 * https://github.com/google/cel-spec/blob/master/doc/langdef.md#type-values
 */
const TYPE_NAMES = new Set(['bool', 'bytes', 'double', 'int', 'list', 'map', 'null_type', 'string', 'type', 'uint']);

/**
 * The variables a parsed expression reads from its environment, in order of first use: every
 * identifier except those a macro binds (`exists(x, …)`, `map(x, …)`, …) and the type names.
 * For `a.b.c` that is `a`. @bufbuild/cel has no type checker to report an undeclared name (its
 * evaluator says only "unresolved attribute"), so callers compare this against what they bind.
 */
export function celFreeVariables(expr: Expr | undefined): string[] {
  const found = new Set<string>();
  walk(expr, new Set(), found);
  return [...found];
}

function walk(expr: Expr | undefined, bound: ReadonlySet<string>, found: Set<string>): void {
  if (expr === undefined) return;
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'identExpr':
      if (!bound.has(kind.value.name) && !TYPE_NAMES.has(kind.value.name)) found.add(kind.value.name);
      return;
    case 'selectExpr':
      walk(kind.value.operand, bound, found);
      return;
    case 'callExpr':
      walk(kind.value.target, bound, found);
      for (const arg of kind.value.args) walk(arg, bound, found);
      return;
    case 'listExpr':
      for (const element of kind.value.elements) walk(element, bound, found);
      return;
    case 'structExpr':
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === 'mapKey') walk(entry.keyKind.value, bound, found);
        walk(entry.value, bound, found);
      }
      return;
    case 'comprehensionExpr': {
      const inner = new Set([...bound, kind.value.iterVar, kind.value.iterVar2, kind.value.accuVar].filter((name) => name !== ''));
      walk(kind.value.iterRange, bound, found);
      walk(kind.value.accuInit, bound, found);
      walk(kind.value.loopCondition, inner, found);
      walk(kind.value.loopStep, inner, found);
      walk(kind.value.result, inner, found);
      return;
    }
    default:
      return;
  }
}
