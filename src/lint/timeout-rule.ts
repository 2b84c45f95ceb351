import type { MigrationFile } from '../migrations/migration.js';
import { PHASES } from '../migrations/phase.js';
import { displayName } from '../sql/names.js';
import type { Statement } from '../sql/statement.js';
import { blockedTraffic, blocksWrites, tableLocks } from './lock-level.js';
import { defineRule, type Rule, type RuleContext } from './rule.js';
import type { RuleMeta } from './rule-meta.js';

/**
 * require-lock-timeout and require-statement-timeout differ only in the
 * setting they look for: one definition, two rules. They fire once per file,
 * at the first statement that takes a lock blocking writes on an existing
 * table, unless the file set the timeout before it. pgtandem's runner sets
 * both itself, so files it applies never get them.
 */
export function defineTimeoutRule(setting: 'lock_timeout' | 'statement_timeout', meta: Omit<RuleMeta, 'phases' | 'category'>): Rule {
  const reported = new WeakSet<MigrationFile>();
  return defineRule({
    ...meta,
    category: 'lock',
    phases: PHASES,
    check(statement: Statement, context: RuleContext) {
      // A function body's statements take their locks when it is called, not during the migration.
      if (context.appliedByRunner || reported.has(context.file) || statement.container?.kind === 'function') return;
      const value = context.setting(setting);
      if (isSet(value)) return;
      // PostgreSQL 17's transaction_timeout bounds every statement of the transaction too (not the wait for a lock, which must stay short).
      const transactionTimeout = setting === 'statement_timeout' ? context.setting('transaction_timeout') : undefined;
      if (isSet(transactionTimeout) && context.pgVersion >= 17) return;
      const locks = tableLocks(statement, context).filter((l) => blocksWrites(l.mode) && !context.isNew('table', l.table));
      const lock = locks[0];
      if (!lock) return;
      reported.add(context.file);
      const unset =
        (value === undefined ? `without ${setting}` : `with ${setting} disabled (${value})`) +
        (isSet(transactionTimeout) ? ` (transaction_timeout needs PostgreSQL 17; pgVersion is ${context.pgVersion})` : '');
      // Every table the statement blocks, by mode: dropping a foreign key locks the referenced table too.
      const sameMode = locks.filter((l) => l.mode === lock.mode).map((l) => displayName(l.table));
      const others = locks.filter((l) => l.mode !== lock.mode).map((l) => ` and ${l.mode} on ${displayName(l.table)}`).join('');
      const tables = `${sameMode.join(' and ')}`;
      context.report({
        message:
          setting === 'lock_timeout'
            ? `This takes ${lock.mode} on ${tables}${others} ${unset}: while it waits behind any long transaction, every later query that ${describe(lock.mode)} ${tables} queues behind it.`
            : `This takes ${lock.mode} on ${tables}${others} ${unset}: nothing bounds how long the statement — and the lock, which blocks ${blockedTraffic(lock.mode)} — can last.`,
      });
    },
  });
}

function isSet(value: string | undefined): value is string {
  return value !== undefined && !/^0+\s*(ms|s|min)?$/i.test(value.trim());
}

function describe(mode: string): string {
  return mode === 'ACCESS EXCLUSIVE' ? 'reads or writes' : 'writes';
}
