import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { GitError } from '../errors.js';

const run = promisify(execFile);

export type ChangeSelection = { since: string } | { staged: true };

/**
 * Absolute paths of the files added or changed: since the merge base with a
 * ref (committed, working-tree and untracked changes: what a pull request
 * adds), or staged in the index (what a pre-commit hook sees).
 */
export async function changedFiles(cwd: string, selection: ChangeSelection): Promise<Set<string>> {
  const top = (await git(cwd, ['rev-parse', '--show-toplevel'])).trim();
  let names: string[];
  if ('since' in selection) {
    const base = (await git(cwd, ['merge-base', 'HEAD', selection.since], `cannot find the merge base of HEAD and "${selection.since}"`)).trim();
    const changed = await git(cwd, ['diff', '--name-only', '-z', '--diff-filter=ACMR', base]);
    const untracked = await git(cwd, ['ls-files', '--others', '--exclude-standard', '-z']);
    names = [...changed.split('\0'), ...untracked.split('\0')];
  } else {
    names = (await git(cwd, ['diff', '--cached', '--name-only', '-z', '--diff-filter=ACMR'])).split('\0');
  }
  return new Set(names.filter((n) => n !== '').map((n) => resolve(top, n)));
}

async function git(cwd: string, args: string[], failure?: string): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = ((error as { stderr?: string }).stderr ?? '').trim().split('\n')[0];
    throw new GitError(failure ?? `git ${args[0]} failed${stderr ? `: ${stderr}` : ''}`, { cause: error });
  }
}
