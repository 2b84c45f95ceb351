import { describe, expect, it } from 'vitest';
import { parseFleetFile } from '../../src/fleet/fleet-file.js';
import type { FleetTarget } from '../../src/fleet/resolve-targets.js';
import { assignWaves, findWave } from '../../src/fleet/waves.js';
import { runBounded } from '../../src/fleet/run-bounded.js';

const fleet = (json: unknown) => parseFleetFile('fleet.json', JSON.stringify(json));
const targets = (n: number, labelled: Record<number, string[]> = {}): FleetTarget[] =>
  Array.from({ length: n }, (_, i) => ({ name: `t${i + 1}`, url: 'postgres://h/db', labels: labelled[i + 1] ?? [], server: `s${i % 2}`, database: 'h:5432/db', where: 'h:5432/db', at: 'targets' }));
const generator = { schemas: 'tenant_*', urlEnv: 'URL' };

describe('fleet waves', () => {
  it('deals targets cumulatively: labels first, then percentages and counts of the whole fleet, rounded up', () => {
    const spec = fleet({ targets: generator, waves: ['label:canary', '5%', '20', '50%', '100%'] });
    const waves = assignWaves(spec, targets(100, { 7: ['canary'], 50: ['canary'] }));
    expect(waves.map((w) => w.targets.length)).toEqual([2, 3, 15, 30, 50]);
    expect(waves[0]!.targets.map((t) => t.name)).toEqual(['t7', 't50']);
    // 5% of 100 is 5 in all: the two canaries and the first three others.
    expect(waves[1]!.targets.map((t) => t.name)).toEqual(['t1', 't2', 't3']);
  });

  it('passes over a wave the earlier ones already cover, and finds waves by number or name', () => {
    const spec = fleet({ targets: generator, waves: [{ name: 'canary', select: '1' }, '10%', '100%'] });
    const waves = assignWaves(spec, targets(4));
    expect(waves.map((w) => w.targets.length)).toEqual([1, 0, 3]);
    expect(findWave(waves, 'canary').index).toBe(0);
    expect(findWave(waves, '3').index).toBe(2);
    expect(() => findWave(waves, 'eu')).toThrow(/--wave: no wave "eu" \(the fleet's waves: 1 "canary" \(1, 1 target\), 2 \(10%, 0 targets\), 3 \(100%, 3 targets\); or next\)/);
  });

  it('counts maxFailures per wave, a percentage of the wave rounded up and at least 1', () => {
    const spec = fleet({ targets: generator, waves: ['10%', { select: '100%', maxFailures: 3 }], maxFailures: '5%' });
    const waves = assignWaves(spec, targets(200));
    expect(waves.map((w) => w.maxFailures)).toEqual([1, 3]);
    expect(assignWaves(fleet({ targets: generator, maxFailures: '5%' }), targets(200))[0]!.maxFailures).toBe(10);
  });

  it('refuses a label no target carries, naming the labels there are', () => {
    expect(() => assignWaves(fleet({ targets: generator, waves: ['label:eu', '100%'] }), targets(3, { 1: ['us'] }))).toThrow(
      'fleet.json: waves[0]: "label:eu" matches no target (labels in the fleet: us)',
    );
  });
});

describe('fleet file', () => {
  it.each([
    [{ targets: [] }, 'fleet.json: targets: must NOT have fewer than 1 items'],
    [{ targets: [{ schemas: 'tenant_*' }] }, 'fleet.json: targets[0]: needs url or urlEnv'],
    [{ targets: [{ name: 'a', urlEnv: 'URL', shema: 'x' }] }, 'fleet.json: targets[0]: unknown setting "shema"'],
    [{ targets: [{ name: 'a' }] }, 'fleet.json: targets[0]: needs url or urlEnv'],
    [{ targets: generator, waves: ['canary', '100%'] }, 'fleet.json: waves[0]: a wave selects "label:<label>", "<n>%" or "<n>", got "canary"'],
    [{ targets: generator, waves: ['5%', '50%'] }, 'fleet.json: waves[1]: the last wave must reach every target ("100%")'],
    [{ targets: generator, waves: ['150%', '100%'] }, 'fleet.json: waves[0]: a percentage wave takes more than 0% and at most 100%, got "150%"'],
    [{ targets: generator, concurrency: 0 }, 'fleet.json: concurrency'],
    [{ targets: generator, maxFailures: '10 %' }, 'fleet.json: maxFailures: a count or a percentage such as "10%", got "10 %"'],
    [{ targets: [{ name: 'a', urlEnv: 'URL' }, { name: 'a', urlEnv: 'URL' }] }, 'fleet.json: targets[1].name: duplicate target name "a" (also targets[0])'],
    [{ targets: [{ name: 'a', url: 'postgres://h/d', urlEnv: 'URL' }] }, 'fleet.json: targets[0]: url and urlEnv both given'],
    [{ targets: { schemas: 't_*', query: 'SELECT 1', urlEnv: 'URL' } }, 'fleet.json: targets: schemas, databases and query are different generators'],
  ])('refuses %j in one line naming the place', (json, message) => {
    let error: Error | undefined;
    try {
      fleet(json);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message.startsWith(message), error?.message).toBe(true);
    expect(error!.message).not.toContain('\n');
  });

  it('gives JSON syntax errors a line and column', () => {
    expect(() => parseFleetFile('fleet.json', '{\n  "targets": [,]\n}')).toThrow(/^fleet\.json(:2:\d+)?: invalid JSON/);
  });

  it('defaults: one wave of every target, 4 at once, the first failure stops the wave', () => {
    const spec = fleet({ targets: generator });
    expect(spec.waves.map((w) => [w.select, w.maxFailures])).toEqual([['100%', { count: 1 }]]);
    expect(spec.concurrency).toEqual({ total: 4, perServer: 4 });
    expect(fleet({ targets: generator, concurrency: { total: 8, perServer: 2 } }).concurrency).toEqual({ total: 8, perServer: 2 });
  });
});

describe('runBounded', () => {
  it('never runs more than the limits, in all and per server, and stops starting items when told', async () => {
    const running = { all: 0, s0: 0, s1: 0, peakAll: 0, peakS0: 0, peakS1: 0 };
    const items = targets(12);
    const results = await runBounded(items, (t) => t.server, { total: 3, perServer: 2 }, async (t) => {
      running.all += 1;
      running[t.server as 's0' | 's1'] += 1;
      running.peakAll = Math.max(running.peakAll, running.all);
      running.peakS0 = Math.max(running.peakS0, running.s0);
      running.peakS1 = Math.max(running.peakS1, running.s1);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running.all -= 1;
      running[t.server as 's0' | 's1'] -= 1;
      return t.name;
    });
    expect(results).toEqual(items.map((t) => t.name));
    expect([running.peakAll, running.peakS0, running.peakS1]).toEqual([3, 2, 2]);

    let done = 0;
    const stopped = await runBounded(items, () => 'one', { total: 1, perServer: 1 }, async (t) => ((done += 1), t.name), () => done >= 2);
    expect(stopped.filter(Boolean)).toHaveLength(2);
  });
});
