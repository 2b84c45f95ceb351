/** Stable codes the CLI maps to exit codes and users can match on. */
export type ErrorCode =
  | 'USAGE'
  | 'CONFIG_INVALID'
  | 'PATH_NOT_FOUND'
  | 'GLOB_NO_MATCH'
  | 'READ_FAILED'
  | 'NOT_FORWARD_MIGRATION'
  | 'GIT_FAILED'
  | 'CONNECTION_FAILED'
  | 'PLAN_REFUSED'
  | 'CHECKSUM_CHANGED'
  | 'RUNNER_BUSY'
  | 'LOCK_DEADLINE'
  | 'CONTRACT_BLOCKED'
  | 'PHASE_FAILED'
  | 'INTERRUPTED'
  | 'BACKFILL_REFUSED'
  | 'SCRIPT_LOAD_FAILED'
  | 'DEV_DB_FAILED';

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

/** The database could not be reached or refused the connection (exit 2). The message is already redacted. */
export class ConnectionError extends PgtandemError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONNECTION_FAILED', message, options);
  }
}

/** A runner command could not do its job (exit 1): a refused plan, a changed checksum, a lock, a failed statement. */
export class RunnerError extends PgtandemError {
  constructor(
    code: Extract<ErrorCode, 'PLAN_REFUSED' | 'CHECKSUM_CHANGED' | 'RUNNER_BUSY' | 'LOCK_DEADLINE' | 'CONTRACT_BLOCKED' | 'PHASE_FAILED' | 'INTERRUPTED'>,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * A phase stopped on request (SIGINT, SIGTERM: a cancelled deploy) at a clean
 * point: what finished is checkpointed, a backfill's cursor is saved, and a
 * rerun of the same phase resumes. Recorded as `interrupted`, not `failed`.
 */
export class InterruptedError extends RunnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INTERRUPTED', message, options);
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

/**
 * A TypeScript or JavaScript migration that cannot be loaded (a syntax error,
 * an import that does not resolve, an export that is not a function): nothing
 * ran, so it is a usage problem (exit 2). The message names the file, with
 * line:column when the error has a position.
 */
export class ScriptLoadError extends PgtandemError {
  constructor(
    readonly file: string,
    /** The message without the file and position in front. */
    readonly reason: string,
    readonly position?: { line: number; column: number },
    options?: { cause?: unknown },
  ) {
    super('SCRIPT_LOAD_FAILED', `${file}${position ? `:${position.line}:${position.column}` : ''}: ${reason}`, options);
  }
}

/**
 * The lasting local server (`pgtandem dev-db`) could not be set up, started or
 * stopped: the message says why in one line (the server log's reason when it
 * has one) and never holds its password.
 */
export class DevDbError extends PgtandemError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DEV_DB_FAILED', message, options);
  }
}
