/**
 * Whether to colour output: NO_COLOR (any non-empty value) wins, then
 * FORCE_COLOR (anything but 0/false), then whether stdout is a terminal.
 */
export function shouldColor(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR.toLowerCase() !== 'false';
  return isTTY && env.TERM !== 'dumb';
}
