/** Starts the AgoraBench language server (dist/server.js) over node IPC for `agora-spec` documents. */
import * as vscode from "vscode";

export function registerLanguageClient(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  // vscode-languageclient is large: loaded after activation returns, so it never delays activation.
  void startClient(context, log).catch((e: unknown) => log.error(`language server failed to start: ${String(e)}`));
}

async function startClient(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<void> {
  const { LanguageClient, TransportKind } = await import("vscode-languageclient/node");
  const module = vscode.Uri.joinPath(context.extensionUri, "dist", "server.js").fsPath;
  const client = new LanguageClient(
    "agorabench",
    "AgoraBench Language Server",
    {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ["--nolazy", "--inspect=6019"] } },
    },
    {
      documentSelector: [{ language: "agora-spec" }],
      synchronize: {
        // Seed files and hosts files are read from disk by the server: tell it when they change.
        fileEvents: [vscode.workspace.createFileSystemWatcher("**/*.agora.json"), vscode.workspace.createFileSystemWatcher("**/*.{jsonl,json}")],
      },
      outputChannel: log,
    },
  );
  context.subscriptions.push({ dispose: () => void client.stop() });
  await client.start();
}
