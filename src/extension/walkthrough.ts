/**
 * Commands behind the walkthrough steps: "Open Examples" opens the examples workspace bundled with the
 * extension (a copy in global storage, so the user's edits never touch the installed extension).
 */
import * as vscode from "vscode";

export function registerWalkthrough(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand("agorabench.openExamples", async () => {
      const source = vscode.Uri.joinPath(context.extensionUri, "examples");
      const target = vscode.Uri.joinPath(context.globalStorageUri, "examples");
      try {
        await vscode.workspace.fs.stat(target);
      } catch {
        try {
          await vscode.workspace.fs.copy(source, target, { overwrite: false });
        } catch (e) {
          log.error(`could not copy the examples: ${(e as Error).message}`);
          void vscode.window.showErrorMessage("AgoraBench: the examples are not bundled with this build.");
          return;
        }
      }
      await vscode.commands.executeCommand("vscode.openFolder", target, { forceNewWindow: false });
    }),
  );
}
