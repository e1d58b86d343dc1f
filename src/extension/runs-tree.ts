/**
 * The Runs view: each run folder → its stages with live progress, throughput and cost, from events.jsonl
 * only. Actions: Cancel, Resume, Open Log, Reveal Run Folder (inline and in the context menu).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import * as vscode from "vscode";
import { RUN_FILES, stageDir } from "../core/run/layout";
import { taskDir } from "../pipeline/graph";
import { lastJsonLine, redact, runCli, type DetachedRun } from "./engine-cli";
import { formatProgress, formatUsd, processAlive } from "./run-format";
import type { RunView, StageView, TaskView } from "./run-index";
import { runWatcher, type RunWatcher } from "./run-watcher";
import { keyEnvironment, storedKeyValues } from "./secrets";
import { canRun, isVirtualWorkspace, UNTRUSTED_MESSAGE, VIRTUAL_MESSAGE } from "./trust";
import { CoalescedTreeRefresh } from "./tree-refresh";

export type RunsNode =
  | { kind: "run"; runDir: string }
  | { kind: "stage"; runDir: string; stage: StageView["stage"] }
  | { kind: "task"; runDir: string; stage: StageView["stage"]; task: string };

const TASK_ICON = (state: TaskView["state"]): [string, string?] => (state === "skipped" ? ["debug-step-over", "disabledForeground"] : STATE_ICON[state]);

const STATE_ICON: Record<RunView["state"], [string, string?]> = {
  running: ["sync~spin", "charts.blue"],
  paused: ["debug-pause", "charts.yellow"],
  finished: ["pass", "testing.iconPassed"],
  failed: ["error", "testing.iconFailed"],
  cancelled: ["circle-slash", "disabledForeground"],
  interrupted: ["warning", "charts.orange"],
  unknown: ["circle-outline"],
};

const icon = (name: string, color?: string): vscode.ThemeIcon => new vscode.ThemeIcon(name, color ? new vscode.ThemeColor(color) : undefined);

export function runLabel(v: RunView): string {
  const settings = v.plan?.settings ?? [];
  if (!settings.length) return v.runId;
  const gens = [...new Set(settings.flatMap((s) => s.generators))];
  return `${settings.map((s) => s.id).join(", ")} · ${gens.join(", ")}`;
}

export function runDescription(v: RunView): string {
  const tpm = v.stages.reduce((a, s) => a + s.throughputPerMin, 0);
  return [v.state, formatProgress({ ...v.summary, throughputPerMin: v.state === "running" ? tpm : 0 })].filter(Boolean).join(" · ");
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode> {
  private readonly changes = new CoalescedTreeRefresh<RunsNode>(150);
  readonly onDidChangeTreeData = this.changes.event;

  constructor(private readonly watcher: RunWatcher) {
    watcher.onDidChange(() => this.refreshSoon());
  }

  /** Coalesces bursts of event-file changes into one repaint. */
  refreshSoon(): void {
    this.changes.fireSoon();
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) return this.watcher.all().map((v) => ({ kind: "run", runDir: v.runDir }));
    if (node.kind === "run") return (this.watcher.get(node.runDir)?.stages ?? []).map((s) => ({ kind: "stage", runDir: node.runDir, stage: s.stage }));
    if (node.kind === "stage") {
      const s = this.watcher.get(node.runDir)?.stages.find((x) => x.stage === node.stage);
      // One task per stage (prepare and score of a one-setting run) needs no extra level.
      if (!s || (s.tasks.length < 2 && s.stage !== "train" && s.stage !== "evaluate")) return [];
      return s.tasks.map((t) => ({ kind: "task", runDir: node.runDir, stage: node.stage, task: t.id }));
    }
    return [];
  }

  getParent(node: RunsNode): RunsNode | undefined {
    if (node.kind === "task") return { kind: "stage", runDir: node.runDir, stage: node.stage };
    return node.kind === "stage" ? { kind: "run", runDir: node.runDir } : undefined;
  }

  private taskItem(v: RunView, node: Extract<RunsNode, { kind: "task" }>): vscode.TreeItem {
    const t = v.stages.find((x) => x.stage === node.stage)?.tasks.find((x) => x.id === node.task);
    // `train/math.instance_generation/gpt-4o` → `math.instance_generation/gpt-4o`
    const item = new vscode.TreeItem(node.task.slice(node.stage.length + 1) || node.task, vscode.TreeItemCollapsibleState.None);
    item.id = `task:${v.runDir}:${node.task}`;
    if (!t) return item;
    const state = t.state === "running" && v.state !== "running" ? (v.state === "cancelled" ? "cancelled" : "failed") : t.state;
    item.description = [state, t.host, t.jobId].filter(Boolean).join(" · ");
    const [name, color] = TASK_ICON(state);
    item.iconPath = icon(name, color);
    const tip = new vscode.MarkdownString();
    tip.appendMarkdown(`**${node.task}**  
`);
    if (t.host) tip.appendMarkdown(`Host: ${t.host}${t.jobId ? ` · job ${t.jobId}` : ""}  
`);
    if (t.message) tip.appendCodeblock(t.message, "text");
    item.tooltip = tip;
    item.contextValue = `agorabench.task.${state}`;
    item.command = { command: "agorabench.openRunLog", title: "Open Log", arguments: [node] };
    return item;
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    const v = this.watcher.get(node.runDir);
    if (!v) return new vscode.TreeItem("(gone)");
    if (node.kind === "run") {
      // Always expandable from the first paint: a run shown before its first stage event must still open later.
      const item = new vscode.TreeItem(runLabel(v), vscode.TreeItemCollapsibleState.Expanded);
      item.id = `run:${v.runDir}`;
      item.description = runDescription(v);
      const [name, color] = STATE_ICON[v.state];
      item.iconPath = icon(name, color);
      item.contextValue = `agorabench.run.${v.state}`;
      const tip = new vscode.MarkdownString(undefined, true);
      tip.appendMarkdown(`**${v.runId}**\n\n`);
      tip.appendMarkdown(`State: ${v.state}${v.summary.stage ? ` (${v.summary.stage})` : ""}  \n`);
      if (v.host) tip.appendMarkdown(`Host: ${v.host}${v.pid ? ` · engine pid ${v.pid}` : ""}  \n`);
      tip.appendMarkdown(`Progress: ${v.summary.done}/${v.summary.total} · cost ${formatUsd(v.summary.costUsd)}  \n`);
      if (v.summary.startedAt) tip.appendMarkdown(`Started: ${v.summary.startedAt}  \n`);
      if (v.summary.lastError) tip.appendMarkdown(`\n$(warning) ${v.summary.lastError}\n`);
      if (v.state === "interrupted") tip.appendMarkdown(`\nThe engine process is gone without finishing; **Resume** continues without re-paying for stored items.\n`);
      tip.appendMarkdown(`\n\`${v.runDir}\``);
      item.tooltip = tip;
      item.command = { command: "agorabench.openRunLog", title: "Open Log", arguments: [node] };
      return item;
    }
    if (node.kind === "task") return this.taskItem(v, node);
    const s = v.stages.find((x) => x.stage === node.stage);
    // Train and evaluate always list their jobs (even before the first one starts), so the row keeps one
    // collapsible state from its first paint; a finished run's stages start folded.
    const expandable = node.stage === "train" || node.stage === "evaluate" || (s?.tasks.length ?? 0) >= 2;
    const folded = v.state === "finished" ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded;
    const item = new vscode.TreeItem(node.stage, expandable ? folded : vscode.TreeItemCollapsibleState.None);
    item.id = `stage:${v.runDir}:${node.stage}`;
    if (s) {
      // A stage the log left "running" takes the run's state when the engine is gone or paused.
      const state = s.state === "pending" ? "unknown" : s.state === "running" && v.state !== "running" ? v.state : s.state;
      // Pipeline stages count tasks (jobs); generate counts items and money.
      const progress = s.stage === "generate" ? formatProgress(s) : s.total ? `${s.done}/${s.total}` : "";
      item.description = [state === "unknown" ? "pending" : state, progress].filter(Boolean).join(" · ");
      const [name, color] = STATE_ICON[state as RunView["state"]] ?? STATE_ICON.unknown;
      item.iconPath = icon(name, color);
      const tip = new vscode.MarkdownString();
      for (const p of s.parts) tip.appendMarkdown(`${p.setting ?? ""} · ${p.generator ?? ""}: ${p.done}/${p.total}  \n`);
      for (const t of s.tasks) tip.appendMarkdown(`${t.id}: ${t.state}${t.host ? ` on ${t.host}` : ""}  \n`);
      if (s.lastError) tip.appendMarkdown(`\n${s.lastError}`);
      item.tooltip = tip;
    }
    item.contextValue = "agorabench.stage";
    return item;
  }
}

