/** Stable codes the CLI maps to exit codes and users can match on. */
export type ErrorCode =
  | 'USAGE'
  | 'CONFIG_INVALID'
  | 'PATH_NOT_FOUND'
  | 'GLOB_NO_MATCH'
  | 'READ_FAILED'
  | 'NOT_FORWARD_MIGRATION'
  | 'GIT_FAILED'
  | 'BACKFILL_REFUSED';

/** The base of every error pgtandem throws on purpose: one line, a code, an optional cause. */
export class PgtandemError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UsageError extends PgtandemError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

export class ConfigError extends PgtandemError {
  constructor(
    readonly file: string,
    message: string,
    readonly position?: { line: number; column: number },
    options?: { cause?: unknown },
  ) {
    super('CONFIG_INVALID', `${file}${position ? `:${position.line}:${position.column}` : ''}: ${message}`, options);
  }
}

export class GitError extends PgtandemError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GIT_FAILED', message, options);
  }
}

/**
 * A migrate statement the runner cannot split into keyset batches. The message
 * says why and how to run it as written (`-- pgtandem:no-batch`).
 */
export class BackfillRefusedError extends PgtandemError {
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('BACKFILL_REFUSED', message, options);
  }
}
