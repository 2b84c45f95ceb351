// The frame both runs share: a fresh copy of the data, the fleet on v1, a
// script that moves through the deploy's phases, then the records and the
// schema the change left behind.
import { setTimeout as sleep } from 'node:timers/promises';
import { AppFleet } from './app-fleet.mjs';
import { copyDataset, customerCount, dropDatabase, withClient } from './dataset.mjs';
import { Timeline } from './timeline.mjs';

const WARM_UP_MS = 1000;

/**
 * Runs `script({ url, fleet, phase, hold })` on database `name` (a fresh copy of
 * the template) while the fleet sends traffic. `phase(name, label)` starts a
 * phase; `hold(ms)` lets traffic run. Returns the phases, every request (with
 * its phase), what the script returned, and the final shape of `orders`.
 */
export async function withRollout(serverUrl, name, options, script) {
  const url = await copyDataset(serverUrl, name);
  const timeline = new Timeline();
  const fleet = new AppFleet({ url, clients: options.clients, rate: options.rate, rows: options.rows, customers: customerCount(options.rows), timeline });
  let result;
  let failure;
  try {
    await fleet.start();
    // Connections, prepared statements and caches warm up before the clock starts.
    await sleep(WARM_UP_MS);
    timeline.restart();
    result = await script({
      url,
      fleet,
      phase: (phaseName, label) => timeline.begin(phaseName, label),
      hold: (ms) => sleep(ms),
    });
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  } finally {
    timeline.end();
    await fleet.stop();
  }
  const finalSchema = await withClient(url, ordersShape);
  await dropDatabase(serverUrl, name);
  const records = fleet.records.filter((r) => r.t >= 0).map((r) => ({ ...r, phase: timeline.phaseAt(r.t) ?? 'outside' }));
  return { phases: timeline.phases, records, result, failure, finalSchema };
}

/** Columns, constraints and indexes of orders, as comparable text. */
async function ordersShape(client) {
  const { rows } = await client.query(`
    SELECT 'column ' || attname || ' ' || format_type(atttypid, atttypmod) || CASE WHEN attnotnull THEN ' not null' ELSE '' END AS line
      FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attnum > 0 AND NOT attisdropped
    UNION ALL
    SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) || CASE WHEN convalidated THEN '' ELSE ' (not validated)' END
      FROM pg_constraint WHERE conrelid = 'orders'::regclass
    UNION ALL
    SELECT 'index ' || indexdef FROM pg_indexes WHERE tablename = 'orders'
    UNION ALL
    SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal
    ORDER BY 1`);
  return rows.map((r) => r.line);
}
