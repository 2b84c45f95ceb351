import { startLanguageServer } from '../../lsp/server.js';

/** `pgtandem lsp`: the language server on stdin/stdout until the editor closes it. */
export async function lspCommand(): Promise<number> {
  await startLanguageServer({ input: process.stdin, output: process.stdout });
  return 0;
}
