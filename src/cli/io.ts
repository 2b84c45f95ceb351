/** Where commands write: the real streams in the CLI, buffers in tests. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  cwd: string;
  /** The terminal behind stdout, for live progress bars; absent in tests and pipes get log lines. */
  terminal?: NodeJS.WriteStream;
}

export function processIO(): CliIO {
  // A reader that went away (`pgtandem … | head`) is not a crash: what is left unwritten is dropped,
  // the command ends as it would, and its exit code says how it went.
  const closed = { stdout: false, stderr: false };
  for (const name of ['stdout', 'stderr'] as const) {
    process[name].on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      closed[name] = true;
    });
  }
  return {
    stdout: (text) => void (closed.stdout || process.stdout.write(text)),
    stderr: (text) => void (closed.stderr || process.stderr.write(text)),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    cwd: process.cwd(),
    ...(process.stdout.isTTY ? { terminal: process.stdout } : {}),
  };
}
