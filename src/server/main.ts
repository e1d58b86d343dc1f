/**
 * `agora-language-server`: the AgoraBench experiment-spec language server, usable from VS Code (the
 * extension starts it over node IPC) and any other LSP editor (`agora-language-server --stdio`).
 *
 * Diagnostics come from the shared core validator (JSONC syntax, the zod model the JSON schema is generated
 * from, and the semantic rules: references, seed files and the hosts file on disk, API keys, budget).
 * Completion, hover, folding and formatting build on vscode-json-languageservice with the bundled schema;
 * code lenses, outline, definitions and quick fixes on the same JSONC tree. Publishing is debounced per
 * document, stale results are dropped, stale requests are cancelled, and a failure inside one feature is
 * logged and answered with nothing: the server keeps running whatever the input.
 */
import { fileURLToPath } from "node:url";
import { TextDocument } from "vscode-languageserver-textdocument";
import {
  type CancellationToken,
  type Diagnostic,
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  LSPErrorCodes,
  NotificationType,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
} from "vscode-languageserver/node";
import { codeActions } from "./code-actions";
import { complete } from "./completion";
import { hover } from "./hover";
import { jsonService } from "./json-service";
import { definition } from "./navigation";
import { codeLenses, documentSymbols } from "./outline";
import { AgoraService, type ServerOptions, toLspDiagnostic } from "./service";

/** Sent by the client whenever stored keys or the environment change: `{ keys: { OPENAI_API_KEY: true } }`. */
export const KeysAvailableNotification = new NotificationType<{ keys: Record<string, boolean> }>("agora/keysAvailable");

