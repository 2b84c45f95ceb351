import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { rules } from '../../rules/index.js';
import { lint } from '../../src/lint/lint.js';
import { formatResult } from '../../src/report/format.js';
import { mutate, MUTATION_KINDS, random } from './mutate.js';

// The linter on mutated real migrations (issue 9, "bad input"): it never
// crashes or hangs, every finding points inside its file, and the JSON and
// SARIF outputs always parse. 10,000 mutants in `npm test`; more with
// PGTANDEM_FAULTS_LONG=1 (100,000) and another seed with PGTANDEM_FAULTS_SEED.
const LONG = process.env.PGTANDEM_FAULTS_LONG === '1';
const SEED = Number(process.env.PGTANDEM_FAULTS_SEED ?? 20261126);
const MUTANTS = LONG ? 100_000 : 10_000;
const CHUNK = 500;
const BATCH = 50;

const repo = fileURLToPath(new URL('../..', import.meta.url));
const fullCorpus = join(repo, '../shared/corpus');
const seedRoots = [join(repo, 'test/fixtures/corpus-sample'), join(repo, 'migrations-example'), ...(existsSync(fullCorpus) ? [fullCorpus] : [])];

function sqlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    const stat = statSync(path);
    if (stat.isDirectory()) return sqlFiles(path);
    // Large files (PostgreSQL's regression suite) would only slow the run: the mutations are local.
    // Down migrations are never linted, so their mutants would test nothing.
    return entry.endsWith('.sql') && !/(^|[._])down\.sql$/.test(entry) && stat.size <= 64_000 ? [path] : [];
  });
}

const seeds = seedRoots.flatMap(sqlFiles).sort();
const pick = random(SEED);
const seedBytes = new Map<string, Buffer>();
const bytesOf = (path: string): Buffer => seedBytes.get(path) ?? seedBytes.set(path, readFileSync(path)).get(path)!;

const workDir = mkdtempSync(join(tmpdir(), 'pgtandem-faults-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

interface WrittenMutant {
  path: string;
  label: string;
  lines: number;
}

/** Writes chunk `n`'s mutants, each in a folder of its own under its seed file's name (so layouts are detected as for the original). */
function writeChunk(n: number): WrittenMutant[] {
  const written: WrittenMutant[] = [];
  for (let index = n * CHUNK; index < Math.min(MUTANTS, (n + 1) * CHUNK); index++) {
    const source = seeds[Math.floor(pick() * seeds.length)]!;
    const other = seeds[Math.floor(pick() * seeds.length)]!;
    const mutant = mutate(bytesOf(source), bytesOf(other), SEED, index);
    const dir = join(workDir, String(index));
    mkdirSync(dir);
    const path = join(dir, basename(source));
    writeFileSync(path, mutant.bytes);
    // Lines as the linter counts them: LF, CRLF and lone CR each end one.
    const text = mutant.bytes.toString('utf8');
    written.push({ path, label: `mutant ${index} (seed ${SEED}, ${mutant.kind} of ${source.slice(repo.length)})`, lines: text.split(/\r\n|\r|\n/).length });
  }
  return written;
}

/** Lints mutants; when the batch throws, finds the one that did it, so the failure names a reproducible input. */
async function lintOrName(mutants: WrittenMutant[]): Promise<Awaited<ReturnType<typeof lint>>> {
  try {
    return await lint({ paths: mutants.map((m) => m.path), configFile: false });
  } catch (batchError) {
    for (const mutant of mutants) {
      try {
        await lint({ paths: [mutant.path], configFile: false });
      } catch (error) {
        throw new Error(`${mutant.label}: ${error instanceof Error ? error.stack : String(error)}`);
      }
    }
    throw batchError;
  }
}

const chunks = Array.from({ length: Math.ceil(MUTANTS / CHUNK) }, (_, n) => n);

describe(`the linter on ${MUTANTS.toLocaleString('en')} mutated migrations (seed ${SEED}; ${MUTATION_KINDS.join(', ')})`, () => {
  it('mutates a real seed set', () => {
    expect(seeds.length).toBeGreaterThanOrEqual(50);
  });

  it.each(chunks)('chunk %i: no crash, positions inside the file, JSON and SARIF parse', async (n) => {
    const written = writeChunk(n);
    // Small batches, with the event loop free between them: a worker busy for long misses vitest's RPC deadline.
    for (let at = 0; at < written.length; at += BATCH) {
      await new Promise((resolve) => setImmediate(resolve));
      checkBatch(written.slice(at, at + BATCH), await lintOrName(written.slice(at, at + BATCH)));
    }
  });

  function checkBatch(mutants: WrittenMutant[], result: Awaited<ReturnType<typeof lint>>): void {
    expect(result.files.length).toBe(mutants.length);
    const linesOf = new Map(mutants.map((m) => [m.path, m]));
    for (const finding of result.findings) {
      const mutant = linesOf.get(finding.file) ?? [...linesOf.values()].find((m) => m.path.endsWith(finding.file));
      const where = `${mutant?.label ?? finding.file}: ${finding.rule} at ${finding.line}:${finding.column}`;
      expect(finding.line, where).toBeGreaterThanOrEqual(1);
      expect(finding.column, where).toBeGreaterThanOrEqual(1);
      if (mutant) expect(finding.endLine, where).toBeLessThanOrEqual(mutant.lines);
      expect(finding.message.length, where).toBeGreaterThan(0);
    }
    const options = { rules, color: false, toolVersion: 'test' };
    expect(() => JSON.parse(formatResult('json', result, options))).not.toThrow();
    expect(() => JSON.parse(formatResult('sarif', result, options))).not.toThrow();
    expect(formatResult('pretty', result, options).length).toBeGreaterThan(0);
  }

  it('the CLI prints one valid JSON document for a chunk of mutants and exits 0 or 1', () => {
    const mutants = readdirSync(workDir)
      .slice(0, CHUNK)
      .flatMap((dir) => readdirSync(join(workDir, dir)).map((file) => join(workDir, dir, file)));
    expect(mutants.length).toBeGreaterThan(0);
    const run = spawnSync(process.execPath, [join(repo, 'bin/pgtandem.js'), 'lint', '--format', 'json', ...mutants], { encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(run.stderr).toBe('');
    expect([0, 1]).toContain(run.status);
    const document = JSON.parse(run.stdout) as { files: unknown[] };
    expect(document.files.length).toBe(mutants.length);
  });
});
