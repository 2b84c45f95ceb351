import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/pgtandem.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(args: string[], closeStdout: boolean): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // The reader gone before the first write, as `pgtandem … | head` leaves it once head has its lines.
  if (closeStdout) child.stdout.destroy();
  else child.stdout.resume();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('a closed stdout (pgtandem … | head)', () => {
  it('is not a crash: nothing on stderr, and the exit code the command would have had', async () => {
    const args = ['lint', 'migrations-example', '--all', '--format', 'json'];
    const piped = await run(args, true);
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe((await run(args, false)).code);
  });
});