/** Quiet time after a keystroke before validating; `initializationOptions.debounceMs` overrides (0 for benchmarks). */
let debounceMs = 150;

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const service = new AgoraService();
const timers = new Map<string, NodeJS.Timeout>();
service.onError = (e) => connection.console.error(`validation failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);

// Whatever happens inside a handler, the process stays up; stdout is the LSP channel, so log via the connection.
process.on("uncaughtException", (e) => connection.console.error(`uncaught: ${e.stack ?? String(e)}`));
process.on("unhandledRejection", (e) => connection.console.error(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));

async function publish(doc: TextDocument): Promise<void> {
  // `doc` is updated in place by later changes: remember which version this run validates.
  const version = doc.version;
  let diagnostics: Diagnostic[];
  try {
    diagnostics = (await service.validate(doc)).diagnostics.map(toLspDiagnostic);
  } catch (e) {
    connection.console.error(`validation failed for ${doc.uri}: ${(e as Error).stack ?? String(e)}`);
    diagnostics = [];
  }
  // A newer version arrived meanwhile (or the document closed): its own run publishes.
  const current = documents.get(doc.uri);
  if (!current || current.version !== version) return;
  await connection.sendDiagnostics({ uri: doc.uri, version, diagnostics });
}

function schedule(doc: TextDocument, delay = debounceMs): void {
  clearTimeout(timers.get(doc.uri));
  timers.set(
    doc.uri,
    setTimeout(() => {
      timers.delete(doc.uri);
      void publish(doc);
    }, delay),
  );
}

function revalidateAll(): void {
  for (const doc of documents.all()) schedule(doc);
}

/**
 * Runs a feature for the current version of a document: unknown documents and failures answer `fallback`;
 * a request cancelled while it ran answers RequestCancelled, as LSP asks.
 */
async function feature<T>(uri: string, token: CancellationToken, fallback: T, run: (doc: TextDocument) => Promise<T> | T): Promise<T> {
  const doc = documents.get(uri);
  if (!doc || token.isCancellationRequested) return cancelledOr(token, fallback);
  try {
    const result = await run(doc);
    return cancelledOr(token, result);
  } catch (e) {
    if (e instanceof ResponseError) throw e;
    connection.console.error(`request failed for ${uri}: ${(e as Error).stack ?? String(e)}`);
    return fallback;
  }
}

function cancelledOr<T>(token: CancellationToken, value: T): T {
  if (token.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, "request cancelled");
  return value;
}

connection.onInitialize((params) => {
  const opts = (params.initializationOptions ?? {}) as ServerOptions;
  service.configure({ keysAvailable: opts.keysAvailable, models: opts.models });
  if (typeof opts.debounceMs === "number" && opts.debounceMs >= 0 && opts.debounceMs <= 10_000) debounceMs = opts.debounceMs;
  for (const p of service.modelProblems) connection.console.warn(p);
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      completionProvider: { triggerCharacters: ['"', ":", "/"], resolveProvider: false },
      hoverProvider: true,
      codeLensProvider: { resolveProvider: false },
      documentSymbolProvider: true,
      foldingRangeProvider: true,
      documentFormattingProvider: true,
      documentRangeFormattingProvider: true,
      definitionProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    },
    serverInfo: { name: "agora-language-server", version: "0.1.0" },
  };
});

connection.onInitialized(() => {
  void connection.client.register(DidChangeConfigurationNotification.type, { section: "agorabench" }).catch(() => undefined);
});

connection.onDidChangeConfiguration((change) => {
  const settings = (change.settings ?? {}) as { agorabench?: { models?: unknown } };
  if (settings.agorabench && "models" in settings.agorabench) {
    service.setModels(settings.agorabench.models ?? []);
    for (const p of service.modelProblems) connection.console.warn(p);
    revalidateAll();
  }
});

connection.onNotification(KeysAvailableNotification, (params) => {
  service.setKeys(params?.keys);
  revalidateAll();
});

documents.onDidOpen((e) => schedule(e.document, 0));
documents.onDidChangeContent((e) => schedule(e.document));
documents.onDidClose((e) => {
  clearTimeout(timers.get(e.document.uri));
  timers.delete(e.document.uri);
  service.forget(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

// Seed files, hosts files or specs changed on disk (the client watches them): re-check the specs that read them.
connection.onDidChangeWatchedFiles((params) => {
  const paths = params.changes.flatMap((c) => {
    try {
      return c.uri.startsWith("file:") ? [fileURLToPath(c.uri)] : [];
    } catch {
      return [];
    }
  });
  for (const uri of service.filesChanged(paths)) {
    const doc = documents.get(uri);
    if (doc) schedule(doc);
  }
});

connection.onCompletion((p, token) => feature(p.textDocument.uri, token, null, (doc) => complete(service.context(doc), p.position)));
connection.onHover((p, token) =>
  feature(p.textDocument.uri, token, null, async (doc) => {
    void service.validate(doc);
    return hover(service.context(doc), p.position);
  }),
);
connection.onCodeLens((p, token) =>
  feature(p.textDocument.uri, token, [], async (doc) => {
    void service.validate(doc);
    return codeLenses(service.context(doc));
  }),
);
connection.onDocumentSymbol((p, token) => feature(p.textDocument.uri, token, [], (doc) => documentSymbols(service.context(doc))));
connection.onFoldingRanges((p, token) =>
  feature(p.textDocument.uri, token, [], (doc) => {
    const ctx = service.context(doc);
    return ctx.featuresEnabled ? jsonService(ctx.kind).getFoldingRanges(doc, { rangeLimit: 5000 }) : [];
  }),
);
connection.onDocumentFormatting((p, token) =>
  feature(p.textDocument.uri, token, [], (doc) => {
    const ctx = service.context(doc);
    return ctx.featuresEnabled ? jsonService(ctx.kind).format(doc, undefined, p.options) : [];
  }),
);
connection.onDocumentRangeFormatting((p, token) =>
  feature(p.textDocument.uri, token, [], (doc) => {
    const ctx = service.context(doc);
    return ctx.featuresEnabled ? jsonService(ctx.kind).format(doc, p.range, p.options) : [];
  }),
);
connection.onDefinition((p, token) => feature(p.textDocument.uri, token, [], (doc) => definition(service.context(doc), p.position)));
connection.onCodeAction((p, token) => feature(p.textDocument.uri, token, [], (doc) => codeActions(service.context(doc), p.context.diagnostics)));

documents.listen(connection);
connection.listen();
