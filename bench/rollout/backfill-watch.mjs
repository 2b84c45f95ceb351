// Reads the runner's saved backfill cursor while migrate runs (one tiny row,
// every 100 ms), to tell when the last row changed: the runner keeps walking
// rows the app inserts ahead of its cursor, so the command can end later.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/** Starts watching; `stop()` resolves with `{ rowsDone, lastChangeMs }` (ms after start), or undefined when nothing was seen. */
export async function watchBackfill(url) {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-watch' });
  await client.connect();
  const from = performance.now();
  let running = true;
  let rowsDone = 0;
  let lastChangeMs;
  const loop = (async () => {
    while (running) {
      try {
        const { rows } = await client.query(`SELECT (backfill -> 'cursor' ->> 'rowsDone')::bigint AS done FROM pgtandem.migrations WHERE backfill IS NOT NULL`);
        const done = Number(rows[0]?.done ?? 0);
        if (done > rowsDone) {
          rowsDone = done;
          lastChangeMs = performance.now() - from;
        }
      } catch {
        // Before the runner creates its schema (or if its layout changes): no figure.
      }
      await sleep(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      return lastChangeMs === undefined ? undefined : { rowsDone, lastChangeMs };
    },
  };
}
