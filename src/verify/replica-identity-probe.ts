import type pg from 'pg';

/** A published table, `schema.name` as `pg_publication_tables` names it, and the quoted name to query it by. */
interface PublishedTable {
  key: string;
  quoted: string;
  /** A column an UPDATE may assign (not generated, not GENERATED ALWAYS AS IDENTITY), quoted. */
  column: string | null;
  update: boolean;
  delete: boolean;
}

const PUBLISHED = `
  SELECT pt.schemaname || '.' || pt.tablename AS key,
         quote_ident(pt.schemaname) || '.' || quote_ident(pt.tablename) AS quoted,
         bool_or(p.pubupdate) AS update, bool_or(p.pubdelete) AS delete,
         (SELECT quote_ident(a.attname) FROM pg_attribute a
           WHERE a.attrelid = (quote_ident(pt.schemaname) || '.' || quote_ident(pt.tablename))::regclass
             AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' AND a.attidentity <> 'a'
           ORDER BY a.attnum LIMIT 1) AS column
    FROM pg_publication_tables pt
    JOIN pg_publication p ON p.pubname = pt.pubname
   WHERE p.pubupdate OR p.pubdelete
   GROUP BY pt.schemaname, pt.tablename
   ORDER BY 1`;

/**
 * The tables publications publish updates or deletes of on which PostgreSQL
 * now refuses an UPDATE or a DELETE, each with the server's message: a
 * published table needs a replica identity the publications' column lists
 * cover. Probed for real — `UPDATE t SET c = c WHERE false` and `DELETE FROM
 * t WHERE false`, which PostgreSQL checks before looking for rows — in a
 * transaction rolled back at the end. The client must be outside a
 * transaction. One query when the database has no publication.
 */
export async function tablesRefusingUpdates(client: pg.ClientBase): Promise<Map<string, string>> {
  const refused = new Map<string, string>();
  const published = (await client.query<PublishedTable>(PUBLISHED)).rows;
  if (published.length === 0) return refused;
  await client.query('BEGIN');
  try {
    for (const table of published) {
      const probes = [
        ...(table.update && table.column ? [`UPDATE ${table.quoted} SET ${table.column} = ${table.column} WHERE false`] : []),
        ...(table.delete ? [`DELETE FROM ${table.quoted} WHERE false`] : []),
      ];
      for (const probe of probes) {
        await client.query('SAVEPOINT replica_identity_probe');
        try {
          await client.query(probe);
          await client.query('RELEASE SAVEPOINT replica_identity_probe');
        } catch (error) {
          await client.query('ROLLBACK TO SAVEPOINT replica_identity_probe');
          const { code, message, detail } = error as { code?: string; message: string; detail?: string };
          // object_not_in_prerequisite_state: the replica identity refusals. Anything else is not this probe's business.
          if (code !== '55000') continue;
          refused.set(table.key, detail ? `${message}: ${detail}` : message);
          break;
        }
      }
    }
  } finally {
    await client.query('ROLLBACK');
  }
  return refused;
}
