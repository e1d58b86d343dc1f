/**
 * Extension entry point: the only module tree that imports `vscode` (DESIGN.md). Activation stays light:
 * commands are registered here, and each feature lives in its own module under src/extension/.
 */
import * as vscode from "vscode";
import { registerExperimentsTree } from "./experiments-tree";
import { registerLanguageClient } from "./language-client";
import { registerHostsTree } from "./hosts-tree";
import { registerPgrCommands } from "./pgr-commands";
import { registerRunSetting } from "./run-setting";
import { registerRunWatcher } from "./run-watcher";
import { registerRunsTree } from "./runs-tree";
import { registerSecrets } from "./secrets";
import { registerStatusBar } from "./status-bar";
import { registerTrust } from "./trust";
import { registerWalkthrough } from "./walkthrough";
import { registerValidateCommand } from "./validate-command";
import { registerSamplesPanel } from "./samples-panel";
import { registerDataFileInspection } from "./data-file-inspection";
import { registerChartsPanel } from "./charts-panel";

export interface AgoraExtensionApi {
  /** The output channel feature modules log to. */
  log: vscode.LogOutputChannel;
}

export function activate(context: vscode.ExtensionContext): AgoraExtensionApi {
  const log = vscode.window.createOutputChannel("AgoraBench", { log: true });
  context.subscriptions.push(log);
  registerValidateCommand(context, log);
  registerLanguageClient(context, log);
  registerPgrCommands(context, log);
  registerTrust(context, log);
  registerSecrets(context, log);
  registerRunWatcher(context, log);
  registerExperimentsTree(context, log);
  registerHostsTree(context, log);
  registerRunsTree(context, log);
  registerRunSetting(context, log);
  registerStatusBar(context, log);
  registerWalkthrough(context, log);
  registerSamplesPanel(context, log);
  registerDataFileInspection(context, log);
  registerChartsPanel(context, log);
  log.info("AgoraBench Studio activated");
  return { log };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
