// A page embedding the picture, with the figures and both migrations beside it.

export function reportHtml(svg, results) {
  const rows = results.runs.map((r) => {
    const cells = [
      r.name,
      `${r.failedRequests} / ${r.requests}`,
      `${r.longestStall.ms} ms`,
      r.idle ? `${r.idle.p50} / ${r.idle.p99} ms` : '–',
      r.targets.backfillP99VsIdle ? `${r.targets.backfillP99VsIdle.value}×` : '–',
      r.backfill ? Math.round(r.backfill.rowsPerSecond).toLocaleString('en-US') : '–',
      r.backfill ? `${Math.round(r.backfill.ratioToSingleUpdate * 100)}%` : '–',
      r.changeMs === undefined ? '–' : `${Math.round(r.changeMs)} ms`,
    ];
    return `<tr>${cells.map((c) => `<td>${escape(c)}</td>`).join('')}</tr>`;
  });
  const errors = results.runs.flatMap((r) => r.errors.map((e) => `<li><b>${escape(r.name)}</b> ${e.count} × ${escape(e.release)}: <code>${escape(e.message)}</code> (${escape(e.phases.join(', '))})</li>`));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pgtandem: blast radius, measured</title>
<style>body{font-family:system-ui,sans-serif;max-width:1040px;margin:2em auto;padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}pre{background:#f6f6f6;padding:1em;overflow:auto}</style>
</head><body>
<h1>Blast radius, measured</h1>
<p>The same schema change on ${results.rows.toLocaleString('en-US')} orders, made the naive way (one transaction before the deploy) and the pgtandem way (expand → canary → migrate → contract), while ${results.clients} clients send ${results.rate} requests/s and shift from v1 to v2. ${escape(results.postgres)}, ${results.cores} cores, Node ${escape(results.node)}, ${escape(results.date)}.</p>
${svg}
<table><tr><th>run</th><th>failed / requests</th><th>longest stall</th><th>idle p50 / p99</th><th>backfill p99 ÷ idle p99</th><th>backfill rows/s</th><th>of single UPDATE (${Math.round(results.singleUpdate.rowsPerSecond).toLocaleString('en-US')} rows/s)</th><th>schema change time</th></tr>
${rows.join('\n')}</table>
<p>The single UPDATE on the table after expand (its trigger and two new indexes, no traffic): ${Math.round(results.singleUpdate.onExpandedSchema.rowsPerSecond).toLocaleString('en-US')} rows/s.</p>
<h2>Errors</h2><ul>${errors.join('\n') || '<li>none</li>'}</ul>
<h2>The migrations</h2><h3>naive</h3><pre>${escape(results.migrations.naive)}</pre><h3>pgtandem</h3><pre>${escape(results.migrations.pgtandem)}</pre>
<p>Every request is in results.json.</p>
</body></html>
`;
}

function escape(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}
