import type { Node } from '@pgsql/types';

/**
 * Whether `where` picks rows by constant values of a one-column key
 * (`id = 42`, `t.id IN (1, 2, 3)`, alone or ANDed with more conditions): a
 * data fix touching a handful of rows, which walking the whole key in batches
 * would only slow down. Such a statement runs as written, in one transaction.
 */
export function pinsKey(where: Node | undefined, column: string, reference: string): boolean {
  if (!where) return false;
  if ('BoolExpr' in where) {
    return where.BoolExpr.boolop === 'AND_EXPR' && (where.BoolExpr.args ?? []).some((arg) => pinsKey(arg, column, reference));
  }
  if (!('A_Expr' in where)) return false;
  const { kind, name, lexpr, rexpr } = where.A_Expr;
  const operator = name?.length === 1 && name[0] && 'String' in name[0] ? name[0].String.sval : undefined;
  if (operator !== '=') return false;
  if (kind === 'AEXPR_OP') {
    return (isKey(lexpr, column, reference) && isConstant(rexpr)) || (isKey(rexpr, column, reference) && isConstant(lexpr));
  }
  if (kind === 'AEXPR_IN' && isKey(lexpr, column, reference) && rexpr && 'List' in rexpr) {
    const items = rexpr.List.items ?? [];
    return items.length > 0 && items.every(isConstant);
  }
  return false;
}

function isKey(node: Node | undefined, column: string, reference: string): boolean {
  if (!node || !('ColumnRef' in node)) return false;
  const parts = (node.ColumnRef.fields ?? []).map((f) => ('String' in f ? f.String.sval : undefined));
  if (parts.length === 1) return parts[0] === column;
  return parts.length === 2 && parts[0] === reference && parts[1] === column;
}

function isConstant(node: Node | undefined): boolean {
  if (!node) return false;
  if ('A_Const' in node) return true;
  return 'TypeCast' in node && isConstant(node.TypeCast.arg);
}
