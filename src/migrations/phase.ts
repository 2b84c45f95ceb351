/** The deploy stages a migration statement can belong to (DESIGN.md §1). */
export const PHASES = ['expand', 'migrate', 'contract', 'abort'] as const;
export type Phase = (typeof PHASES)[number];

export function isPhase(value: string): value is Phase {
  return (PHASES as readonly string[]).includes(value);
}
