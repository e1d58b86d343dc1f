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
  DidChangeWatchedFilesNotification,
  FileChangeType,
  LSPErrorCodes,
  NotificationType,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
} from "vscode-languageserver/node";
import { codeActions } from "./code-actions";
import { complete, forgetFileLists } from "./completion";
import { hover } from "./hover";
import { configureJsonServices, jsonService } from "./json-service";
import { definition } from "./navigation";
import { codeLenses, documentSymbols, type LensOptions } from "./outline";
import { AgoraService, type ServerOptions, toLspDiagnostic } from "./service";

/** Sent by the client whenever stored keys or the environment change: `{ keys: { OPENAI_API_KEY: true } }`. */
export const KeysAvailableNotification = new NotificationType<{ keys: Record<string, boolean> }>("agora/keysAvailable");

/** Quiet time after a keystroke before validating; `initializationOptions.debounceMs` overrides (0 for benchmarks). */
let debounceMs = 150;
/** Code-lens titles: plain text for any editor; VS Code's client asks for `$(icon)` prefixes. */
const lensOptions: LensOptions = { icons: false };
/**
 * Seed files and hosts files are read from disk, so the server needs to hear when they change. Editors
 * that let a server register file watchers get ours (this glob); the others must send the notifications
 * themselves (docs/parts/lsp.md, "Other editors").
 */
const WATCHED_FILES = "**/*.{json,jsonl}";
let registerWatchers = false;

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const service = new AgoraService();
const timers = new Map<string, NodeJS.Timeout>();
const immediates = new Map<string, NodeJS.Immediate>();
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
  clearImmediate(immediates.get(doc.uri));
  const run = (): void => {
    timers.delete(doc.uri);
    immediates.delete(doc.uri);
    void publish(doc);
  };
  // No debounce: the next turn of the event loop (a 0 ms timer waits at least 1 ms in Node).
  if (delay === 0) immediates.set(doc.uri, setImmediate(run));
  else timers.set(doc.uri, setTimeout(run, delay));
}

function revalidateAll(): void {
  for (const doc of documents.all()) schedule(doc);
}

/**
 * Runs a feature for the current version of a document: unknown documents and failures answer `fallback`.
 * A request the client cancelled answers RequestCancelled, as LSP asks; one whose document changed while
 * it ran answers ContentModified, because its positions describe a text that no longer exists (a stale
 * request: the client asks again for the new version, or drops it).
 */
async function feature<T>(uri: string, token: CancellationToken, fallback: T, run: (doc: TextDocument) => Promise<T> | T): Promise<T> {
  const doc = documents.get(uri);
  if (!doc) return cancelledOr(token, fallback);
  const version = doc.version;
  const check = (value: T): T => {
    cancelledOr(token, value);
    if (documents.get(uri)?.version !== version) throw new ResponseError(LSPErrorCodes.ContentModified, `${uri} changed while the request ran`);
    return value;
  };
  if (token.isCancellationRequested) return check(fallback);
  try {
    return check(await run(doc));
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
  lensOptions.icons = opts.codeLensIcons === true;
  configureJsonServices(params.capabilities);
  registerWatchers = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
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
  if (registerWatchers) {
    void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: WATCHED_FILES }] }).catch((e: unknown) => connection.console.warn(`could not watch files: ${String(e)}`));
  }
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
  clearImmediate(immediates.get(e.document.uri));
  timers.delete(e.document.uri);
  immediates.delete(e.document.uri);
  service.forget(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

// Seed files, hosts files or specs changed on disk (the client watches them): re-check the specs that read them.
connection.onDidChangeWatchedFiles((params) => {
  // A created or deleted file changes which seed files completion offers.
  if (params.changes.some((c) => c.type !== FileChangeType.Changed)) forgetFileLists();
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
    return codeLenses(service.context(doc), lensOptions);
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
