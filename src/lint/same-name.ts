import type { QualifiedName } from '../sql/names.js';

/**
 * Whether two names can denote the same object: equal names, and equal
 * schemas unless one of them is unqualified (resolved through search_path,
 * which a rule cannot see at that point).
 */
export function sameName(a: QualifiedName, b: QualifiedName): boolean {
  return a.name === b.name && (a.schema === b.schema || a.schema === undefined || b.schema === undefined);
}
