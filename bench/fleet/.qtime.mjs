import pg from 'pg';
const orig = pg.Client.prototype.query;
const stats = new Map();
pg.Client.prototype.query = function (...args) {
  const text = typeof args[0] === 'string' ? args[0] : args[0]?.text ?? '?';
  const t0 = performance.now();
  const result = orig.apply(this, args);
  if (result && typeof result.then === 'function') {
    result.then(() => { const k = text.replace(/\s+/g, ' ').slice(0, 90); const s = stats.get(k) ?? { n: 0, ms: 0 }; s.n++; s.ms += performance.now() - t0; stats.set(k, s); }, () => {});
  }
  return result;
};
process.on('exit', () => {
  const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
  for (const [k, s] of rows) process.stderr.write(`${s.ms.toFixed(0).padStart(7)} ms ${String(s.n).padStart(5)}x  ${k}\n`);
});
