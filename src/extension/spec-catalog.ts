/**
 * The experiment specs of the workspace (`**\/*.agora.json`), parsed with the shared core model, and the
 * runs folders they write to. Shared by the Experiments tree, Run Setting and the run watcher.
 */
import * as vscode from "vscode";
import type { ExperimentSpec } from "../core/spec/model";

export interface SpecEntry {
  uri: vscode.Uri;
  /** Parsed spec with defaults, or undefined when the file does not validate (the language server says why). */
  spec?: ExperimentSpec;
  /** Display name: the spec's `name`, else the file name. */
  label: string;
  problems: number;
}

export const SPEC_GLOB = "**/*.agora.json";
export const SPEC_EXCLUDE = "**/{node_modules,runs,.git}/**";

export class SpecCatalog implements vscode.Disposable {
  private entries: SpecEntry[] | undefined;
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [this.emitter];

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher(SPEC_GLOB);
    const reset = (): void => {
      this.entries = undefined;
      this.emitter.fire();
    };
    watcher.onDidChange(reset);
    watcher.onDidCreate(reset);
    watcher.onDidDelete(reset);
    this.disposables.push(watcher, vscode.workspace.onDidChangeWorkspaceFolders(reset));
  }

  async specs(): Promise<SpecEntry[]> {
    if (this.entries) return this.entries;
    const uris = await vscode.workspace.findFiles(SPEC_GLOB, SPEC_EXCLUDE, 500);
    uris.sort((a, b) => a.path.localeCompare(b.path));
    const entries = await Promise.all(uris.map((uri) => readSpec(uri)));
    this.entries = entries;
    return entries;
  }

  /** Absolute runs folders: each spec's `output.folder` plus `agorabench.runsFolder` of each workspace folder. */
  async runsFolders(): Promise<string[]> {
    const out = new Set<string>();
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (f.uri.scheme !== "file") continue;
      const rel = vscode.workspace.getConfiguration("agorabench", f.uri).get<string>("runsFolder", "runs");
      out.add(vscode.Uri.joinPath(f.uri, rel).fsPath);
    }
    for (const e of await this.specs()) {
      if (e.uri.scheme !== "file") continue;
      out.add(vscode.Uri.joinPath(e.uri, "..", e.spec?.output.folder ?? "runs").fsPath);
    }
    return [...out];
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

export async function readSpec(uri: vscode.Uri): Promise<SpecEntry> {
  const name = uri.path.split("/").pop() ?? uri.path;
  try {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    // Loaded here, not at activation: the spec model pulls in zod.
    const [{ loadJsoncWith }, { ExperimentSpec }] = await Promise.all([import("../core/spec/load.js"), import("../core/spec/model.js")]);
    const loaded = loadJsoncWith(ExperimentSpec, text);
    const problems = loaded.diagnostics.filter((d) => d.severity === "error").length;
    return { uri, spec: loaded.value, label: loaded.value?.name ?? name, problems };
  } catch {
    return { uri, label: name, problems: 1 };
  }
}

let shared: SpecCatalog | undefined;
/** One catalog per extension host; created on first use so activation stays cheap. */
export function specCatalog(context?: vscode.ExtensionContext): SpecCatalog {
  if (!shared) {
    shared = new SpecCatalog();
    context?.subscriptions.push(shared, { dispose: () => (shared = undefined) });
  }
  return shared;
}
