import { Command, CommanderError, Option } from 'commander';
import { FORMATS } from '../report/format.js';
import { describeFailure, EXIT } from './exit-code.js';
import { processIO, type CliIO } from './io.js';
import { packageVersion } from './package-version.js';

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
    .option('--pg-version <major>', 'PostgreSQL major version the migrations run on (default: config pgVersion, else 16)')
    .option('--since <git-ref>', 'lint only migrations added or changed since the merge base with <git-ref>')
    .option('--staged', 'lint only migrations staged in git (for pre-commit hooks)')
    .option('-c, --config <file>', 'use this config file instead of searching for pgtandem.config.json')
    .addHelpText(
      'after',
      [
        '',
        'Exit codes: 0 no errors (warnings allowed), 1 error findings, 2 usage, configuration or I/O problem.',
        'Silence a statement: -- pgtandem-ignore <rule>[, <rule>]: <reason>   a file: -- pgtandem-ignore-file <rule>…',
        'Rules: docs/rules/README.md',
      ].join('\n'),
    )
    .action(async (paths: string[], options) => {
      // Loaded on use: --help and --version need neither the rules nor the parser.
      const { lintCommand } = await import('./commands/lint.js');
      exitCode = await lintCommand(paths, options, io);
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
