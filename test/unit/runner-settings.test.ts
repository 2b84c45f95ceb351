import { beforeAll, describe, expect, it } from 'vitest';
import { redact } from '../../src/db/redact.js';
import { ConfigError, RunnerError } from '../../src/errors.js';
import { parseConfig } from '../../src/lint/config.js';
import { parseDuration } from '../../src/lint/duration.js';
import { readMigrationSource } from '../../src/migrations/discover.js';
import { checkChecksums, eligibleMigrations } from '../../src/runner/eligibility.js';
import { sectionChecksum } from '../../src/runner/plan.js';
import { runnerSettings } from '../../src/runner/settings.js';
import { DEFAULT_THROTTLE_SETTINGS } from '../../src/runner/throttle-settings.js';
import type { MigrationRecord } from '../../src/runner/state.js';
import { statusReport } from '../../src/runner/status.js';
import { loadParser } from '../../src/sql/pg-parser.js';

beforeAll(async () => {
  await loadParser();
});

describe('runner settings in the config', () => {
  it.each([
    { value: '2s', ms: 2_000 },
    { value: '500ms', ms: 500 },
    { value: '5min', ms: 300_000 },
    { value: '1.5s', ms: 1_500 },
    { value: 750, ms: 750 },
    { value: '1h', ms: 3_600_000 },
  ])('duration $value = $ms ms', ({ value, ms }) => {
    expect(parseDuration(value)).toBe(ms);
    expect(parseConfig('pgtandem.config.json', JSON.stringify({ lockRetryDeadline: value }), [], false).lockRetryDeadline).toBe(ms);
  });

  it.each([
    { config: { lockTimeout: 'soon' }, message: 'lockTimeout must be a duration such as "2s", "500ms", "5min" or a number of milliseconds, got "soon"' },
    { config: { lockTimeout: 0 }, message: 'lockTimeout must be more than 0' },
    { config: { statementTimeout: -1 }, message: 'statementTimeout must be a duration' },
    { config: { batchSize: 0 }, message: 'batchSize must be a whole number ≥ 1' },
    { config: { oldReleaseApplicationName: '' }, message: 'oldReleaseApplicationName must be a non-empty string' },
    { config: { oldReleaseApplicationName: 'a%', oldVersionApplicationName: 'b%' }, message: 'not both' },
  ])('refuses $config', ({ config, message }) => {
    const action = () => parseConfig('pgtandem.config.json', JSON.stringify(config), [], false);
    expect(action).toThrow(ConfigError);
    expect(action).toThrow(message);
  });

  it('takes every runner setting, DESIGN.md’s oldVersionApplicationName as an alias, and defaults the rest', () => {
    const config = parseConfig(
      'pgtandem.config.json',
      JSON.stringify({ lockTimeout: '3s', statementTimeout: '10min', batchSize: 500, batchDelayMs: 10, batchTargetMs: '200ms', oldVersionApplicationName: 'shop@v1%' }),
      [],
      false,
    );
    expect(config.oldReleaseApplicationName).toBe('shop@v1%');
    expect(runnerSettings(config, 18)).toEqual({
      lockTimeout: 3_000,
      statementTimeout: 600_000,
      lockRetryDeadline: 300_000,
      batchSize: 500,
      batchDelayMs: 10,
      batchTargetMs: 200,
      throttle: DEFAULT_THROTTLE_SETTINGS,
      pgVersion: 18,
    });
  });
});

describe('redact', () => {
  it.each([
    ['connect failed for postgres://app:s3cret@db:5432/shop', 'connect failed for postgres://app:***@db:5432/shop'],
    ['host=db password=s3cret user=app', 'host=db password=*** user=app'],
    ['password authentication failed; tried s3cret', 'password authentication failed; tried ***'],
  ])('%s', (input, expected) => {
    expect(redact(input, ['s3cret'])).toBe(expected);
  });
});

