import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseFleetFile } from '../../src/fleet/fleet-file.js';

const targets = { schemas: 'tenant_*', urlEnv: 'TENANTS_URL' };
const problem = (input: unknown): string => {
  try {
    parseFleetFile('fleet.json', JSON.stringify(input));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the fleet file was accepted');
};

describe('fleet file checks', () => {
  it('a wave selector that is neither a label, a percentage nor a count is named as such, not as "must be object"', () => {
    expect(problem({ targets, waves: ['1%', 'canary', '100%'] })).toContain('waves[1]: a wave selects "label:<label>", "<n>%" or "<n>", got "canary"');
    expect(problem({ targets, waves: [{ select: 'canary' }, '100%'] })).toContain('waves[0].select: a wave selects "label:<label>", "<n>%" or "<n>", got "canary"');
    expect(problem({ targets, maxFailures: 'many' })).toContain('maxFailures: a count or a percentage such as "10%", got "many"');
  });

  it('a value of the wrong type is still named by its type', () => {
    expect(problem({ targets, waves: [5] })).toMatch(/^fleet\.json: waves\[0\]: must be (string|object)/);
    expect(problem({ targets, concurrency: 'lots' })).toMatch(/concurrency: must be (integer|object)/);
  });

  it('reads waves, failure budgets and concurrency as documented in docs/fleet.md', () => {
    const spec = parseFleetFile(
      'fleet.json',
      JSON.stringify({ targets, waves: [{ name: 'canary', select: 'label:canary', maxFailures: 1 }, '5%', { select: '25%', maxFailures: '10%' }, '100%'], maxFailures: 2, concurrency: { total: 8, perServer: 4 } }),
    );
    expect(spec.waves.map((w) => [w.name, w.select, w.maxFailures])).toEqual([
      ['canary', 'label:canary', { count: 1 }],
      ['2', '5%', { count: 2 }],
      ['3', '25%', { percent: 10 }],
      ['4', '100%', { count: 2 }],
    ]);
    expect(spec.concurrency).toEqual({ total: 8, perServer: 4 });
    expect(parseFleetFile('fleet.json', JSON.stringify({ targets })).concurrency).toEqual({ total: 4, perServer: 4 });
    expect(parseFleetFile('fleet.json', JSON.stringify({ targets, concurrency: 2 })).concurrency).toEqual({ total: 2, perServer: 2 });
  });
});

describe('fleet file checks quote what they refuse', () => {
  it('a name off its pattern is quoted', () => {
    expect(problem({ targets: [{ name: 'acme corp', urlEnv: 'TENANTS_URL' }] })).toBe('fleet.json: targets[0].name: letters, digits, _ . - only, got "acme corp"');
  });
});
