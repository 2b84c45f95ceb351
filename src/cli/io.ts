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
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    cwd: process.cwd(),
    ...(process.stdout.isTTY ? { terminal: process.stdout } : {}),
  };
}
