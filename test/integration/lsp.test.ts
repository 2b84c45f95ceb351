import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CodeActionRequest,
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  FileChangeType,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ResourceOperationKind,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type CodeAction,
  type CreateFile,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextDocumentEdit,
  type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { lint } from '../../src/lint/lint.js';
import { runMain } from '../support/run-main.js';
import { tempDir } from '../support/temp-dir.js';

// Drives the built `pgtandem lsp` over stdio with the LSP client library, as an editor does.
const BIN = fileURLToPath(new URL('../../bin/pgtandem.js', import.meta.url));

const HISTORY = 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n';
const CHANGE =
  '-- pgtandem:expand\n' +
  'CREATE INDEX users_email_idx ON users (email);\n' +
  'ALTER TABLE users ADD COLUMN payload json;\n' +
  'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n' +
  '-- pgtandem:contract\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;\n';

let dir: string;
let path: string;
let uri: string;
let server: ChildProcess;
let connection: ProtocolConnection;
const published: PublishDiagnosticsParams[] = [];
const waiters: (() => void)[] = [];

/** The next diagnostics published for the document after `since` (a count of publications). */
async function diagnosticsAfter(since: number): Promise<Diagnostic[]> {
  for (;;) {
    const next = published.slice(since).find((p) => p.uri === uri);
    if (next) return next.diagnostics;
    await new Promise<void>((resolve) => waiters.push(resolve));
  }
}

/** What `pgtandem lint <file>` reports for the text, as LSP ranges (0-based; ASCII text). */
async function lintFindings(text: string): Promise<string[]> {
  writeFileSync(path, text);
  const result = await lint({ paths: [path], cwd: dir });
  return result.findings.map((f) => `${f.rule} ${f.line - 1}:${f.column - 1}-${f.endLine - 1}:${f.endColumn - 1}`);
}
const shown = (diagnostics: Diagnostic[]): string[] =>
  diagnostics.map((d) => `${String(d.code)} ${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`);

function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

let version = 1;
async function change(text: string): Promise<Diagnostic[]> {
  const since = published.length;
  version++;
  await connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
  return diagnosticsAfter(since);
}

beforeAll(async () => {
  dir = tempDir('pgtandem-lsp-');
  mkdirSync(join(dir, 'migrations'));
  writeFileSync(join(dir, 'pgtandem.config.json'), '{ "migrationsDir": "migrations" }\n');
  writeFileSync(join(dir, 'migrations/0001_tables.sql'), HISTORY);
  path = join(dir, 'migrations/0002_change.sql');
  writeFileSync(path, CHANGE);
  uri = pathToFileURL(path).href;
  server = spawn(process.execPath, [BIN, 'lsp', '--stdio'], { cwd: dir, stdio: ['pipe', 'pipe', 'inherit'] });
  connection = createProtocolConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
    published.push(params);
    for (const wake of waiters.splice(0)) wake();
  });
  connection.listen();
  // The client applies file creations: the recipe's migration is offered as a new file.
  const capabilities = { workspace: { workspaceEdit: { documentChanges: true, resourceOperations: [ResourceOperationKind.Create] } } };
  const init = await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities, workspaceFolders: null });
  expect(init.capabilities.codeActionProvider).toBeTruthy();
  await connection.sendNotification(InitializedNotification.type, {});
});

afterAll(() => {
  connection?.dispose();
  server?.kill();
});