function viewOf(watcher: RunWatcher, arg: unknown): RunView | undefined {
  const dir = (arg as { runDir?: string } | undefined)?.runDir;
  if (dir) return watcher.get(dir) ?? (watcher.refreshRunNow(dir), watcher.get(dir));
  return undefined;
}

async function pickRun(watcher: RunWatcher, filter: (v: RunView) => boolean, title: string): Promise<RunView | undefined> {
  const runs = watcher.all().filter(filter);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(`AgoraBench: no run to ${title.toLowerCase()}.`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    runs.map((v) => ({ label: runLabel(v), description: runDescription(v), detail: v.runId, v })),
    { title: `AgoraBench: ${title}` },
  );
  return pick?.v;
}

/** Newest log file of a stage folder (stage recipes write `*.log` there). */
function stageLog(runDir: string, stage: string): string | undefined {
  const dir = join(runDir, stageDir(stage));
  const found: { path: string; mtime: number }[] = [];
  const walk = (d: string, depth: number): void => {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      const st = statSync(p);
      if (st.isDirectory() && depth < 3) walk(p, depth + 1);
      else if (/\.(log|out|err)$/.test(n)) found.push({ path: p, mtime: st.mtimeMs });
    }
  };
  walk(dir, 0);
  return found.sort((a, b) => b.mtime - a.mtime)[0]?.path;
}

