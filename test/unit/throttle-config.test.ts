import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/lint/config.js';
import { parseSize } from '../../src/lint/throttle-config.js';
import { runnerSettings } from '../../src/runner/settings.js';
import { DEFAULT_THROTTLE_SETTINGS } from '../../src/runner/throttle-settings.js';
import { migrationsDir, runCli } from '../support/runner-cli.js';

const parse = (throttle: unknown) => parseConfig('pgtandem.config.json', JSON.stringify({ throttle }), [], false);

describe('throttle settings in the config', () => {
  it('is on by default, with its limits', () => {
    expect(runnerSettings(parseConfig('pgtandem.config.json', '{}', [], false), 18).throttle).toEqual(DEFAULT_THROTTLE_SETTINGS);
    expect(DEFAULT_THROTTLE_SETTINGS.enabled).toBe(true);
    // Only an anti-wraparound autovacuum pauses a backfill unless the config says otherwise.
    expect(DEFAULT_THROTTLE_SETTINGS.autovacuum).toBe('wraparound');
    expect(runnerSettings(parse({ autovacuum: 'pause' }), 18).throttle.autovacuum).toBe('pause');
  });

  it('takes durations, sizes and counts, and keeps the defaults of the rest', () => {
    const settings = runnerSettings(parse({ maxReplayLag: '30s', maxSlotWal: '512MB', maxLockWaiters: 0, autovacuum: 'ignore', checkInterval: '250ms', maxPause: '10min' }), 18).throttle;
    expect(settings).toEqual({ enabled: true, maxReplayLag: 30_000, maxSlotWal: 512 * 1024 ** 2, maxLockWaiters: 0, autovacuum: 'ignore', checkInterval: 250, maxPause: 600_000 });
    expect(runnerSettings(parse({ maxReplayLag: 2000 }), 18).throttle).toEqual({ ...DEFAULT_THROTTLE_SETTINGS, maxReplayLag: 2000 });
  });

  it('false turns it off', () => {
    expect(runnerSettings(parse(false), 18).throttle.enabled).toBe(false);
  });

  it.each([
    ['1GB', 1024 ** 3],
    ['64kB', 65536],
    ['100', 100],
    [2048, 2048],
    ['1.5 MB', 1.5 * 1024 ** 2],
  ])('size %s = %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each([
    [{ maxReplayLag: '-5s' }, 'throttle.maxReplayLag must be a duration such as "30s", "500ms", "5min" or a number of milliseconds, got "-5s"'],
    [{ maxReplayLag: -1 }, 'throttle.maxReplayLag must be a duration'],
    [{ maxSlotWal: '1 parsec' }, 'throttle.maxSlotWal must be a size such as "1GB", "512MB" or a number of bytes, got "1 parsec"'],
    [{ maxSlotWal: -10 }, 'throttle.maxSlotWal must be a size'],
    [{ maxLockWaiters: 1.5 }, 'throttle.maxLockWaiters must be a whole number ≥ 0'],
    [{ autovacuum: 'sometimes' }, 'throttle.autovacuum must be "wraparound" (the default), "pause" or "ignore"'],
    [{ checkInterval: 0 }, 'throttle.checkInterval must be more than 0'],
    [{ maxLag: '5s' }, 'unknown setting "throttle.maxLag"'],
    ['fast', 'throttle must be false or an object'],
  ])('refuses %j in one line', (throttle, message) => {
    const action = () => parse(throttle);
    expect(action).toThrow(ConfigError);
    expect(action).toThrow(message);
    try {
      action();
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('the published JSON Schema', () => {
  const schema = JSON.parse(readFileSync(new URL('../../schema/pgtandem.config.schema.json', import.meta.url), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true, strictRequired: false }).compile(schema);

  it('accepts what pgtandem accepts, and refuses an unknown unit and an unknown key', () => {
    expect(validate({ throttle: { maxReplayLag: '30s', maxSlotWal: '512MB', maxLockWaiters: 0, autovacuum: 'ignore', checkInterval: 250, maxPause: '10min' } })).toBe(true);
    expect(validate({ throttle: false })).toBe(true);
    for (const autovacuum of ['wraparound', 'pause', 'ignore']) expect(validate({ throttle: { autovacuum } })).toBe(true);
    expect(validate({ throttle: { autovacuum: 'sometimes' } })).toBe(false);
    expect(validate({ throttle: { maxSlotWal: '1 parsec' } })).toBe(false);
    expect(validate({ throttle: { maxLag: '5s' } })).toBe(false);
  });
});

describe('the CLI on limits that make no sense', () => {
  const dir = migrationsDir({ '0001_a.sql': '-- pgtandem:expand\nCREATE TABLE a (id int PRIMARY KEY);\n' });

  it.each([
    [['--max-pause', 'soon'], {}, 'pgtandem: --max-pause: expected a duration such as 30s, 500ms or 5min, got "soon"'],
    [[], { throttle: { maxSlotWal: '1 parsec' } }, 'throttle.maxSlotWal must be a size such as "1GB", "512MB" or a number of bytes, got "1 parsec"'],
    [[], { throttle: { maxReplayLag: '-3s' } }, 'throttle.maxReplayLag must be a duration'],
  ])('migrate %j with config %j: one line, exit 2, before connecting', async (flags, config, message) => {
    writeFileSync(join(dir, 'pgtandem.config.json'), JSON.stringify(config));
    const run = await runCli(['migrate', '--dir', dir, ...flags], { cwd: dir, env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' } });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
  });
});
