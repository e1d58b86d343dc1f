/**
 * `agorabench.showCharts`: the PGR charts webview. Data comes from the run folders of the workspace (or a
 * run / scores file passed by the tree), through the same collector `agora report` uses; with no scores
 * yet it shows the paper's Table 2. Exports are written where the user picks.
 */
import { existsSync } from "node:fs";
import * as vscode from "vscode";
import type { ChartsHostMessage, ChartView } from "../core/webview-protocol/charts";
import { parseChartsRequest } from "../core/webview-protocol/validate";
import { specCatalog } from "./spec-catalog";
import { shellHtml, webviewOptions } from "./webview-shell";

let current: vscode.WebviewPanel | undefined;
/** The last data sent, re-sent when the webview reloads after being hidden. */
let latest: ChartsHostMessage | undefined;

async function sources(context: vscode.ExtensionContext, arg: unknown): Promise<string[]> {
  if (arg instanceof vscode.Uri) return [arg.fsPath];
  const a = (arg ?? {}) as { runDir?: string };
  if (a.runDir) return [a.runDir];
  // Every runs folder the Runs view watches: the workspace setting and each spec's `output.folder`.
  return (await specCatalog(context).runsFolders()).filter((p) => existsSync(p));
}

/** The charts' data from the scores files under `arg`'s sources (see `sources`). */
async function chartsMessage(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, arg: unknown): Promise<ChartsHostMessage> {
  const paths = await sources(context, arg);
  // Loaded on first use, not at activation: the collector pulls in the spec loader and the samples engine.
  const [{ collectReportInputs }, { chartDataFromScores }] = await Promise.all([import("../core/report/collect.js"), import("../core/report/data.js")]);
  const inputs = await collectReportInputs(paths).catch((e: unknown) => {
    log.error(`charts: ${String(e)}`);
    return undefined;
  });
  const data = chartDataFromScores(inputs?.scores ?? [], inputs?.costPer1K ?? {});
  if (inputs) data.problems.push(...inputs.errors);
  const settingId = (arg as { settingId?: string } | undefined)?.settingId;
  return {
    type: "data",
    data,
    title: data.source === "paper" ? "Paper (Table 2)" : `${inputs?.scoreFiles.length ?? 0} scores file(s)`,
    focus: settingId ? { view: "benchmarks" as ChartView, setting: settingId } : undefined,
  };
}

export function registerChartsPanel(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  let lastArg: unknown;
  context.subscriptions.push(
    vscode.commands.registerCommand("agorabench.showCharts", async (arg?: unknown) => {
      lastArg = arg;
      const msg = await chartsMessage(context, log, arg);
      latest = msg;
      if (current) {
        current.reveal(undefined, false);
        void current.webview.postMessage(msg);
        latest = { ...msg, focus: undefined };
        return;
      }
      const panel = vscode.window.createWebviewPanel("agorabench.charts", "AgoraBench: PGR Charts", vscode.ViewColumn.Active, webviewOptions(context));
      current = panel;
      panel.webview.html = shellHtml(context, panel.webview, "charts", "PGR Charts");
      panel.webview.onDidReceiveMessage(async (raw: unknown) => {
        const m = parseChartsRequest(raw);
        if (!m) return;
        if (m.type === "ready") {
          // Also after the panel was hidden and shown again (the webview reloads and asks again).
          if (latest) {
            void panel.webview.postMessage(latest);
            // The caller's focus (a setting's drill-down) applies once; after that the view's own saved
            // state (the tab the user chose) wins when the panel comes back.
            latest = { ...latest, focus: undefined };
          }
          return;
        }
        const target = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? context.globalStorageUri, `${m.name}.${m.format}`),
          filters: m.format === "svg" ? { SVG: ["svg"] } : { PNG: ["png"] },
          title: `Export chart as ${m.format.toUpperCase()}`,
        });
        if (!target) return;
        const bytes = m.format === "svg" ? new TextEncoder().encode(m.content) : Buffer.from(m.content, "base64");
        await vscode.workspace.fs.writeFile(target, bytes);
        void vscode.window.setStatusBarMessage(`AgoraBench: chart written to ${vscode.workspace.asRelativePath(target)}`, 4000);
      });
      // A score stage finishing (or a scores file edited) redraws the open charts, keeping the user's tab.
      const watcher = vscode.workspace.createFileSystemWatcher("**/scores.json");
      let timer: NodeJS.Timeout | undefined;
      const redraw = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          void chartsMessage(context, log, lastArg).then((m) => {
            latest = { ...m, focus: undefined };
            if (current === panel) void panel.webview.postMessage(latest);
          });
        }, 300);
      };
      watcher.onDidCreate(redraw);
      watcher.onDidChange(redraw);
      watcher.onDidDelete(redraw);
      panel.onDidDispose(() => {
        clearTimeout(timer);
        watcher.dispose();
        if (current === panel) current = undefined;
      });
    }),
  );
}
