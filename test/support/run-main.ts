import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';

export interface MainRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The CLI run in this process (`main` with a captured io): what a user
 * would see, without starting node per command. `live` is filled as the
 * command writes, for tests that act while it runs.
 */
export async function runMain(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }, live: { stdout?: string; stderr: string } = { stderr: '' }): Promise<MainRun> {
  live.stdout ??= '';
  const io: CliIO = {
    stdout: (text) => void (live.stdout += text),
    stderr: (text) => void (live.stderr += text),
    env: { PATH: process.env.PATH, ...options.env },
    isTTY: false,
    cwd: options.cwd,
  };
  const code = await main(['node', 'pgtandem', ...args], io);
  return { code, stdout: live.stdout, stderr: live.stderr };
}
