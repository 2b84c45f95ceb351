import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pgtandem <args>` in this process (no build, no child process) in `cwd`, with `env` as its environment. */
export async function pgtandem(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<InProcessRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: options.env ?? {}, isTTY: false, cwd: options.cwd };
  const code = await main(['node', 'pgtandem', ...args], io);
  return { code, stdout, stderr };
}
