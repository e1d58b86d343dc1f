/**
 * Commands behind the walkthrough steps: "Open Examples" opens the examples workspace bundled with the
 * extension (a copy in global storage, so the user's edits never touch the installed extension).
 */
import * as vscode from "vscode";

/**
 * The bundled specs point at `../../schemas/…` and scores.json at `../schemas/…` (so they also validate in a
 * plain clone of the repository). The copy keeps that shape — `<root>/examples` next to `<root>/schemas` — so
 * those relative `$schema` references still resolve once the examples are opened from global storage.
 */
const COPIED_FOLDERS = ["examples", "schemas"] as const;

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Copies the bundled examples (once) and the schemas (always) under `storage`; returns the examples folder. */
export async function copyExamplesWorkspace(extensionUri: vscode.Uri, storage: vscode.Uri): Promise<vscode.Uri> {
  const root = vscode.Uri.joinPath(storage, "workspace");
  for (const folder of COPIED_FOLDERS) {
    const target = vscode.Uri.joinPath(root, folder);
    // Never overwrite the examples: the user's edits (and their runs) live in the copy. Schemas are refreshed
    // because a newer extension version may have changed them.
    if (folder === "examples" && (await exists(target))) continue;
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(extensionUri, folder), target, { overwrite: folder === "schemas" });
  }
  return vscode.Uri.joinPath(root, "examples");
}

export function registerWalkthrough(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand("agorabench.openExamples", async () => {
      let examples: vscode.Uri;
      try {
        examples = await copyExamplesWorkspace(context.extensionUri, context.globalStorageUri);
      } catch (e) {
        log.error(`could not copy the examples: ${(e as Error).message}`);
        void vscode.window.showErrorMessage("AgoraBench: the examples are not bundled with this build.");
        return;
      }
      await vscode.commands.executeCommand("vscode.openFolder", examples, { forceNewWindow: false });
    }),
  );
}
