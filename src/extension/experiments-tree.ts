/**
 * The Experiments view: spec files → settings → generators, each with the latest run's status, cost and
 * PGR as its description. Nodes carry {specUri, settingIndex, settingId, generator}, the same argument the
 * code lens passes, so inline Run / Open Samples / Show PGR call the shared commands directly.
 */
import * as vscode from "vscode";
import { DOMAIN_INFO, METHOD_INFO } from "../core/settings";
import { formatUsd, pgrFor, settingIdOf as settingId } from "./run-format";
import type { RunView } from "./run-index";
import { runWatcher, type RunWatcher } from "./run-watcher";
import { type SpecCatalog, specCatalog } from "./spec-catalog";
import { CoalescedTreeRefresh } from "./tree-refresh";

export type ExperimentsNode =
  | { kind: "spec"; specUri: vscode.Uri }
  | { kind: "setting"; specUri: vscode.Uri; settingIndex: number; settingId: string }
  | { kind: "generator"; specUri: vscode.Uri; settingIndex: number; settingId: string; generator: string };

function runStatus(run: RunView | undefined, generator?: string): string | undefined {
  if (!run) return undefined;
  let done = run.summary.done;
  let total = run.summary.total;
  if (generator) {
    const parts = run.stages.flatMap((s) => s.parts).filter((p) => p.generator === generator);
    if (parts.length) {
      done = parts.reduce((a, p) => a + p.done, 0);
      total = parts.reduce((a, p) => a + p.total, 0);
    }
  }
  const progress = total ? ` ${done}/${total}` : "";
  return `${run.state}${progress} · ${formatUsd(run.summary.costUsd)}`;
}

export class ExperimentsTreeProvider implements vscode.TreeDataProvider<ExperimentsNode> {
  private readonly changes = new CoalescedTreeRefresh<ExperimentsNode>(200);
  readonly onDidChangeTreeData = this.changes.event;

  constructor(
    private readonly catalog: SpecCatalog,
    private readonly watcher: RunWatcher,
  ) {
    catalog.onDidChange(() => this.refreshSoon());
    watcher.onDidChange(() => this.refreshSoon());
  }

  refreshSoon(): void {
    this.changes.fireSoon();
  }

  async getChildren(node?: ExperimentsNode): Promise<ExperimentsNode[]> {
    const specs = await this.catalog.specs();
    if (!node) {
      void vscode.commands.executeCommand("setContext", "agorabench.hasSpecs", specs.length > 0);
      return specs.map((s) => ({ kind: "spec", specUri: s.uri }));
    }
    const entry = specs.find((s) => s.uri.toString() === node.specUri.toString());
    const spec = entry?.spec;
    if (!spec) return [];
    if (node.kind === "spec") return spec.settings.map((s, i) => ({ kind: "setting", specUri: node.specUri, settingIndex: i, settingId: settingId(s) }));
    if (node.kind === "setting") {
      const s = spec.settings[node.settingIndex];
      const gens = s?.generators ?? spec.generators.map((g) => g.id);
      return gens.map((g) => ({ kind: "generator", specUri: node.specUri, settingIndex: node.settingIndex, settingId: node.settingId, generator: g }));
    }
    return [];
  }

