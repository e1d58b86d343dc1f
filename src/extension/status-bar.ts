/** A status-bar item for active runs: count and cost so far; click focuses the Runs view. Hidden when idle. */
import * as vscode from "vscode";
import { formatUsd } from "./run-format";
import { runWatcher } from "./run-watcher";

export function registerStatusBar(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  if (!vscode.workspace.workspaceFolders?.length) return;
  const watcher = runWatcher(context, log);
  const item = vscode.window.createStatusBarItem("agorabench.activeRuns", vscode.StatusBarAlignment.Left, 50);
  item.name = "AgoraBench Runs";
  item.command = "agorabench.runs.focus";
  const update = (): void => {
    const active = watcher.active();
    if (!active.length) {
      item.hide();
      return;
    }
    const cost = active.reduce((a, r) => a + r.summary.costUsd, 0);
    const done = active.reduce((a, r) => a + r.summary.done, 0);
    const total = active.reduce((a, r) => a + r.summary.total, 0);
    item.text = `$(sync~spin) ${active.length} run${active.length === 1 ? "" : "s"} · ${formatUsd(cost)}`;
    item.tooltip = `AgoraBench: ${active.length} active run(s), ${done}/${total} items, ${formatUsd(cost)} spent so far. Click to show the Runs view.`;
    item.show();
  };
  context.subscriptions.push(item, watcher.onDidChange(update));
  update();
}
