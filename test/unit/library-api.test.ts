import { describe, expect, it } from 'vitest';

// What `import … from 'pgtandem'` gives a user: the built package, through its exports map.
describe("import { lint } from 'pgtandem'", () => {
  it('lints in-memory sources and returns findings without printing', async () => {
    const { lint } = await import('pgtandem');
    const writes: unknown[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: unknown) => (writes.push(chunk), true)) as typeof process.stdout.write;
    try {
      const result = await lint({ sources: [{ path: 'db/0001_x.sql', text: 'DROP INDEX orders_status_idx;\n' }], configFile: false });
      expect(result.findings.map((f) => [f.rule, f.line, f.column])).toEqual([['require-concurrent-index-deletion', 1, 1]]);
      expect(result.summary).toEqual({ files: 1, errors: 1, warnings: 0 });
    } finally {
      process.stdout.write = original;
    }
    expect(writes).toEqual([]);
  });

  it('exposes the rules, the reporters and typed errors', async () => {
    const api = await import('pgtandem');
    expect(api.rules.length).toBeGreaterThanOrEqual(12);
    expect(api.FORMATS).toEqual(['pretty', 'json', 'sarif', 'github', 'markdown']);
    await expect(api.lint({ paths: ['does/not/exist'], configFile: false })).rejects.toBeInstanceOf(api.DiscoveryError);
  });

  it('exposes fleets: the fleet file, its targets and waves, and the run', async () => {
    const api = await import('pgtandem');
    for (const name of ['parseFleetFile', 'loadFleetFile', 'resolveTargets', 'assignWaves', 'chooseWaves', 'runFleet', 'checkFleetContract', 'readTargetState'] as const) {
      expect(typeof api[name], name).toBe('function');
    }
    const spec = api.parseFleetFile('fleet.json', JSON.stringify({ targets: { schemas: 'tenant_*', urlEnv: 'URL' }, waves: ['10%', '100%'] }));
    expect(spec.waves.map((w) => w.select)).toEqual(['10%', '100%']);
  });

  it('exposes adoption and the runner state: baseline, the project reader, the rerun advice', async () => {
    const api = await import('pgtandem');
    expect(typeof api.baseline).toBe('function');
    expect(typeof api.discoverProject).toBe('function');
    expect(api.rerunAdvice({ phase: 'migrate', result: 'interrupted' })).toEqual({ rerunCanHelp: true, advice: 'rerun pgtandem migrate to resume' });
    expect(new api.InterruptedError('stopped')).toBeInstanceOf(api.RunnerError);
  });
});
