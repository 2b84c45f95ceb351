import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CodeAction, Diagnostic, TextDocuments as Documents } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { DEFAULT_PG_VERSION } from '../lint/config.js';
import type { Finding } from '../lint/finding.js';
import { documentActions, findingHover, scaffoldAction } from './code-actions.js';
import { findingRange } from './finding-range.js';
import { HistoryCatalogs } from '../lint/history-catalogs.js';
import { lintDocument } from './lint-document.js';

export interface LanguageServerOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** How long typing must pause before a document is linted again (default 200 ms). */
  debounceMs?: number;
}

const SEVERITY = { error: 1, warn: 2, info: 3 } as const;
const CONFIG_FILES = /(^|\/)(pgtandem\.config\.json|package\.json)$/;

/**
 * `pgtandem lsp`: diagnostics for every open migration with the findings
 * `pgtandem lint` gives, a hover with the rule's why and fix, and code actions
 * (the rule's mechanical fix, an ignore comment, the rule's recipe scaffolded
 * as a new migration file). The protocol packages are
 * imported here, so nothing else in pgtandem loads them. Resolves when the
 * client closes the connection.
 */
export async function startLanguageServer(options: LanguageServerOptions): Promise<void> {
  const { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, CodeActionKind } = await import('vscode-languageserver/node');
  const { TextDocument: Doc } = await import('vscode-languageserver-textdocument');
  const connection = createConnection(ProposedFeatures.all, options.input as never, options.output as never);
  const documents: Documents<TextDocument> = new TextDocuments(Doc);
  const histories = new HistoryCatalogs();
  const findings = new Map<string, { version: number; findings: Finding[] }>();
  const timers = new Map<string, NodeJS.Timeout>();
  const debounceMs = options.debounceMs ?? 200;

  const pathOf = (uri: string): string | undefined => (uri.startsWith('file:') ? fileURLToPath(uri) : undefined);

  async function publish(document: TextDocument): Promise<void> {
    const path = pathOf(document.uri);
    if (!path) return;
    const version = document.version;
    let found: Finding[];
    try {
      found = await lintDocument(path, document.getText(), histories);
    } catch (error) {
      // A broken config or an unreadable folder: one message, and no stale diagnostics.
      connection.window.showErrorMessage(`pgtandem: ${(error as Error).message}`);
      found = [];
    }
    // A newer edit is on its way: its own lint publishes.
    if (documents.get(document.uri)?.version !== version) return;
    findings.set(document.uri, { version, findings: found });
    const lines = document.getText().split(/\r?\n/);
    const diagnostics: Diagnostic[] = found.map((f) => ({
      range: findingRange(f, lines),
      severity: SEVERITY[f.severity],
      code: f.rule,
      codeDescription: { href: f.docs },
      source: 'pgtandem',
      message: f.message,
    }));
    await connection.sendDiagnostics({ uri: document.uri, version, diagnostics });
  }

  function schedule(document: TextDocument, delay: number): void {
    clearTimeout(timers.get(document.uri));
    timers.set(
      document.uri,
      setTimeout(() => {
        timers.delete(document.uri);
        void publish(document);
      }, delay),
    );
  }

  const relintAll = (): void => {
    for (const document of documents.all()) schedule(document, 0);
  };

  // Creating the recipe's migration file is a resource operation: offered only to clients that apply one.
  let createsFiles = false;
  connection.onInitialize(({ capabilities: client }) => {
    createsFiles = client.workspace?.workspaceEdit?.resourceOperations?.includes('create') === true && client.workspace.workspaceEdit.documentChanges === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'pgtandem' },
    };
  });

  documents.onDidOpen((e) => schedule(e.document, 0));
  documents.onDidChangeContent((e) => schedule(e.document, debounceMs));
  documents.onDidSave((e) => {
    const path = pathOf(e.document.uri);
    if (path) histories.invalidate(path);
  });
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    findings.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onDidChangeWatchedFiles(({ changes }) => {
    for (const change of changes) {
      const path = pathOf(change.uri);
      if (!path) continue;
      // A config file may change the history folders: every history is read again.
      if (CONFIG_FILES.test(path)) histories.clear();
      else histories.invalidate(path);
    }
    relintAll();
  });
  connection.onDidChangeConfiguration(() => {
    histories.clear();
    relintAll();
  });

  type Position = { line: number; character: number };
  const notAfter = (a: Position, b: Position): boolean => a.line < b.line || (a.line === b.line && a.character <= b.character);
  /** The findings whose range meets [start, end]. */
  const findingsAt = (uri: string, start: Position, end: Position): Finding[] => {
    const document = documents.get(uri);
    const known = findings.get(uri);
    if (!document || !known) return [];
    const lines = document.getText().split(/\r?\n/);
    return known.findings.filter((f) => {
      const range = findingRange(f, lines);
      return notAfter(range.start, end) && notAfter(start, range.end);
    });
  };

  connection.onHover(({ textDocument, position }) => {
    const here = findingsAt(textDocument.uri, position, position);
    if (here.length === 0) return null;
    return { contents: { kind: 'markdown', value: here.map(findingHover).join('\n\n---\n\n') } };
  });

  connection.onCodeAction(async ({ textDocument, range }) => {
    const document = documents.get(textDocument.uri);
    const path = pathOf(textDocument.uri);
    if (!document || !path) return [];
    const here = findingsAt(textDocument.uri, range.start, range.end);
    const text = document.getText();
    const before = here.length > 0 ? await histories.before(path, text) : undefined;
    const scaffolds: CodeAction[] = [];
    if (createsFiles && before) {
      for (const finding of here) {
        const action = await scaffoldAction(path, text, finding, before);
        if (!action) continue;
        const uri = pathToFileURL(action.create.path).href;
        const start = { line: 0, character: 0 };
        scaffolds.push({
          title: action.title,
          kind: CodeActionKind.QuickFix,
          edit: {
            documentChanges: [
              { kind: 'create', uri, options: { overwrite: false, ignoreIfExists: false } },
              { textDocument: { uri, version: null }, edits: [{ range: { start, end: start }, newText: action.create.text }] },
            ],
          },
        });
      }
    }
    const inDocument: CodeAction[] = here.flatMap((finding) =>
      documentActions(path, text, finding, DEFAULT_PG_VERSION, before).map((action) => ({
        title: action.title,
        kind: CodeActionKind.QuickFix,
        isPreferred: action.preferred === true,
        diagnostics: [],
        edit: {
          changes: {
            [textDocument.uri]: [{ range: { start: document.positionAt(action.edit.start), end: document.positionAt(action.edit.end) }, newText: action.edit.text }],
          },
        },
      })),
    );
    return [...inDocument, ...scaffolds];
  });

  documents.listen(connection);
  await new Promise<void>((resolve) => {
    connection.onExit(() => resolve());
    connection.listen();
  });
  for (const timer of timers.values()) clearTimeout(timer);
}
