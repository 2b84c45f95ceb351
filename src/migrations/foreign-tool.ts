import type { Layout, MigrationFile } from './migration.js';
import type { Phase } from './phase.js';
import { phaseMarkers } from './segments.js';

/** The command each tool's deploy runs: how a user recognises who would apply a file. */
const DEPLOY_COMMAND: Readonly<Record<Exclude<Layout, 'native'>, string>> = {
  plain: 'the tool that applies this folder',
  'golang-migrate': 'migrate up (golang-migrate)',
  popx: 'popx (migrate sql)',
  flyway: 'flyway migrate',
  dbmate: 'dbmate up',
  goose: 'goose up',
  prisma: 'prisma migrate deploy',
  drizzle: 'drizzle-kit migrate',
  diesel: 'diesel migration run',
};

/**
 * Whether a tool other than pgtandem's runner applies the file: one found in a
 * `history` folder, or any file in a foreign tool's layout — that tool picks it
 * up by its name wherever it sits, so whoever runs first, it may run it whole.
 */
export function appliedByTool(file: Pick<MigrationFile, 'layout' | 'appliedBy' | 'script'>): boolean {
  return file.appliedBy === 'tool' || (file.layout !== 'native' && file.layout !== 'plain' && !file.script);
}

/** `prisma migrate deploy`, `flyway migrate`, …: the deploy that would run a file of this layout. */
export function deployCommand(layout: Layout): string {
  return layout === 'native' ? 'pgtandem' : DEPLOY_COMMAND[layout];
}

/** A `-- pgtandem:migrate|contract|abort` line in a file its own tool runs whole. */
export interface PhasedSection {
  phase: Exclude<Phase, 'expand'>;
  /** The marker line, as string offsets into the file's text. */
  start: number;
  end: number;
}

/**
 * The sections of a tool-applied file that only pgtandem's runner can run at
 * their deploy stage. The tool runs the whole file at once — expand, migrate,
 * contract and abort together while the old release is live — so each one is
 * a hazard (abort undoes expand; contract drops what v1 reads).
 */
export function phasedSections(file: MigrationFile): PhasedSection[] {
  if (!appliedByTool(file) || !file.segments.some((s) => s.phase !== 'expand')) return [];
  const sections: PhasedSection[] = [];
  const markers = phaseMarkers(file.text);
  markers.forEach((marker, i) => {
    if (marker.effect.kind !== 'phase' || marker.effect.phase === 'expand') return;
    const phase = marker.effect.phase;
    // Only markers the layout acted on: one whose section holds statements (a goose Down block yields none).
    const until = markers[i + 1]?.start ?? file.text.length;
    if (!file.segments.some((s) => s.phase === phase && s.start >= marker.end && s.start < until)) return;
    sections.push({ phase, start: marker.start, end: marker.start + file.text.slice(marker.start, marker.end).trimEnd().length });
  });
  return sections;
}

/** The one-line account of a phased file in a tool's folder, shared by lint and the runner (they must agree). */
export function describePhasedFile(file: MigrationFile, sections: readonly PhasedSection[]): string {
  const phases = [...new Set(sections.map((s) => s.phase))];
  const who = file.appliedBy === 'tool' && file.layout === 'plain' ? 'the tool that applies this history folder' : deployCommand(file.layout);
  const harm = phases.includes('abort')
    ? 'abort then undoes what expand just did'
    : phases.includes('contract')
      ? 'contract drops what the running release still uses'
      : 'the backfill runs unbatched in the deploy';
  return `${who} runs this file whole: its ${phases.join(', ')} section${phases.length === 1 ? '' : 's'} would run together with expand, before the new release ships — ${harm}`;
}

/** What to do instead, for lint's help and the runner's refusal. */
export const PHASED_FILE_FIX =
  "Move the phased migration to pgtandem's own folder (migrationsDir, as <version>_<name>.sql), and list this tool's folder under \"history\" in pgtandem.config.json: pgtandem replays it for the schema and runs each section at its deploy stage; the tool keeps applying only its own files.";
