/**
 * The samples browser: a webview panel per data file (also the "AgoraBench Samples" custom editor for
 * `**\/data/**\/*.jsonl`), answered by the shared SamplesController over the paging engine in core.
 * `agorabench.openSamples` takes a data file Uri, a run folder Uri, `{ uri, line }` (code lens, hover),
 * the Runs view's `{ runDir }`, or the Experiments tree's / spec code lens's
 * `{ specUri, settingIndex, settingId, generator?, runDir? }`.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import * as vscode from "vscode";
import { dataFile, RUN_FILES } from "../core/run/layout";
import type { SamplesController } from "../core/samples/controller";
import type { SamplesHostMessage } from "../core/webview-protocol/samples";
import { shellHtml, webviewOptions } from "./webview-shell";

export const SAMPLES_VIEW_TYPE = "agorabench.samples";

interface OpenPanel {
  panel: vscode.WebviewPanel;
  controller?: SamplesController;
  pendingLine?: number;
}

const panels = new Map<string, OpenPanel>();

interface TreeArg {
  specUri?: vscode.Uri;
  settingIndex?: number;
  settingId?: string;
  generator?: string;
  runDir?: string;
}

function isUri(x: unknown): x is vscode.Uri {
  return x instanceof vscode.Uri;
}

async function newest(uris: vscode.Uri[]): Promise<vscode.Uri[]> {
  const withTime = await Promise.all(uris.map(async (u) => ({ u, t: (await stat(u.fsPath).catch(() => undefined))?.mtimeMs ?? 0 })));
  return withTime.sort((a, b) => b.t - a.t).map((x) => x.u);
}

/** Resolves the command argument to one data file, asking when there is more than one. */
async function resolveFile(arg: unknown): Promise<{ uri?: vscode.Uri; line?: number }> {
  if (isUri(arg)) {
    // A run folder (explorer, Runs view) stands for every data file in it.
    const st = await stat(arg.fsPath).catch(() => undefined);
    if (!st?.isDirectory()) return { uri: arg };
    arg = { runDir: arg.fsPath };
  }
  const a = (arg ?? {}) as TreeArg & { uri?: vscode.Uri | string; line?: number };
  if (a.uri) return { uri: typeof a.uri === "string" ? vscode.Uri.parse(a.uri) : a.uri, line: a.line };
  let candidates: vscode.Uri[] = [];
  if (a.runDir && !a.settingId) {
    // The Runs view passes `{ kind: "run", runDir }`: every data/<setting>/<generator>.jsonl of that run.
    const data = vscode.Uri.file(join(a.runDir, RUN_FILES.data));
    const settings = await Promise.resolve(vscode.workspace.fs.readDirectory(data)).catch(() => [] as [string, vscode.FileType][]);
    for (const [name, type] of settings) {
      if (type !== vscode.FileType.Directory) continue;
      const dir = vscode.Uri.joinPath(data, name);
      const files = await Promise.resolve(vscode.workspace.fs.readDirectory(dir)).catch(() => [] as [string, vscode.FileType][]);
      candidates.push(...files.filter(([n]) => n.endsWith(".jsonl")).map(([n]) => vscode.Uri.joinPath(dir, n)));
    }
    if (candidates.length === 0) return {};
  }
  if (a.runDir && a.settingId) {
    const dir = vscode.Uri.file(join(a.runDir, dataFile(a.settingId, a.generator ?? "x")).replace(/[^/\\]+\.jsonl$/, ""));
    const entries = await Promise.resolve(vscode.workspace.fs.readDirectory(dir)).catch(() => [] as [string, vscode.FileType][]);
    candidates = entries.filter(([n]) => n.endsWith(".jsonl")).map(([n]) => vscode.Uri.joinPath(dir, n));
    if (a.generator) {
      const exact = vscode.Uri.file(join(a.runDir, dataFile(a.settingId, a.generator)));
      if (candidates.some((c) => c.fsPath === exact.fsPath)) candidates = [exact];
    }
  }
  if (candidates.length === 0) {
    const glob = a.settingId ? `**/data/${a.settingId.replace(/[^A-Za-z0-9._-]/g, "_")}/*.jsonl` : "**/data/**/*.jsonl";
    candidates = await vscode.workspace.findFiles(glob, "**/node_modules/**", 200);
    if (a.generator) {
      const g = a.generator.replace(/[^A-Za-z0-9._-]/g, "_");
      const only = candidates.filter((c) => c.path.endsWith(`/${g}.jsonl`));
      if (only.length) candidates = only;
    }
  }
  candidates = await newest(candidates);
  if (candidates.length <= 1) return { uri: candidates[0] };
  const pick = await vscode.window.showQuickPick(
    candidates.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u })),
    { title: "AgoraBench: Open Samples", placeHolder: "Generated data file (newest first)" },
  );
  return { uri: pick?.uri };
}

function cacheDir(context: vscode.ExtensionContext): string {
  return join(context.globalStorageUri.fsPath, "samples-index");
}