  async getTreeItem(node: ExperimentsNode): Promise<vscode.TreeItem> {
    const specs = await this.catalog.specs();
    const entry = specs.find((s) => s.uri.toString() === node.specUri.toString());
    const specPath = node.specUri.fsPath;
    if (node.kind === "spec") {
      const item = new vscode.TreeItem(entry?.label ?? node.specUri.path, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `spec:${node.specUri.toString()}`;
      item.resourceUri = node.specUri;
      item.description = entry?.spec ? vscode.workspace.asRelativePath(node.specUri) : `${vscode.workspace.asRelativePath(node.specUri)} — has errors`;
      item.iconPath = entry?.spec ? new vscode.ThemeIcon("beaker") : new vscode.ThemeIcon("warning", new vscode.ThemeColor("problemsWarningIcon.foreground"));
      item.tooltip = entry?.spec
        ? `${entry.spec.settings.length} setting(s) × ${entry.spec.generators.length} generator(s)${entry.spec.description ? `\n\n${entry.spec.description}` : ""}`
        : "This spec does not validate; open it to see the problems.";
      item.contextValue = entry?.spec ? "agorabench.spec" : "agorabench.spec.invalid";
      item.command = { command: "vscode.open", title: "Open Spec", arguments: [node.specUri] };
      return item;
    }
    const setting = entry?.spec?.settings[node.settingIndex];
    if (node.kind === "setting") {
      const item = new vscode.TreeItem(node.settingId, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `setting:${node.specUri.toString()}:${node.settingIndex}`;
      const run = this.watcher.latestFor(specPath, node.settingId);
      item.description = runStatus(run) ?? (setting ? `${DOMAIN_INFO[setting.domain].label} · ${METHOD_INFO[setting.method].label}` : undefined);
      item.iconPath = new vscode.ThemeIcon(setting?.domain === "math" ? "symbol-operator" : setting?.domain === "code" ? "code" : "comment-discussion");
      if (setting) item.tooltip = `${METHOD_INFO[setting.method].summary}\n\n${setting.instances} instances · seed ${setting.seed.file}${run ? `\n\nLatest run: ${run.runId}` : ""}`;
      item.contextValue = "agorabench.setting";
      return item;
    }
    const run = this.watcher.latestFor(specPath, node.settingId, node.generator);
    const item = new vscode.TreeItem(node.generator, vscode.TreeItemCollapsibleState.None);
    item.id = `generator:${node.specUri.toString()}:${node.settingIndex}:${node.generator}`;
    const pgr = run ? pgrFor(run, node.generator, setting?.method, setting?.domain) : undefined;
    const status = runStatus(run, node.generator);
    item.description = [status ?? "not run yet", pgr !== undefined ? `PGR ${pgr.toFixed(1)}%` : undefined].filter(Boolean).join(" · ");
    const g = entry?.spec?.generators.find((x) => x.id === node.generator);
    item.tooltip = `${g ? `${g.provider} · ${g.model}` : node.generator}${run ? `\n\nLatest run: ${run.runId}` : ""}`;
    item.iconPath = new vscode.ThemeIcon(run?.state === "running" ? "sync~spin" : run?.state === "finished" ? "pass" : run?.state === "failed" ? "error" : "hubot");
    item.contextValue = run ? `agorabench.generator.hasRun${pgr !== undefined ? ".hasPgr" : ""}` : "agorabench.generator";
    return item;
  }
}

/** The argument the shared commands accept (the code lens's shape, plus generator and run folder). */
function commandArg(node: ExperimentsNode | undefined, watcher: RunWatcher): Record<string, unknown> | undefined {
  if (!node || node.kind === "spec") return node ? { specUri: node.specUri } : undefined;
  const run = watcher.latestFor(node.specUri.fsPath, node.settingId, node.kind === "generator" ? node.generator : undefined);
  return {
    specUri: node.specUri,
    settingIndex: node.settingIndex,
    settingId: node.settingId,
    generator: node.kind === "generator" ? node.generator : undefined,
    runDir: run?.runDir,
  };
}

/** Calls a colleague's command when it is there, and says so plainly when it is not. */
async function callIfPresent(command: string, what: string, arg: unknown): Promise<unknown> {
  const all = await vscode.commands.getCommands(true);
  if (!all.includes(command)) {
    void vscode.window.showInformationMessage(`AgoraBench: ${what} is not available in this build.`);
    return undefined;
  }
  return vscode.commands.executeCommand(command, arg);
}

export function registerExperimentsTree(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const catalog = specCatalog(context);
  const watcher = runWatcher(context, log);
  const provider = new ExperimentsTreeProvider(catalog, watcher);
  context.subscriptions.push(
    vscode.window.createTreeView("agorabench.experiments", { treeDataProvider: provider, showCollapseAll: true }),
    vscode.commands.registerCommand("agorabench.refreshExperiments", () => {
      provider.refreshSoon();
      return watcher.refresh();
    }),
    vscode.commands.registerCommand("agorabench.experiments.run", (node?: ExperimentsNode) =>
      vscode.commands.executeCommand("agorabench.runSetting", commandArg(node, watcher)),
    ),
    vscode.commands.registerCommand("agorabench.experiments.openSamples", (node?: ExperimentsNode) =>
      callIfPresent("agorabench.openSamples", "The samples browser", commandArg(node, watcher)),
    ),
    vscode.commands.registerCommand("agorabench.experiments.showPgr", (node?: ExperimentsNode) =>
      callIfPresent("agorabench.showCharts", "The PGR charts view", commandArg(node, watcher)),
    ),
  );
}
