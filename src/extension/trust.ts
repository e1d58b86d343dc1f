/**
 * Workspace trust and virtual workspaces. In an untrusted workspace the language server still validates,
 * but nothing from a spec runs: no stages, no custom recipes, no SSH. Every command that would run
 * something calls `canRun()` first; menus also hide those commands with `isWorkspaceTrusted`.
 */
import * as vscode from "vscode";

export const UNTRUSTED_MESSAGE =
  "AgoraBench runs nothing from an untrusted workspace (no stages, no custom recipes, no SSH connections). Specs are still validated. Trust this folder to run experiments.";
export const VIRTUAL_MESSAGE = "AgoraBench can only run experiments in a folder on disk; this is a virtual workspace. Specs are still validated.";

export function isVirtualWorkspace(): boolean {
  const folders = vscode.workspace.workspaceFolders ?? [];
  return folders.length > 0 && folders.every((f) => f.uri.scheme !== "file");
}

/** True when running is allowed; otherwise tells the user why (once per call) and returns false. */
export function canRun(what = "run experiments"): boolean {
  if (isVirtualWorkspace()) {
    void vscode.window.showWarningMessage(VIRTUAL_MESSAGE);
    return false;
  }
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(`${UNTRUSTED_MESSAGE.replace("run experiments", what)}`, "Manage Workspace Trust").then((pick) => {
      if (pick) void vscode.commands.executeCommand("workbench.trust.manage");
    });
    return false;
  }
  return true;
}

export function registerTrust(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const update = (): void => {
    void vscode.commands.executeCommand("setContext", "agorabench.canRun", vscode.workspace.isTrusted && !isVirtualWorkspace());
  };
  update();
  if (!vscode.workspace.isTrusted) log.info("workspace is not trusted: AgoraBench validates specs but runs nothing");
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      log.info("workspace trusted: running enabled");
      update();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(update),
  );
}
