/**
 * Extension entry point: the only module tree that imports `vscode` (DESIGN.md). Activation stays light:
 * commands are registered here, and each feature lives in its own module under src/extension/.
 */
import * as vscode from "vscode";
import { registerPgrCommands } from "./pgr-commands";
import { registerValidateCommand } from "./validate-command";

export interface AgoraExtensionApi {
  /** The output channel feature modules log to. */
  log: vscode.LogOutputChannel;
}

export function activate(context: vscode.ExtensionContext): AgoraExtensionApi {
  const log = vscode.window.createOutputChannel("AgoraBench", { log: true });
  context.subscriptions.push(log);
  registerValidateCommand(context, log);
  registerPgrCommands(context, log);
  log.info("AgoraBench Studio activated");
  return { log };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
