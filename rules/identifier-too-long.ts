import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { identifierOfToken, mayHoldLongIdentifier, MAX_IDENTIFIER_BYTES, truncateIdentifier } from '../src/lint/identifier-length.js';

export default defineRule({
  id: 'identifier-too-long',
  category: 'correctness',
  severity: 'error',
  phases: PHASES,
  summary: `An identifier longer than ${MAX_IDENTIFIER_BYTES} bytes, which PostgreSQL truncates without an error.`,
  why:
    `PostgreSQL keeps only the first ${MAX_IDENTIFIER_BYTES} bytes of a name (NAMEDATALEN - 1) and says so in a NOTICE nobody reads. The object is created under the shorter name: ` +
    'the application, a later migration or a tool that looks it up by the full name in the catalogs (information_schema, pg_indexes, an ORM’s introspection) does not find it, ' +
    'and two long names that share their first 63 bytes are the same name, so the second CREATE fails or the second ALTER changes the first object.',
  fix: `Choose a name of at most ${MAX_IDENTIFIER_BYTES} bytes (multi-byte characters count several), and use that name everywhere.`,
  examples: {
    bad: [
      'CREATE INDEX CONCURRENTLY index_subscriptions_on_account_id_and_plan_id_and_status_and_created_at ON subscriptions (account_id, plan_id, status, created_at);\n',
      'CREATE TABLE "Ereignisprotokoll für Zahlungsabwicklungen und Rückerstattungen" (id bigint PRIMARY KEY);\n',
    ],
    good: [
      'CREATE INDEX CONCURRENTLY subscriptions_account_plan_status_created_idx ON subscriptions (account_id, plan_id, status, created_at);\n',
      'CREATE TABLE "Zahlungsprotokoll" (id bigint PRIMARY KEY, "Rückerstattung" boolean);\n',
    ],
  },
  check(statement, context) {
    // Tokenizing costs as much as parsing: only a statement with a run long enough to be over the limit is looked at.
    if (!mayHoldLongIdentifier(statement.text)) return;
    // The parser has already truncated the names in the tree: the tokens still hold them as written.
    for (const token of statement.tokens) {
      const identifier = identifierOfToken(token);
      if (identifier === undefined || Buffer.byteLength(identifier) <= MAX_IDENTIFIER_BYTES) continue;
      const kept = truncateIdentifier(identifier);
      context.report({
        message: `${token.text} is ${Buffer.byteLength(identifier)} bytes long: PostgreSQL silently keeps only its first ${MAX_IDENTIFIER_BYTES}, "${kept}", and a lookup by the full name finds nothing.`,
        span: { start: token.start, end: token.end },
        help: `Use a name of at most ${MAX_IDENTIFIER_BYTES} bytes, e.g. ${JSON.stringify(kept)} as PostgreSQL would store it, or a shorter one that says the same.`,
      });
    }
  },
});
