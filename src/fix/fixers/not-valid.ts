import { alterTableCommands, constraintOf } from '../../lint/alter-table.js';
import { MAX_IDENTIFIER_BYTES, truncateIdentifier } from '../../lint/identifier-length.js';
import { transactionModeOf } from '../../lint/session.js';
import { displayName, quoteIdent, stringValue } from '../../sql/names.js';
import { commandAt } from '../command-at.js';
import type { Fixer, FixOutcome, FixTarget } from '../fixer.js';
import { insertAfter, insertInContract, removeStatement } from '../statement-text.js';
import type { TextEdit } from '../text-edit.js';

/** PostgreSQL's own name for an unnamed constraint, roughly: `<table>_<columns>_fkey` / `<table>_check`, cut to 63 bytes. */
function defaultName(table: string, columns: string[], kind: 'fkey' | 'check'): string {
  return truncateIdentifier([table, ...columns, kind].join('_')).slice(0, MAX_IDENTIFIER_BYTES);
}

/**
 * Where VALIDATE goes: the contract section of a native migration (expand and
 * migrate findings), right after the statement in a file that runs outside a
 * transaction; a file its tool runs in one transaction keeps that transaction,
 * and the VALIDATE goes into a new migration after it, in the tool's own naming.
 */
function placeValidate(target: FixTarget, sql: string): FixOutcome {
  const { file, statement } = target;
  const mode = transactionModeOf(file);
  if (mode === 'runner') {
    if (statement.segment.phase === 'expand' || statement.segment.phase === 'migrate') return { edits: [insertInContract(file, sql)] };
    return { reason: `the constraint is added in ${statement.segment.phase}: validate it in a later migration (${sql})` };
  }
  if (mode === 'none') return { edits: [insertAfter(file.text, statement, sql)] };
  const followUp = target.followUp;
  if (followUp && !('reason' in followUp)) return { edits: [], followUp: [sql] };
  return { reason: `${file.layout} runs this file in one transaction: validate it in the next migration (${sql})${followUp ? `; ${followUp.reason}` : ''}` };
}

/** constraint-missing-not-valid and adding-foreign-key-constraint: `NOT VALID` on the ADD, `VALIDATE CONSTRAINT` in the next transaction that may take its time. */
export const notValid: Fixer = {
  rules: ['constraint-missing-not-valid', 'adding-foreign-key-constraint'],
  fix(target) {
    const command = commandAt(target.statement, target.span);
    if (!command) return { reason: 'not an ALTER TABLE clause' };
    const { cmd, table } = command;
    const tableName = displayName(table);
    if (cmd.subtype === 'AT_ValidateConstraint') {
      if (alterTableCommands(target.statement).length > 1) return { reason: 'VALIDATE shares its ALTER TABLE with other clauses: split it first' };
      const sql = `ALTER TABLE ${tableName} VALIDATE CONSTRAINT ${quoteIdent(cmd.name ?? '')};`;
      const placed = placeValidate(target, sql);
      return 'reason' in placed ? placed : { ...placed, edits: [removeStatement(target.file.text, target.statement), ...placed.edits] };
    }
    const constraint = cmd.subtype === 'AT_AddConstraint' ? constraintOf(cmd.def) : undefined;
    if (!constraint || (constraint.contype !== 'CONSTR_CHECK' && constraint.contype !== 'CONSTR_FOREIGN')) {
      return { reason: 'only ADD CONSTRAINT … CHECK | FOREIGN KEY takes NOT VALID (a column’s REFERENCES does not): add the constraint separately' };
    }
    if (constraint.skip_validation) return { reason: 'already NOT VALID' };
    const edits: TextEdit[] = [];
    let name = constraint.conname;
    if (name === undefined) {
      const columns = constraint.contype === 'CONSTR_FOREIGN' ? (constraint.fk_attrs ?? []).map(stringValue).filter((c): c is string => c !== undefined) : [];
      name = defaultName(table.name, columns, constraint.contype === 'CONSTR_FOREIGN' ? 'fkey' : 'check');
      // `ADD FOREIGN KEY …` → `ADD CONSTRAINT <name> FOREIGN KEY …`: VALIDATE needs the name.
      const add = target.statement.tokens.find((t) => t.start >= command.span.start && t.upper === 'ADD');
      if (!add) return { reason: 'no ADD keyword found' };
      edits.push({ start: add.end, end: add.end, text: ` CONSTRAINT ${quoteIdent(name)}` });
    }
    edits.push({ start: command.span.end, end: command.span.end, text: ' NOT VALID' });
    const placed = placeValidate(target, `ALTER TABLE ${tableName} VALIDATE CONSTRAINT ${quoteIdent(name)};`);
    return 'reason' in placed ? placed : { ...placed, edits: [...edits, ...placed.edits] };
  },
};