export function registerRunsTree(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const watcher = runWatcher(context, log);
  const provider = new RunsTreeProvider(watcher);
  const view = vscode.window.createTreeView("agorabench.runs", { treeDataProvider: provider, showCollapseAll: true });
  const updateBadge = (): void => {
    const n = watcher.active().length;
    view.badge = n ? { value: n, tooltip: `${n} active run${n === 1 ? "" : "s"}` } : undefined;
    void vscode.commands.executeCommand("setContext", "agorabench.hasRuns", watcher.all().length > 0);
  };
  context.subscriptions.push(view, watcher.onDidChange(updateBadge));
  // Runs already on disk stay visible in Restricted Mode, with the reason nothing new can start.
  const updateMessage = (): void => {
    view.message = isVirtualWorkspace() ? VIRTUAL_MESSAGE : vscode.workspace.isTrusted ? undefined : UNTRUSTED_MESSAGE;
  };
  updateMessage();
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(updateMessage));

  context.subscriptions.push(
    vscode.commands.registerCommand("agorabench.refreshRuns", () => watcher.refresh()),
    vscode.commands.registerCommand("agorabench.cancelRun", async (arg?: RunsNode | { runDir: string }) => {
      const v = viewOf(watcher, arg) ?? (await pickRun(watcher, (r) => r.state === "running" || r.state === "paused", "Cancel Run"));
      if (!v) return false;
      log.info(`cancelling ${v.runId}`);
      const r = await runCli(context, ["cancel", v.runDir, "--json"], { timeoutMs: 30_000 });
      if (r.code !== 0) {
        // Without the CLI's cancel (or if it failed) a local engine still stops cleanly on SIGTERM.
        if (v.pid && (v.host ?? "local") === "local" && processAlive(v.pid)) {
          try {
            process.kill(v.pid, "SIGTERM");
            log.warn(`agora cancel failed (exit ${r.code}); sent SIGTERM to engine pid ${v.pid}`);
          } catch (e) {
            log.error(`could not stop pid ${v.pid}: ${(e as Error).message}`);
          }
        } else {
          log.error(`agora cancel failed (exit ${r.code}): ${r.stderr.trim()}`);
          void vscode.window.showErrorMessage(`AgoraBench: could not cancel ${v.runId}: ${r.stderr.trim().split("\n")[0] ?? ""}`);
          return false;
        }
      }
      await watcher.refresh();
      return true;
    }),
    vscode.commands.registerCommand("agorabench.resumeRun", async (arg?: RunsNode | { runDir: string }) => {
      if (!canRun("resume runs")) return undefined;
      const v = viewOf(watcher, arg) ?? (await pickRun(watcher, (r) => ["paused", "interrupted", "failed", "cancelled"].includes(r.state), "Resume Run"));
      if (!v) return undefined;
      const { env } = await keyEnvironment(context, await planGenerators(v.runDir));
      log.info(`resuming ${v.runId}`);
      const r = await runCli(context, ["resume", v.runDir, "--detach", "--json"], { env, timeoutMs: 120_000 });
      const started = lastJsonLine<DetachedRun>(r.stdout);
      if (r.code !== 0) {
        const why = redact(r.stderr.trim() || r.stdout.trim(), await storedKeyValues(context));
        log.error(`agora resume failed (exit ${r.code}): ${why}`);
        void vscode.window.showErrorMessage(`AgoraBench: could not resume ${v.runId}: ${why.split("\n")[0] ?? ""}`);
        return undefined;
      }
      watcher.track(started?.runDir ?? v.runDir);
      watcher.showProgress(started?.runDir ?? v.runDir, `AgoraBench: resuming ${runLabel(v)}`, () => {
        void vscode.commands.executeCommand("agorabench.cancelRun", { runDir: v.runDir });
      });
      return started ?? { runId: v.runId, runDir: v.runDir };
    }),
    vscode.commands.registerCommand("agorabench.openRunLog", async (arg?: RunsNode | { runDir: string }) => {
      const v = viewOf(watcher, arg) ?? (await pickRun(watcher, () => true, "Open Run Log"));
      if (!v) return;
      if (arg && (arg as RunsNode).kind === "task") {
        const file = join(v.runDir, taskDir((arg as { task: string }).task), "job.log");
        if (existsSync(file)) {
          await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
          return;
        }
        void vscode.window.showInformationMessage(`AgoraBench: ${(arg as { task: string }).task} has no log yet.`);
        return;
      }
      if (arg && (arg as RunsNode).kind === "stage") {
        const file = stageLog(v.runDir, (arg as { stage: string }).stage);
        if (file) {
          await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
          return;
        }
      }
      watcher.channelFor(v).show(true);
    }),
    vscode.commands.registerCommand("agorabench.revealRunFolder", async (arg?: RunsNode | { runDir: string }) => {
      const v = viewOf(watcher, arg) ?? (await pickRun(watcher, () => true, "Reveal Run Folder"));
      if (!v) return;
      const uri = vscode.Uri.file(v.runDir);
      const inside = vscode.workspace.getWorkspaceFolder(uri);
      const target = existsSync(join(v.runDir, RUN_FILES.events)) ? vscode.Uri.file(join(v.runDir, RUN_FILES.events)) : uri;
      if (inside) await vscode.commands.executeCommand("revealInExplorer", target);
      else await vscode.commands.executeCommand("revealFileInOS", uri);
    }),
  );
}

async function planGenerators(runDir: string): Promise<{ provider: "openai" | "anthropic" | "openai-compatible"; apiKeyEnv?: string }[]> {
  try {
    const raw = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(join(runDir, RUN_FILES.plan))))) as {
      generators?: { provider: "openai" | "anthropic" | "openai-compatible"; apiKeyEnv?: string }[];
    };
    return raw.generators ?? [];
  } catch {
    return [];
  }
}
