import { connect, type Connection } from '../db/connect.js';
import { ConnectionError } from '../errors.js';
import type { FleetTarget } from './resolve-targets.js';

/**
 * Connects to a target. For a tenant schema, search_path is set for the
 * session to the schema (then the fleet's shared schemas): every statement
 * and every backfill batch on this connection resolves unqualified names in
 * the tenant, and nothing the runner does resets it. A schema that does not
 * exist is this target's failure, before anything runs.
 */
export async function openTarget(target: FleetTarget, applicationName: string, searchPath: readonly string[]): Promise<Connection> {
  const connection = await connect(target.url, applicationName);
  if (target.schema === undefined) return connection;
  try {
    // One round trip: a fleet opens thousands of these.
    const { rows } = await connection.client.query<{ found: boolean }>(
      `SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1) AS found,
              set_config('search_path', array_to_string(ARRAY(SELECT quote_ident(s) FROM unnest($2::text[]) AS s), ', '), false)`,
      [target.schema, [target.schema, ...searchPath]],
    );
    if (!rows[0]?.found) throw new ConnectionError(`schema "${target.schema}" does not exist in ${target.database}`);
    return connection;
  } catch (error) {
    await connection.close();
    throw error;
  }
}