const files = [
  readMigrationSource('0001_a.sql', '-- pgtandem:expand\nCREATE TABLE a (id int);\n-- pgtandem:abort\nDROP TABLE a;\n'),
  readMigrationSource('0002_b.sql', '-- pgtandem:expand\nCREATE TABLE b (id int);\n-- pgtandem:migrate\nINSERT INTO b VALUES (1);\n'),
  readMigrationSource('0010_c.sql', '-- pgtandem:expand\nCREATE TABLE c (id int);\n'),
];

function record(version: string, state: MigrationRecord['state'], extra: Partial<MigrationRecord> = {}): MigrationRecord {
  const file = files.find((f) => f.version.join('.') === version)!;
  return {
    version,
    name: file.name,
    path: file.path,
    state,
    phases: { expand: { checksum: sectionChecksum(file, 'expand'), startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z' } },
    checkpoint: null,
    backfill: null,
    updatedAt: '2026-01-01T00:00:01.000Z',
    ...extra,
  };
}

describe('which migrations a phase runs on', () => {
  const keys = (list: { version: string[] }[]) => list.map((f) => f.version.join('.'));
  it.each([
    { phase: 'expand' as const, records: [record('0001', 'expanded')], to: undefined, expected: ['0002', '0010'] },
    { phase: 'expand' as const, records: [], to: '2', expected: ['0001', '0002'] },
    { phase: 'expand' as const, records: [record('0001', 'aborted')], to: undefined, expected: ['0001', '0002', '0010'] },
    { phase: 'migrate' as const, records: [record('0001', 'expanded'), record('0002', 'expanded')], to: undefined, expected: ['0001', '0002'] },
    { phase: 'contract' as const, records: [record('0001', 'migrated'), record('0002', 'contracted')], to: undefined, expected: ['0001'] },
    { phase: 'abort' as const, records: [record('0001', 'migrated'), record('0002', 'expanded'), record('0010', 'contracted')], to: undefined, expected: ['0002', '0001'] },
    { phase: 'abort' as const, records: [record('0001', 'migrated'), record('0002', 'expanded')], to: '0002', expected: ['0002'] },
    {
      phase: 'abort' as const,
      records: [record('0001', 'pending', { checkpoint: { phase: 'expand', actionsDone: 1 } })],
      to: undefined,
      expected: ['0001'],
    },
  ])('$phase with $records.length records, --to $to → $expected', ({ phase, records, to, expected }) => {
    expect(keys(eligibleMigrations(phase, files, records, to))).toEqual(expected);
  });

  it('contract refuses while a migration in range has not been migrated', () => {
    expect(() => eligibleMigrations('contract', files, [record('0001', 'migrated'), record('0002', 'expanded')])).toThrow(
      'the migrate phase of 0002_b.sql has not finished',
    );
    expect(keys(eligibleMigrations('contract', files, [record('0001', 'migrated'), record('0002', 'expanded')], '1'))).toEqual(['0001']);
  });

  it('a changed section that ran is refused; an aborted migration may change', () => {
    const tampered = { ...record('0001', 'expanded'), phases: { expand: { checksum: 'x', startedAt: '2026-01-01T00:00:00.000Z' } } };
    expect(() => checkChecksums(files, [tampered])).toThrow(RunnerError);
    expect(() => checkChecksums(files, [tampered])).toThrow('0001_a.sql (expand section) changed after it ran');
    expect(() => checkChecksums(files, [{ ...tampered, state: 'aborted' }])).not.toThrow();
  });

  it.each([
    { records: [], next: 'pgtandem expand' },
    { records: [record('0001', 'expanded')], next: 'pgtandem migrate' },
    { records: [record('0001', 'migrated')], next: 'pgtandem contract' },
    { records: [record('0001', 'contracted'), record('0002', 'expanded', { checkpoint: { phase: 'abort', actionsDone: 0 } })], next: 'pgtandem abort' },
    { records: [record('0001', 'contracted'), record('0002', 'contracted'), record('0010', 'contracted')], next: 'nothing to do' },
  ])('status says the next safe command: $next', ({ records, next }) => {
    expect(statusReport(files, records).next).toBe(next);
  });
});