describe('pgtandem lsp', () => {
  it('didOpen: diagnostics are exactly the findings and positions of pgtandem lint, with the folder’s history', async () => {
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'sql', version, text: CHANGE } });
    const diagnostics = await diagnosticsAfter(0);
    expect(shown(diagnostics)).toEqual(await lintFindings(CHANGE));
    // orders is known only from 0001: the foreign key finding proves the history was replayed.
    expect(diagnostics.map((d) => d.code)).toEqual(['require-concurrent-index-creation', 'prefer-jsonb', 'multiple-ddl-locks-in-transaction', 'require-foreign-key-index']);
    expect(diagnostics[0]).toMatchObject({ source: 'pgtandem', severity: 1, codeDescription: { href: expect.stringContaining('require-concurrent-index-creation.md') } });
  });

  it('didChange: a syntax error is one more diagnostic, and the others stay', async () => {
    const broken = CHANGE.replace('ALTER TABLE users ADD', 'SELEC 1;\nALTER TABLE users ADD');
    const diagnostics = await change(broken);
    expect(shown(diagnostics)).toEqual(await lintFindings(broken));
    expect(diagnostics.map((d) => d.code)).toEqual(['require-concurrent-index-creation', 'syntax-error', 'prefer-jsonb', 'multiple-ddl-locks-in-transaction', 'require-foreign-key-index']);
  });

  it('hover: the rule’s why, fix and docs link', async () => {
    await change(CHANGE);
    const hover = await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 1, character: 3 } });
    const value = (hover?.contents as { value: string }).value;
    expect(value).toContain('**require-concurrent-index-creation**');
    expect(value).toContain('**Why.**');
    expect(value).toContain('](https://github.com/pgtandem/pgtandem/blob/main/docs/rules/require-concurrent-index-creation.md)');
  });

  it('codeAction: the rule’s fix, applied, re-lints clean of it; the ignore action writes a comment to fill in', async () => {
    const diagnostics = await change(CHANGE);
    const index = diagnostics.find((d) => d.code === 'require-concurrent-index-creation')!;
    const actions = (await connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: index.range, context: { diagnostics: [index] } })) as CodeAction[];
    expect(actions.map((a) => a.title)).toEqual([
      'Fix require-concurrent-index-creation',
      'Ignore require-concurrent-index-creation for this statement',
      expect.stringMatching(/^Scaffold 0003_\w+\.sql \(pgtandem new add-index users email\)$/),
    ]);
    const fixed = applyEdits(CHANGE, actions[0]!.edit!.changes![uri]!);
    expect(fixed).toBe(CHANGE.replace('CREATE INDEX users', 'CREATE INDEX CONCURRENTLY users'));
    expect((await change(fixed)).map((d) => d.code)).toEqual(['prefer-jsonb', 'multiple-ddl-locks-in-transaction', 'require-foreign-key-index']);
    const ignored = applyEdits(CHANGE, actions[1]!.edit!.changes![uri]!);
    expect(ignored).toContain('-- pgtandem-ignore require-concurrent-index-creation: <why this is safe here>\nCREATE INDEX users_email_idx');
    expect((await change(ignored)).map((d) => d.code)).toEqual(['prefer-jsonb', 'multiple-ddl-locks-in-transaction', 'require-foreign-key-index']);
  });

  it('codeAction: the rule’s recipe scaffolded as the next migration file, with the statement’s names, as pgtandem new writes it', async () => {
    writeFileSync(path, CHANGE);
    const text = CHANGE.replace('-- pgtandem:contract', 'ALTER TABLE users RENAME COLUMN email TO email_address;\n-- pgtandem:contract');
    const rename = (await change(text)).find((d) => d.code === 'renaming-column')!;
    const actions = (await connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: rename.range, context: { diagnostics: [rename] } })) as CodeAction[];
    // The rule's fix rewrites the statement into the recipe's phases in place, with the folder's history.
    const fix = actions.find((a) => a.title === 'Fix renaming-column')!;
    expect(applyEdits(text, fix.edit!.changes![uri]!)).toContain('-- lint --fix: pgtandem new rename-column users email email_address\nALTER TABLE users ADD COLUMN email_address text;\n');
    const scaffold = actions.find((a) => a.title.startsWith('Scaffold'))!;
    expect(scaffold.title).toBe('Scaffold 0003_rename_users_email_to_email_address.sql (pgtandem new rename-column users email email_address)');
    const [create, insert] = scaffold.edit!.documentChanges! as [CreateFile, TextDocumentEdit];
    const created = join(dir, 'migrations/0003_rename_users_email_to_email_address.sql');
    expect(create).toEqual({ kind: 'create', uri: pathToFileURL(created).href, options: { overwrite: false, ignoreIfExists: false } });
    expect(insert.textDocument.uri).toBe(create.uri);
    const written = (insert.edits[0] as TextEdit).newText;
    expect(written).toBe((await runMain(['new', 'rename-column', 'users', 'email', 'email_address', '--stdout'], { cwd: dir })).stdout);
    expect(written).toContain('ALTER TABLE users ADD COLUMN email_address text;');
    // The new file, applied, lints without an error.
    writeFileSync(created, written);
    try {
      expect((await lint({ paths: [created], cwd: dir })).findings.filter((f) => f.severity === 'error')).toEqual([]);
    } finally {
      rmSync(created);
    }
  });

  it('a config change re-lints the open documents with the new config', async () => {
    await change(CHANGE);
    writeFileSync(join(dir, 'pgtandem.config.json'), '{ "migrationsDir": "migrations", "rules": { "prefer-jsonb": "off" } }\n');
    const since = published.length;
    await connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(join(dir, 'pgtandem.config.json')).href, type: FileChangeType.Changed }] });
    expect((await diagnosticsAfter(since)).map((d) => d.code)).toEqual(['require-concurrent-index-creation', 'multiple-ddl-locks-in-transaction', 'require-foreign-key-index']);
  });

  it('no chunk of the bundled CLI imports the protocol packages or diff up front, so lint never loads them', () => {
    const dir = new URL('../../dist/src/cli/bundle/', import.meta.url);
    for (const chunk of readdirSync(dir).filter((f) => f.endsWith('.mjs'))) {
      const code = readFileSync(new URL(chunk, dir), 'utf8');
      expect(code, chunk).not.toMatch(/^import .* from "(vscode-languageserver[^"]*|diff)";$/m);
    }
  });

  it('shutdown and exit end the server', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
    expect(await exited).toBe(0);
  });
});