/** Connects a webview panel (ours or the custom editor's) to the engine for one file. */
function attach(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, panel: vscode.WebviewPanel, uri: vscode.Uri, line?: number): OpenPanel {
  const key = uri.fsPath;
  const entry: OpenPanel = { panel, pendingLine: line };
  panels.set(key, entry);
  panel.webview.options = webviewOptions(context);
  panel.webview.html = shellHtml(context, panel.webview, "samples", `Samples: ${uri.path.split("/").pop()}`);
  const post = (m: SamplesHostMessage): Thenable<boolean> => panel.webview.postMessage(m);
  // The engine is loaded on first use, not at activation.
  const engine = Promise.all([import("../core/samples/sample-file.js"), import("../core/samples/controller.js")]);
  const opened = engine.then(async ([{ SampleFile }, { SamplesController }]) => {
    const file = await SampleFile.open(uri.fsPath, { cacheDir: cacheDir(context) });
    log.info(`samples: ${uri.fsPath}: ${file.count} lines (index ${file.indexSource})`);
    const controller = new SamplesController(file, post, {
      log: (m) => log.info(`samples: ${m}`),
      notify: (level, message) => void (level === "error" ? vscode.window.showErrorMessage(message) : vscode.window.setStatusBarMessage(`AgoraBench: ${message}`, 4000)),
      copy: async (text) => {
        await vscode.env.clipboard.writeText(text);
      },
      exportTarget: async (name) => (await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(uri, "..", name), filters: { JSONL: ["jsonl"] }, title: "Export filtered samples" }))?.fsPath,
      revealInEditor: async (l, focus) => {
        const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath === uri.fsPath);
        if (!visible && !focus) return;
        const editor = visible && !focus ? visible : await vscode.window.showTextDocument(uri, { viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One, preserveFocus: false, preview: true });
        const pos = new vscode.Position(Math.min(l, editor.document.lineCount - 1), 0);
        editor.selection = new vscode.Selection(pos, editor.document.lineAt(pos.line).range.end);
        editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      },
    });
    entry.controller = controller;
    // The line a code lens or hover asked for: sent with the page's first init.
    if (entry.pendingLine !== undefined) controller.reveal(entry.pendingLine);
    entry.pendingLine = undefined;
    return controller;
  });
  opened.catch((e: unknown) => {
    log.error(`samples: cannot open ${uri.fsPath}: ${String(e)}`);
    void vscode.window.showErrorMessage(`AgoraBench: cannot open ${vscode.workspace.asRelativePath(uri)}: ${(e as Error).message}`);
  });
  const subs: vscode.Disposable[] = [];
  subs.push(
    panel.webview.onDidReceiveMessage(async (msg: unknown) => {
      const c = await opened;
      await c.handle(msg);
    }),
  );
  // A run still writing this file: re-index the appended lines (debounced).
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(uri, ".."), uri.path.split("/").pop()!));
  let timer: NodeJS.Timeout | undefined;
  const changed = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => void opened.then((c) => c.fileChanged()).catch(() => undefined), 500);
  };
  subs.push(watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed));
  panel.onDidDispose(() => {
    clearTimeout(timer);
    if (panels.get(key) === entry) panels.delete(key);
    void opened.then((c) => c.dispose()).catch(() => undefined);
    for (const s of subs) s.dispose();
  });
  return entry;
}

/** Opens (or focuses) the samples browser for a file, optionally at a line. */
export function openSamples(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, uri: vscode.Uri, line?: number): void {
  const existing = panels.get(uri.fsPath);
  if (existing) {
    existing.panel.reveal(existing.panel.viewColumn ?? vscode.ViewColumn.Beside, false);
    if (line !== undefined) {
      if (existing.controller) existing.controller.reveal(line);
      else existing.pendingLine = line;
    }
    return;
  }
  const panel = vscode.window.createWebviewPanel("agorabench.samplesPanel", `Samples: ${uri.path.split("/").pop()}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, webviewOptions(context));
  attach(context, log, panel, uri, line);
}

class SamplesEditorProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}
  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }
  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    attach(this.context, this.log, panel, document.uri);
  }
}

export function registerSamplesPanel(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand("agorabench.openSamples", async (arg?: unknown) => {
      let target = arg;
      if (target === undefined) target = vscode.window.activeTextEditor?.document.uri.path.endsWith(".jsonl") ? vscode.window.activeTextEditor.document.uri : {};
      const { uri, line } = await resolveFile(target);
      if (!uri) {
        void vscode.window.showInformationMessage("AgoraBench: no generated data file found. Run a setting first, or open a data/**/*.jsonl file.");
        return false;
      }
      openSamples(context, log, uri, line);
      return true;
    }),
    vscode.window.registerCustomEditorProvider(SAMPLES_VIEW_TYPE, new SamplesEditorProvider(context, log), {
      webviewOptions: { retainContextWhenHidden: false },
      supportsMultipleEditorsPerDocument: false,
    }),
  );
}
