// ESM loader hooks for load-recorder.cjs: logs each module URL as it is resolved.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(process.env.PGTANDEM_LOAD_LOG, `${resolved.url}\n`);
  return resolved;
}
