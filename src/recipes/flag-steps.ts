import type { Phase } from '../migrations/phase.js';

/**
 * Where each step of a feature flag's rollout falls among a migration's
 * phases, as comment lines at the head of each section: with a flag the
 * deploy ends at expand, the rollout happens between migrate and contract,
 * and contract waits for the usage gate, not for sessions.
 */
export const FLAG_STEPS: Record<Phase, (flag: string) => string[]> = {
  expand: (flag) => [`-- flag ${flag}: once this ran, ship the release holding both code paths with ${flag} at 0% (the new path must not run before its columns exist).`],
  migrate: (flag) => [
    `-- flag ${flag}: still at 0% while this backfills; then roll it out 1% → 10% → 50% → 100%.`,
    '-- Turning it off is the rollback: the sync keeps both shapes current until contract.',
  ],
  contract: (flag) => [
    `-- flag ${flag}: at 100% and the old path removed (or idle), run: pgtandem contract --usage-window 30m`,
    '-- (application_name cannot tell where a flag stands: the usage gate refuses while any statement still uses the old shape).',
  ],
  abort: (flag) => [`-- flag ${flag}: the change is dropped: set ${flag} to 0% first, then run this.`],
};

/** A scaffolded migration's text with the flag's step under each section marker, and a line saying so at the top. */
export function withFlagSteps(text: string, flag: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let headerDone = false;
  for (const line of lines) {
    const marker = /^-- pgtandem:(expand|migrate|contract|abort)\s*$/.exec(line);
    if (marker && !headerDone) {
      // The header comments end at the blank line before the first section.
      out.splice(out.length - 1, 0, `-- Feature flag ${flag}: the same release runs both code paths; each section says which flag step goes with it.`);
      headerDone = true;
    }
    out.push(line);
    if (marker) out.push(...FLAG_STEPS[marker[1] as Phase](flag));
  }
  return out.join('\n');
}
