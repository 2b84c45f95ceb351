import { alterTableCommands } from '../../lint/alter-table.js';
import { nameOfRangeVar, quoteIdent } from '../../sql/names.js';
import { nodeOf } from '../../sql/statement.js';
import type { Token } from '../../sql/token.js';
import type { Fixer, FixOutcome } from '../fixer.js';
import type { TextEdit } from '../text-edit.js';

const after = (token: Token | undefined, words: string): TextEdit[] => (token ? [{ start: token.end, end: token.end, text: ` ${words}` }] : []);

/** The token run `words` (upper case) starting at or after `from`, else undefined. */
function find(tokens: readonly Token[], words: readonly string[], from = 0, to = Infinity): Token[] | undefined {
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.start < from || tokens[i]!.start >= to) continue;
    const run = tokens.slice(i, i + words.length);
    if (run.length === words.length && run.every((t, k) => t.upper === words[k])) return run;
  }
  return undefined;
}

/** prefer-robust-stmts: IF [NOT] EXISTS where PostgreSQL takes it, and a DROP INDEX CONCURRENTLY IF EXISTS before a named concurrent build. */
export const robustStatements: Fixer = {
  rules: ['prefer-robust-stmts'],
  fix(target): FixOutcome {
    const { statement, span } = target;
    const tokens = statement.tokens;
    const index = nodeOf(statement, 'IndexStmt');
    if (index?.concurrent) {
      if (!index.idxname) return { reason: 'name the index first' };
      const table = nameOfRangeVar(index.relation);
      const name = `${table?.schema ? `${quoteIdent(table.schema)}.` : ''}${quoteIdent(index.idxname)}`;
      const edits: TextEdit[] = [{ start: statement.start, end: statement.start, text: `DROP INDEX CONCURRENTLY IF EXISTS ${name};\n` }];
      // IF NOT EXISTS would keep an INVALID leftover; the DROP above clears it instead.
      const ifNotExists = find(tokens, ['IF', 'NOT', 'EXISTS']);
      if (index.if_not_exists && ifNotExists) edits.push({ start: ifNotExists[0]!.start, end: ifNotExists[2]!.end + 1, text: '' });
      return { edits };
    }
    const create = nodeOf(statement, 'CreateStmt');
    if (create && !create.if_not_exists) return { edits: after(find(tokens, ['TABLE'])?.[0], 'IF NOT EXISTS') };
    if (index && !index.if_not_exists && index.idxname) return { edits: after(find(tokens, ['INDEX'])?.[0], 'IF NOT EXISTS') };
    const drop = nodeOf(statement, 'DropStmt');
    if (drop && !drop.missing_ok) {
      const kind = tokens[1]?.upper === 'MATERIALIZED' || tokens[1]?.upper === 'FOREIGN' ? tokens[2] : tokens[1];
      return { edits: after(kind?.upper === 'INDEX' && tokens[2]?.upper === 'CONCURRENTLY' ? tokens[2] : kind, 'IF EXISTS') };
    }
    const command = alterTableCommands(statement).find((c) => c.span.start <= span.start && span.start < c.span.end);
    if (command) {
      const { cmd } = command;
      const within = (words: string[]) => find(tokens, words, command.span.start, command.span.end);
      if (cmd.subtype === 'AT_AddColumn' && !cmd.missing_ok) return { edits: after((within(['ADD', 'COLUMN']) ?? within(['ADD']))?.at(-1), 'IF NOT EXISTS') };
      if (cmd.subtype === 'AT_DropColumn' && !cmd.missing_ok) return { edits: after((within(['DROP', 'COLUMN']) ?? within(['DROP']))?.at(-1), 'IF EXISTS') };
      if (cmd.subtype === 'AT_DropConstraint' && !cmd.missing_ok) return { edits: after(within(['DROP', 'CONSTRAINT'])?.at(-1), 'IF EXISTS') };
    }
    return { reason: 'no IF [NOT] EXISTS form for this statement' };
  },
};
