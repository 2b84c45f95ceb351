import { Command, CommanderError, Option } from 'commander';
import { FORMATS } from '../report/formats.js';
import { describeFailure, EXIT } from './exit-code.js';
import { processIO, type CliIO } from './io.js';
import { packageVersion } from './package-version.js';

// Loaded on use, like lint: --help needs neither the database driver nor the parser.
const PHASE_COMMANDS = {
  expand: async () => (await import('./commands/expand.js')).expandCommand,
  migrate: async () => (await import('./commands/migrate.js')).migrateCommand,
  contract: async () => (await import('./commands/contract.js')).contractCommand,
  abort: async () => (await import('./commands/abort.js')).abortCommand,
};

/** Runs the CLI with `argv` (node, script, …args) and returns the exit code; the only caller of process I/O is `io`. */
export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  let exitCode: number = EXIT.ok;
  const verbose = argv.includes('--verbose');
  const program = new Command('pgtandem')
    .description('Safe PostgreSQL schema changes for rolling and canary deploys.')
    .version(packageVersion(), '-V, --version')
    .option('--verbose', 'print stack traces for internal errors')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} })
    .showSuggestionAfterError(true);

  program
    .command('lint')
    .description('lint SQL migrations for dangerous locks, table rewrites and changes that break the running app version')
    .argument('[paths...]', 'migration files, directories or globs (default: migrationsDir from the config)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('pretty'))
    .option('--pg-version <major>', 'PostgreSQL major version the migrations run on, or its release (14.2) for checks of minor-release bugs (default: config pgVersion, else 16)')
    .option('--since <git-ref>', 'lint only migrations added or changed since the merge base with <git-ref>')
    .option('--staged', 'lint only migrations staged in git (for pre-commit hooks)')
    .option('--all', 'also report the migrations at or before the config\'s baseline (shipped history, otherwise replayed only)')
    .option('-c, --config <file>', 'use this config file instead of searching for pgtandem.config.json')
    .option(
      '--database-url <url>',
      'start from this database\'s schema and table sizes (read-only; env PGTANDEM_DATABASE_URL); lock findings on tables under smallTableRows become warnings',
    )
    .option('--cache', 'keep each file\'s findings in .pgtandem-cache/ and lint again only the files that changed, and the files after them in their history')
    .option('--cache-location <path>', 'the cache file, or a folder for it (implies --cache; default .pgtandem-cache/lint.cache)')
    .option('--fix', 'apply the mechanical fixes in place (CONCURRENTLY, NOT VALID + VALIDATE, USING INDEX, timeouts, IF [NOT] EXISTS, jsonb; a native migration\'s rename, type change, SET NOT NULL or drop column rewritten into its recipe\'s phases), then report what is left')
    .option('--dry-run', 'with --fix: print the fixes as a unified diff and write nothing')
    .addHelpText(
      'after',
      [
        '',
        'Exit codes: 0 no errors (warnings allowed), 1 error findings, 2 usage, configuration, I/O or connection problem.',
        'Silence a statement: -- pgtandem-ignore <rule>[, <rule>]: <reason>   a file: -- pgtandem-ignore-file <rule>…',
        "squawk's -- squawk-ignore / -- squawk-ignore-file comments are honoured for the rules with the same id (docs/squawk.md).",
        'Rules: docs/rules/README.md',
      ].join('\n'),
    )
    .action(async (paths: string[], options) => {
      // Loaded on use: --help and --version need neither the rules nor the parser.
      const { lintCommand } = await import('./commands/lint.js');
      exitCode = await lintCommand(paths, options, io);
    });

  const runnerOptions = (command: Command): Command =>
    command
      .option('--database-url <url>', 'the database to migrate (default: env DATABASE_URL); never printed')
      .option('-d, --dir <path>', 'migrations directory (default: migrationsDir from the config)')
      .option('-c, --config <file>', 'use this config file instead of searching for pgtandem.config.json')
      .option('--embedded', 'without a database URL: use the running dev-db (pgtandem dev-db start), else start a throwaway local PostgreSQL, removed when the command ends (for trying pgtandem)');
  const fleetOptions = (command: Command): Command =>
    command.option('--fleet <file>', 'roll across the databases and tenant schemas of a fleet file (pgtandem.fleet.json, docs/fleet.md) instead of one database');
  const fleetHelp = (phase: string): string =>
    [
      '',
      '',
      `With --fleet <file>: ${phase} runs on each target of a wave (a database, or a tenant schema with search_path set to it and its state`,
      'kept in it), at most the fleet\'s concurrency at once; a wave stops taking targets at its maxFailures. --format json prints every',
      `target's outcome. Exit 1 when a target failed or was interrupted: rerun to resume it.${phase === 'contract' ? ' Contract refuses the whole selection until every target in it is migrated and its guards hold.' : ''}${phase === 'abort' ? ' Abort takes every wave, newest first.' : ''}`,
    ].join('\n');
  const phaseHelp = [
    '',
    'Every transaction sets lock_timeout (config lockTimeout, default 2s) and statement_timeout (statementTimeout, default none);',
    'a statement that cannot get its lock is rolled back and retried with backoff until lockRetryDeadline (default 5min).',
    'Progress is checkpointed after each action: rerun after a failure or a crash and it resumes where it stopped.',
    'Durations: 500ms, 30s, 5min (a bare number is seconds).',
    'Exit codes: 0 done, 1 the phase failed or was refused (finished actions kept, the failed one rolled back: rerun to resume),',
    '2 usage, configuration or connection problem.',
  ].join('\n');
  const phases = [
    ['expand', 'apply the expand section of every pending migration (before the new release ships)'],
    ['migrate', 'apply the migrate section of every expanded migration: backfills in keyset batches (while both releases run)'],
    ['contract', 'apply the contract section of every migrated migration, once the old release is gone (the point of no return)'],
    ['abort', 'apply the abort section of every expanded or migrated migration, newest first (the new release was rolled back)'],
  ] as const;
  for (const [phase, description] of phases) {
    const command = runnerOptions(program.command(phase).description(description))
      .option('--dry-run', 'print the plan (statements, transaction boundaries, locks) and change nothing')
      .option('--to <version>', phase === 'abort' ? 'abort only migrations at or above this version' : 'stop after this version')
      .option('--lock-wait <duration>', 'how long to wait for another pgtandem runner to finish (default 5s)');
    if (phase === 'contract') {
      command
        .option('--old-release <pattern>', 'LIKE pattern for application_name of the old release (default: config oldReleaseApplicationName)')
        .option('--wait <duration>', 'wait this long for old-release sessions to disconnect (default: refuse at once)')
        .option('--force', 'contract without its guards: old-release sessions and the usage gate (says so)')
        .option('--usage-window <duration>', 'usage gate: watch pg_stat_statements this long for statements using what contract removes (default: config usageWindow, else 10min)')
        .option('--usage-since <migrate>', 'usage gate: start the window at the snapshot the last migrate kept instead of now');
    }
    if (phase === 'migrate') {
      command.option(
        '--max-pause <duration>',
        'the longest the backfills may pause in all while a standby lags, a slot retains WAL, autovacuum works the table or sessions queue on their locks (config throttle.maxPause, default 1h); past it: exit 1, rerun to resume',
      );
    }
    fleetOptions(command)
      .option('--wave <n|name|next>', 'with --fleet: run this wave (number or name), or next: the first wave with work left (default: the current wave; the next one never starts unasked)')
      .option('--waves <all>', 'with --fleet: run every wave in order, stopping at a wave that reaches its maxFailures')
      .option('--targets <names>', 'with --fleet: only these targets (comma-separated names)')
      .option('--concurrency <n>', 'with --fleet: targets at once (default: the fleet file\'s concurrency)')
      .addOption(new Option('-f, --format <format>', 'with --fleet: output format (default pretty)').choices(['pretty', 'json']));
    command.addHelpText('after', phaseHelp + fleetHelp(phase)).action(async (options) => {
      if (options.fleet !== undefined) {
        const { fleetPhaseCommand } = await import('./commands/fleet.js');
        exitCode = await fleetPhaseCommand(phase, options, io);
        return;
      }
      const { checkFleetFlags } = await import('./fleet-flags.js');
      checkFleetFlags(options, true);
      const run = await PHASE_COMMANDS[phase]();
      exitCode = await run(options, io);
    });
  }
  fleetOptions(runnerOptions(program.command('status').description('show every migration, its phase state and timestamps, and the next safe command')))
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .addHelpText('after', '\nReads only; creates nothing. With --fleet: every wave\'s targets by stage, the targets that need a look, and the next command.\nExit codes: 0 shown, 2 usage, configuration or connection problem.')
    .action(async (options) => {
      if (options.fleet !== undefined) {
        const { fleetStatusCommand } = await import('./commands/fleet-status.js');
        exitCode = await fleetStatusCommand(options, io);
        return;
      }
      const { statusCommand } = await import('./commands/status.js');
      exitCode = await statusCommand(options, io);
    });

  runnerOptions(
    program
      .command('baseline')
      .description("adopt a database whose migrations are already applied: record them as contracted, from the history table of the tool that applied them (Prisma, Flyway, golang-migrate, goose, dbmate, Drizzle, diesel, popx) or up to --to"),
  )
    .option('--to <version>', 'take every migration up to this version as applied (by hand, without a tool history table)')
    .option('--dry-run', 'say what would be recorded and what the checks found; change nothing')
    .option('--force', 'adopt despite checksums that differ from the tool\'s and schema differences (they are still listed)')
    .option('--lock-wait <duration>', 'how long to wait for another pgtandem runner to finish (default 5s)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .addHelpText(
      'after',
      [
        '',
        "Checks before writing anything: pgtandem's state agrees (a migration its runner has started is never overwritten),",
        "the tool's checksums match the files (Prisma, Flyway, Drizzle keep them), and the live schema has what the applied",
        'migrations make (replayed from the files; objects only the database has are listed, not refused).',
        'A failed Prisma migration, a failed Flyway row, a dirty golang-migrate version or a migration Drizzle skipped is not adopted, and is named.',
        'Idempotent: a second run says there is nothing to do. History folders (config "history") are reported, never recorded.',
        'Exit codes: 0 done (or nothing to do), 1 refused (nothing changed), 2 usage, configuration or connection problem.',
      ].join('\n'),
    )
    .action(async (options) => {
      const { baselineCommand } = await import('./commands/baseline.js');
      exitCode = await baselineCommand(options, io);
    });

  program
    .command('init')
    .description('write pgtandem.config.json (with its JSON Schema) and the migrations folder; detects Prisma, Drizzle, golang-migrate, Flyway and other layouts')
    .option('--from-squawk [file]', "carry over squawk's settings from .squawk.toml (or this file): excluded_rules, pg_version, assume_in_transaction")
    .option('-d, --dir <path>', 'migrations folder to use (created if missing) instead of detecting one')
    .option('--force', 'overwrite an existing pgtandem.config.json')
    .addHelpText('after', '\nExit codes: 0 written, 2 the config exists (without --force), or .squawk.toml is missing or invalid.')
    .action(async (options) => {
      const { initCommand } = await import('./commands/init.js');
      exitCode = await initCommand(options, io);
    });

  program
    .command('verify')
    .description('run the migrations on a fresh shadow PostgreSQL: trace the locks, rewrites and scans of the change phase by phase, and check that v1 and v2 queries keep working')
    .argument('[dir]', 'migrations directory (default: migrationsDir from the config)')
    .option('--shadow <how>', 'the shadow server: url (--shadow-url or SHADOW_DATABASE_URL), embedded, or docker:<image> to test on the major production runs, e.g. docker:postgres:16 (default: url when one is given, else embedded)')
    .option('--shadow-url <url>', 'a server where verify may create and drop a scratch database (default: env SHADOW_DATABASE_URL, else an embedded PostgreSQL); never printed')
    .option('--change <versions...>', 'the migrations under test (default: the last migration); earlier ones are history, applied fully first')
    .option('--since <git-ref>', 'the change is the migrations added or changed since the merge base with <git-ref>')
    .option('--queries-v1 <file>', 'the old release\'s queries: must still prepare and plan after expand, migrate and abort')
    .option('--queries-v2 <file>', 'the new release\'s queries: must prepare and plan after expand, migrate and contract')
    .option('--no-abort', 'skip the second run (expand then abort on another fresh database)')
    .option('--seed <rows>', 'before the change, fill every table of the history with <rows> synthetic rows that satisfy its types and constraints (every 10th value of a nullable column NULL)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('pretty'))
    .option('-c, --config <file>', 'use this config file instead of searching for pgtandem.config.json')
    .addHelpText(
      'after',
      [
        '',
        'Each statement runs as the runner would run it (same transaction grouping); before COMMIT verify reads pg_locks',
        'for its own session and the relfilenode and scan count of every table. Statements that cannot run in a',
        'transaction (CONCURRENTLY) show the predicted lock. A backfill runs as written in one transaction.',
        'Findings: traced-table-rewrite, traced-access-exclusive (error when it scanned the table under the lock, else info),',
        'traced-blocks-writes, verify-statement-failed, v1-query-broken, v2-query-broken, v1-query-result-changed.',
        'Queries files: .sql statements ($1 parameters allowed), or a pg_stat_statements export (.json rows or .csv with',
        'a header) with a "query" column. Each query must PREPARE and EXPLAIN EXECUTE (NULL parameters; nothing runs);',
        'an INSERT must supply every NOT NULL column without a default (unless a BEFORE INSERT trigger may fill it).',
        'With --seed, rewrites, scans and validations run on real rows, and SET NOT NULL without a backfill fails on the',
        'seeded NULLs as it would in production; a table whose rows cannot be generated is skipped and said so.',
        'With --seed, each backfill of the change is also forecast on the seeded rows, as migrate --dry-run forecasts it.',
        '--shadow docker:<image> drives the docker CLI (no Docker library): docker run -d --rm publishing 5432 on a random',
        'local port, a random POSTGRES_PASSWORD, waits up to 60 s for the server, and docker rm -f at the end (also on Ctrl-C).',
        'Exit codes: 0 no errors (warnings allowed), 1 error findings or a failed history migration, 2 usage, configuration or connection problem.',
      ].join('\n'),
    )
    .action(async (dir: string | undefined, options) => {
      const { verifyCommand } = await import('./commands/verify.js');
      exitCode = await verifyCommand(dir, options, io);
    });

  const newCommand = program
    .command('new')
    .description('scaffold a safe multi-phase migration from a recipe: every phase (expand, migrate, contract, abort) filled in')
    .argument('<recipe>', 'add-column, rename-column, change-column-type, add-not-null, add-foreign-key, add-unique, add-check, add-index, drop-column, rename-table, split-column')
    .argument('[args...]', "the recipe's arguments (see Recipes below)")
    .option('-d, --dir <path>', 'migrations directory (default: migrationsDir from the config, else the project\'s migrations folder)')
    .option('-c, --config <file>', 'use this config file instead of searching for pgtandem.config.json')
    .option('--name <name>', 'the file name after the version (default: derived from the arguments, e.g. rename_users_name_to_full_name)')
    .option('--stdout', 'print the migration instead of writing it')
    .option('--feature-flag <flag>', 'a feature flag ships the change: each section says which step of its rollout goes with it (docs/strategies.md)')
    .option('--not-null', 'add-column: NOT NULL; rename-column, change-column-type with --type: the column is NOT NULL; drop-column: see below')
    .option('--default <expr>', 'add-column: the default; drop-column: a default for a NOT NULL column the new release stops writing')
    .option('--backfill <expr>', 'add-column, add-not-null: the value for existing rows and for rows the old release writes without it')
    .option('--using <expr>', 'change-column-type: the conversion, over the column')
    .option('--down <expr>', 'change-column-type: the conversion back for the old release, over the new column')
    .option('--type <type>', "rename-column, change-column-type: the column's current type, when the migrations do not define the table")
    .option('--unique', 'add-index: a unique index')
    .option('--where <condition>', 'add-index: a partial index')
    .option('--allow-null', 'drop-column: drop NOT NULL instead of adding a default')
    .option('--merge <expr>', 'split-column: the old column computed from the new ones')
    .option('--nullable', 'drop-column: the column is nullable or has a default, when the migrations do not define the table')
    .action(async (recipe: string, args: string[], options) => {
      const { newCommand: run } = await import('./commands/new.js');
      exitCode = await run(recipe, args, options, io);
    });
  // The recipe list comes from the recipes themselves; loaded only when `new` is the command.
  if (argv.slice(2).find((a) => !a.startsWith('-')) === 'new') newCommand.addHelpText('after', (await import('./commands/new.js')).newHelpText());

  const devDb = program
    .command('dev-db')
    .description('a lasting local PostgreSQL for trying pgtandem across commands: data in .pgtandem/dev-db beside the config, no Docker, no install')
    .addHelpText(
      'after',
      [
        '',
        'Quick start:  eval "$(pgtandem dev-db start)"   (or export the DATABASE_URL it prints), then pgtandem expand, migrate, contract, status.',
        'The runner commands\' --embedded uses the dev-db when it is running. .pgtandem/ carries a .gitignore (*): nothing in it is committed.',
      ].join('\n'),
    );
  const devDbActions = [
    ['start', 'start it (created the first time; data kept across stop and start) on a free local port and print export DATABASE_URL=…', 'Exit codes: 0 running (also when it already was), 2 it could not be created or started.'],
    ['stop', 'fast shutdown (open sessions are rolled back); the data is kept unless --delete', 'Exit codes: 0 stopped (also when it was not running), 2 it could not be stopped.'],
    ['url', 'print its URL, for export DATABASE_URL=$(pgtandem dev-db url)', 'Exit codes: 0 printed, 1 not running.'],
    ['status', 'whether it runs, its port, database, data dir, PostgreSQL version and size (never the URL)', 'Exit codes: 0 shown, 2 usage or configuration problem.'],
  ] as const;
  for (const [action, description, exitCodes] of devDbActions) {
    const command = devDb
      .command(action)
      .description(description)
      .option('-c, --config <file>', 'the project is the folder of this config file instead of the one found by searching for pgtandem.config.json');
    if (action === 'stop') command.option('--delete', 'also delete .pgtandem/dev-db (its data, port and password)');
    if (action === 'status') command.addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json']).default('pretty'));
    command.addHelpText('after', `\n${exitCodes}`).action(async (options) => {
      const { devDbCommand } = await import('./commands/dev-db.js');
      exitCode = await devDbCommand(action, options, io);
    });
  }

  program
    .command('demo')
    .description('try pgtandem: a deploy of migrations-example on a throwaway PostgreSQL while simulated v1 and v2 app instances serve traffic')
    .option('--strategy <strategy>', 'how the release ships: rolling, canary, blue-green, flag (a feature flag) or recreate; each shows its timeline and the guard that protects contract (default: canary)')
    .option('--fail-canary', 'the v2 canary misbehaves: roll it back and abort the migrations instead of contracting (with the canary strategy)')
    .option('--fleet', 'roll one change across 12 tenant schemas in waves instead (pgtandem expand|migrate|contract --fleet): a canary tenant, a wave stopped by a tenant altered by hand, the fix, the rest')
    .option('--database-url <url>', 'a server where the demo may create and drop a scratch database (default: an embedded PostgreSQL)')
    .addHelpText('after', '\nTakes under a minute; leaves nothing behind. Fleets: docs/fleet.md. Exit codes: 0 done, 1 or 2 the demo could not run.')
    .action(async (options) => {
      const { demoCommand } = await import('./commands/demo.js');
      exitCode = await demoCommand(options, io);
    });

  program
    .command('docs')
    .description('write a Markdown page per lint rule, the project\'s own rules (config "plugins") included, and an index')
    .requiredOption('--out <dir>', 'the folder to write the pages to (created if missing)')
    .option('-c, --config <file>', 'use this config file instead of searching for pgtandem.config.json')
    .addHelpText('after', '\nExit codes: 0 written, 2 usage, configuration or I/O problem (a plugin that does not load).')
    .action(async (options) => {
      const { docsCommand } = await import('./commands/docs.js');
      exitCode = await docsCommand(options, io);
    });

  program
    .command('lsp')
    .description('the language server for editors, on stdin/stdout: lint diagnostics as you type, hover, quick fixes, recipe scaffolds (editors/vscode starts it)')
    .option('--stdio', 'talk over stdin/stdout (the default and only transport; editors pass it)')
    .addHelpText('after', '\nRuns until the editor closes the connection. Exit codes: 0 closed, 2 could not start.')
    .action(async () => {
      // Loaded on use (a chunk of its own); the protocol packages are imported by the server itself (scripts/bundle-cli.mjs).
      const { lspCommand } = await import('./commands/lsp.js');
      exitCode = await lspCommand();
    });

  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help')) {
      return EXIT.ok;
    }
    const failure = describeFailure(error);
    io.stderr(`pgtandem: ${failure.message}\n`);
    if (verbose && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    return failure.exitCode;
  }
  return exitCode;
}
