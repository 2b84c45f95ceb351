import { PgtandemError } from '../errors.js';

export type DiscoveryErrorCode =
  /** A path given by the user does not exist. */
  | 'PATH_NOT_FOUND'
  /** A glob given by the user matches nothing. */
  | 'GLOB_NO_MATCH'
  /** A file or directory exists but cannot be read. */
  | 'READ_FAILED'
  /** In-memory source that is a down/undo file or another database's variant. */
  | 'NOT_FORWARD_MIGRATION';

/** Why migrations could not be discovered; `path` is the path or glob as given. */
export class DiscoveryError extends PgtandemError {
  declare readonly code: DiscoveryErrorCode;

  constructor(
    code: DiscoveryErrorCode,
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
