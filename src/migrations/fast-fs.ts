import { readdirSync, readFileSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';

// Discovery reads thousands of small files and directories (Prisma and Diesel
// keep one folder per migration). Node's promise API sends each call through
// the thread pool; the synchronous calls are several times faster for this
// work, and a linter has nothing else to do meanwhile. Same signatures as
// node:fs/promises, so callers stay as they are.

const settle = <T>(work: () => T): Promise<T> => {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
};

export const readdir = (path: string, _options: { withFileTypes: true }): Promise<Dirent[]> =>
  settle(() => readdirSync(path, { withFileTypes: true }));
export const realpath = (path: string): Promise<string> => settle(() => realpathSync(path));
export const stat = (path: string): Promise<Stats> => settle(() => statSync(path));
export function readFile(path: string): Promise<Buffer>;
export function readFile(path: string, encoding: 'utf8'): Promise<string>;
export function readFile(path: string, encoding?: 'utf8'): Promise<Buffer | string> {
  return settle(() => (encoding ? readFileSync(path, encoding) : readFileSync(path)));
}
