import { alterTableCommands, type AlterTableCommand } from '../lint/alter-table.js';
import type { Span } from '../lint/span.js';
import type { Statement } from '../sql/statement.js';

/** The ALTER TABLE clause a finding's span starts in (the only clause when the span is the statement's). */
export function commandAt(statement: Statement, span: Span): AlterTableCommand | undefined {
  const commands = alterTableCommands(statement);
  return commands.find((c) => c.span.start <= span.start && span.start < Math.max(c.span.end, c.span.start + 1)) ?? (commands.length === 1 ? commands[0] : undefined);
}
