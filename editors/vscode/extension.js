// Starts `pgtandem lsp --stdio` for SQL files: the project's pgtandem (its config, its rules,
// its migrations' history) answers, so the editor shows what `pgtandem lint` reports in CI.
const { workspace } = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const [command, ...args] = workspace.getConfiguration('pgtandem').get('command', ['npx', '--no-install', 'pgtandem']);
  const cwd = workspace.workspaceFolders?.[0]?.uri.fsPath;
  const run = { command, args: [...args, 'lsp'], transport: TransportKind.stdio, options: { cwd, shell: process.platform === 'win32' } };
  client = new LanguageClient(
    'pgtandem',
    'pgtandem',
    { run, debug: run },
    {
      documentSelector: [{ scheme: 'file', language: 'sql' }],
      // A changed config, or a migration added or edited outside the editor, re-lints the open files.
      synchronize: { fileEvents: workspace.createFileSystemWatcher('**/{pgtandem.config.json,package.json,*.sql}') },
    },
  );
  context.subscriptions.push({ dispose: () => client?.stop() });
  return client.start();
}

function deactivate() {
  return client?.stop();
}

module.exports = { activate, deactivate };
