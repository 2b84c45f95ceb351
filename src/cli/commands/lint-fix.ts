import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { fixMigrations } from '../../fix/fix-migrations.js';
import type { LintOptions } from '../../lint/lint.js';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';

/**
 * `lint --fix`: writes the mechanical fixes into the files (a native
 * migration's multi-phase change rewritten into its recipe's phases), names
 * the `pgtandem new` command for what only a recipe fixes, adds the follow-up
 * migration a VALIDATE needs after another tool's one-transaction file, and returns
 * undefined, so the lint that follows reports what is left. `--fix --dry-run`:
 * prints them as a unified diff, lists what it cannot fix on stderr, and
 * returns the exit code (1 when an error finding would remain).
 */
export async function applyFixes(options: LintOptions, { dryRun }: { dryRun: boolean }, io: CliIO): Promise<number | undefined> {
  const { files } = await fixMigrations(options);
  const cwd = options.cwd ?? process.cwd();
  const changed = files.filter((f) => f.after !== f.before);
  // A diff's paths are relative to where it is applied (`git apply`, `patch -p1`).
  const shown = (path: string): string => (isAbsolute(path) ? relative(cwd, path) || path : path);
  if (dryRun) {
    // Imported here: the bundled CLI keeps it external, so plain lint never loads it.
    const { createTwoFilesPatch } = await import('diff');
    const headerOptions = { includeIndex: false, includeUnderline: false, includeFileHeaders: true };
    for (const file of changed) {
      io.stdout(createTwoFilesPatch(`a/${shown(file.path)}`, `b/${shown(file.path)}`, file.before, file.after, undefined, undefined, { headerOptions }));
      for (const created of file.created) io.stdout(createTwoFilesPatch('/dev/null', `b/${shown(created.path)}`, '', created.text, undefined, undefined, { headerOptions }));
    }
    const unfixed = files.flatMap((f) => f.unfixed);
    for (const { finding, reason, recipe } of unfixed) {
      io.stderr(`${shown(finding.file)}:${finding.line}:${finding.column}: ${finding.rule}: not fixed: ${reason}${recipe && !reason.includes(recipe) ? `; scaffold it: ${recipe}` : ''}\n`);
    }
    const fixed = files.reduce((n, f) => n + f.fixed.length, 0);
    io.stderr(`${fixed} finding${fixed === 1 ? '' : 's'} fixable in ${changed.length} file${changed.length === 1 ? '' : 's'}; ${unfixed.length} not (nothing written).\n`);
    return unfixed.some((u) => u.finding.severity === 'error') ? EXIT.findings : EXIT.ok;
  }
  // Every fix is computed before any file is written: a failure while fixing leaves all files as they were.
  // New migrations first: one that exists already stops the fix before any file is edited.
  for (const created of changed.flatMap((f) => f.created)) {
    const path = resolve(cwd, created.path);
    await mkdir(dirname(path), { recursive: true });
    try {
      await writeFile(path, created.text, { flag: 'wx' });
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST') throw new UsageError(`${shown(created.path)} exists already; not overwriting it`);
      throw error;
    }
  }
  for (const file of changed) await writeFile(resolve(cwd, file.path), file.after);
  const fixed = changed.reduce((n, f) => n + f.fixed.length, 0);
  // What only a recipe fixes: the command that scaffolds it (the lint that follows says the rest).
  for (const { finding, recipe } of files.flatMap((f) => f.unfixed)) {
    if (recipe) io.stderr(`${shown(finding.file)}:${finding.line}:${finding.column}: ${finding.rule}: scaffold it: ${recipe}\n`);
  }
  if (fixed > 0) io.stderr(`fixed ${fixed} finding${fixed === 1 ? '' : 's'} in ${changed.length} file${changed.length === 1 ? '' : 's'}\n`);
  return undefined;
}
