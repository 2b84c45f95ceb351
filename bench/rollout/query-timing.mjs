// Where a run's database time goes: loaded with --import into any process that uses pg (the
// CLI the benchmark spawns inherits NODE_OPTIONS), it times every query by kind (a backfill's
// batch statement, its health check, its cursor, COMMIT, …) and appends one JSON line per
// process to $PGT_QUERY_PROFILE when it exits:
//   PGT_QUERY_PROFILE=/tmp/q.jsonl NODE_OPTIONS="--import $PWD/bench/rollout/query-timing.mjs" node bench/rollout/rollout.mjs
import { appendFileSync } from 'node:fs';
import pg from 'pg';
const stats = new Map();
const kind = (text) => {
  const t = (typeof text === 'string' ? text : text?.text ?? '').replace(/\s+/g, ' ').trim();
  if (t.includes('pgtandem_bound')) return 'batch';
  if (t.startsWith('BEGIN;')) return 'BEGIN + SET LOCALs';
  if (t.includes('json_agg(v)')) return 'health signals';
  if (t.startsWith('SELECT set_config')) return 'set_config';
  if (t.startsWith('SET LOCAL')) return 'set local timeouts';
  if (t.includes('pg_stat_replication')) return 'health: replication';
  if (t.includes('pg_replication_slots')) return 'health: slots';
  if (t.includes('pg_stat_progress_vacuum')) return 'health: autovacuum';
  if (t.includes("'0/0')::float8 AS lsn")) return 'health: lsn';
  if (t.includes('pg_blocking_pids')) return 'lock waiters';
  if (t.startsWith('update "pgtandem"."migrations" set "backfill"')) return 'save cursor';
  return t.slice(0, 50);
};
const orig = pg.Client.prototype.query;
pg.Client.prototype.query = function (...args) {
  const k = kind(args[0]);
  const from = performance.now();
  const r = orig.apply(this, args);
  if (r && typeof r.then === 'function') {
    r.then(() => { const s = stats.get(k) ?? { n: 0, ms: 0 }; s.n++; s.ms += performance.now() - from; stats.set(k, s); }, () => {});
  }
  return r;
};
const started = performance.now();
process.on('exit', () => {
  if (!process.env.PGT_QUERY_PROFILE) return;
  const rows = [...stats].map(([k, s]) => ({ k, n: s.n, ms: Math.round(s.ms), avg: +(s.ms / s.n).toFixed(2) })).sort((a, b) => b.ms - a.ms);
  appendFileSync(process.env.PGT_QUERY_PROFILE, JSON.stringify({ argv: process.argv.slice(2, 3), totalMs: Math.round(performance.now() - started), rows }) + '\n');
});
