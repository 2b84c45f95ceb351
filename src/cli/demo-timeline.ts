import type { Request } from '../demo/fleet.js';

/** A stage of the demo's deploy: when it ran and the share of instances on v2 at its end. */
export interface Stage {
  name: string;
  started: number;
  ended: number;
  v2Share: number;
}

/** The demo's closing table: per stage, requests and failures per release, p99 and worst latency. */
export function formatTimeline(stages: readonly Stage[], requests: readonly Request[]): string {
  const start = stages[0]?.started ?? 0;
  const header = ['STAGE', 'AT', 'TOOK', 'v1 REQ', 'v1 FAILED', 'v2 REQ', 'v2 FAILED', 'p99', 'MAX'];
  const rows = stages.map((stage) => {
    const inStage = requests.filter((r) => r.at >= stage.started && r.at < stage.ended);
    const of = (release: 'v1' | 'v2') => inStage.filter((r) => r.release === release);
    const failed = (list: Request[]) => {
      const database = list.filter((r) => r.error?.kind === 'database').length;
      const app = list.filter((r) => r.error?.kind === 'app').length;
      return app > 0 ? `${database} (+${app} bug)` : String(database);
    };
    const latencies = inStage.map((r) => r.ms).sort((a, b) => a - b);
    const p99 = latencies.length > 0 ? latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)]! : 0;
    const max = latencies.at(-1) ?? 0;
    return [
      stage.name,
      `${((stage.started - start) / 1000).toFixed(1)}s`,
      `${((stage.ended - stage.started) / 1000).toFixed(1)}s`,
      String(of('v1').length),
      failed(of('v1')),
      String(of('v2').length),
      failed(of('v2')),
      `${p99.toFixed(0)} ms`,
      `${max.toFixed(0)} ms`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const errors = new Map<string, number>();
  for (const r of requests) if (r.error?.kind === 'database') errors.set(r.error.message, (errors.get(r.error.message) ?? 0) + 1);
  const errorLines = [...errors].map(([message, count]) => `  ${count} × ${message}`);
  return [line(header), ...rows.map(line), ...(errorLines.length > 0 ? ['', 'Database errors the apps saw:', ...errorLines] : [])].join('\n');
}
