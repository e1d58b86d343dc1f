/**
 * `agora-language-server`: diagnostics for AgoraBench experiment specs over LSP, usable from VS Code (the
 * extension starts it over node IPC) and any other LSP editor (`agora-language-server --stdio`).
 *
 * Every diagnostic comes from the shared core validator (`validateSpecText`): JSONC syntax, the zod model
 * (the same one the JSON schema is generated from) and the semantic rules, including the seed files and the
 * hosts file on disk, relative to the spec. Validation is debounced per document and stale results are
 * dropped, so fast typing never queues work; a referenced file changing re-validates every open spec.
 */
import { fileURLToPath } from "node:url";
import { TextDocument } from "vscode-languageserver-textdocument";
import {
  createConnection,
  type Diagnostic,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
} from "vscode-languageserver/node";
import { nodeSpecFs } from "../core/io/node-spec-fs";
import type { SpecDiagnostic } from "../core/spec/load";
import { validateSpecText } from "../core/spec/validate";

const SEVERITY: Record<SpecDiagnostic["severity"], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** Larger documents are reported once instead of being parsed on every keystroke. */
const MAX_DOCUMENT_CHARS = 16 * 1024 * 1024;
const DEBOUNCE_MS = 150;

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const timers = new Map<string, NodeJS.Timeout>();
const versions = new Map<string, number>();

export function toLspDiagnostic(d: SpecDiagnostic): Diagnostic {
  return { range: d.range, message: d.message, severity: SEVERITY[d.severity], code: d.code, source: "agorabench" };
}

async function validate(doc: TextDocument): Promise<void> {
  const version = doc.version;
  versions.set(doc.uri, version);
  const text = doc.getText();
  let diagnostics: Diagnostic[];
  if (text.length > MAX_DOCUMENT_CHARS) {
    diagnostics = [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, message: `The document is larger than ${MAX_DOCUMENT_CHARS / 1024 / 1024} MB; it is not validated.`, severity: DiagnosticSeverity.Warning, code: "size.too-large", source: "agorabench" }];
  } else {
    const specPath = doc.uri.startsWith("file:") ? fileURLToPath(doc.uri) : undefined;
    try {
      const result = await validateSpecText(text, specPath ? { fs: nodeSpecFs, specPath } : {});
      diagnostics = result.diagnostics.map(toLspDiagnostic);
    } catch (e) {
      // A validator bug must never take the server down: report it on the document instead.
      connection.console.error(`validation failed for ${doc.uri}: ${(e as Error).stack ?? String(e)}`);
      diagnostics = [];
    }
  }
  // A newer version arrived while we were reading seed files: its own run will publish.
  if (versions.get(doc.uri) !== version || !documents.get(doc.uri)) return;
  await connection.sendDiagnostics({ uri: doc.uri, version, diagnostics });
}

function schedule(doc: TextDocument, delay = DEBOUNCE_MS): void {
  clearTimeout(timers.get(doc.uri));
  timers.set(
    doc.uri,
    setTimeout(() => {
      timers.delete(doc.uri);
      void validate(doc);
    }, delay),
  );
}

connection.onInitialize(() => ({
  capabilities: { textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental } },
  serverInfo: { name: "agora-language-server", version: "0.1.0" },
}));
connection.onInitialized(() => {
  void connection.client.register(DidChangeConfigurationNotification.type, undefined).catch(() => undefined);
});

documents.onDidOpen((e) => schedule(e.document, 0));
documents.onDidChangeContent((e) => schedule(e.document));
documents.onDidClose((e) => {
  clearTimeout(timers.get(e.document.uri));
  versions.delete(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});
// Seed files, the hosts file or another spec changed on disk (the client watches them): re-check all.
connection.onDidChangeWatchedFiles(() => {
  for (const doc of documents.all()) schedule(doc);
});

documents.listen(connection);
connection.listen();
