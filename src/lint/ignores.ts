import type { Statement } from '../sql/statement.js';
import type { Token } from '../sql/token.js';
import type { Span } from './span.js';
import { isSquawkRule } from './squawk-rules.js';

/** A `pgtandem-ignore` or `pgtandem-ignore-file` comment, or squawk's `squawk-ignore` / `squawk-ignore-file`. */
export interface IgnoreDirective {
  scope: 'statement' | 'file';
  /**
   * Whose syntax: a `squawk` directive silences only rules whose id squawk
   * shares, and is never reported as unused (it may name squawk-only rules, and
   * squawk may still need it where the two linters disagree).
   */
  dialect: 'pgtandem' | 'squawk';
  /** Rule ids named; empty means every rule (for squawk: every rule squawk shares). */
  rules: string[];
  reason: string | undefined;
  span: Span;
  /** For statement scope: the statement it silences (see `targetOf`). */
  target: Statement | undefined;
}

const LINE = /^--\s*pgtandem-ignore(-file)?(?![\w-])(.*)$/s;
const BLOCK = /^\/\*\s*pgtandem-ignore(-file)?(?![\w-])(.*?)\*\/$/s;
// squawk's own syntax: comma-separated names, and a `--` inside the comment starts free text.
const SQUAWK_LINE = /^--\s*squawk-ignore(-file)?(?![\w-])(.*)$/s;
const SQUAWK_BLOCK = /^\/\*\s*squawk-ignore(-file)?(?![\w-])(.*?)\*\/$/s;

export function collectIgnores(comments: readonly Token[], statements: readonly Statement[], text: string): IgnoreDirective[] {
  const directives: IgnoreDirective[] = [];
  for (const comment of comments) {
    const squawk = SQUAWK_LINE.exec(comment.text) ?? SQUAWK_BLOCK.exec(comment.text);
    if (squawk) {
      const scope = squawk[1] ? 'file' : 'statement';
      const body = (squawk[2] ?? '').split('--')[0]!;
      directives.push({
        scope,
        dialect: 'squawk',
        rules: body.split(',').map((r) => r.trim()).filter((r) => r !== ''),
        reason: undefined,
        span: { start: comment.start, end: comment.end },
        target: scope === 'statement' ? targetOf(comment, statements, text) : undefined,
      });
      continue;
    }
    const match = LINE.exec(comment.text) ?? BLOCK.exec(comment.text);
    if (!match) continue;
    const scope = match[1] ? 'file' : 'statement';
    const body = match[2] ?? '';
    const colon = body.indexOf(':');
    const list = colon === -1 ? body : body.slice(0, colon);
    const reason = colon === -1 ? undefined : body.slice(colon + 1).trim() || undefined;
    directives.push({
      scope,
      dialect: 'pgtandem',
      rules: list.split(/[\s,]+/).filter((r) => r !== ''),
      reason,
      span: { start: comment.start, end: comment.end },
      target: scope === 'statement' ? targetOf(comment, statements, text) : undefined,
    });
  }
  return directives;
}

/**
 * The statement a comment silences: one that ends on the comment's own line
 * before it (`…; -- pgtandem-ignore x`), else the one it sits in, else the next.
 */
function targetOf(comment: Token, statements: readonly Statement[], text: string): Statement | undefined {
  const next = statements.findIndex((s) => s.end > comment.start);
  const previous = next === -1 ? statements.at(-1) : next > 0 ? statements[next - 1] : undefined;
  if (previous && !/[\r\n]/.test(text.slice(previous.end, comment.start))) return previous;
  return next === -1 ? undefined : statements[next];
}

/** Whether `directive` silences a finding of `rule` on `statement`. */
export function silences(directive: IgnoreDirective, rule: string, statement: Statement | undefined): boolean {
  if (directive.dialect === 'squawk' && !isSquawkRule(rule)) return false;
  if (directive.rules.length > 0 && !directive.rules.includes(rule)) return false;
  // An ignore before a DO block or a function covers what is found inside its body.
  if (directive.scope === 'file') return true;
  const target = directive.target;
  return target !== undefined && statement !== undefined && (target === statement || target === statement.container?.parent);
}
