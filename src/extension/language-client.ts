/**
 * Starts the AgoraBench language server (dist/server.js) over node IPC for `agora-spec` documents and hosts
 * files. The client tells the server which API keys are configured — booleans only, never key values — from
 * the environment and SecretStorage, at start (initializationOptions) and whenever secrets change
 * (`agora/keysAvailable`); the `agorabench` settings section (incl. `agorabench.models`) is synchronised.
 * File watching is the server's: it registers its own watcher for seed and hosts files (dynamic
 * registration), as it does with any editor that supports it, so there is one mechanism for all.
 */
import * as vscode from "vscode";

/** SecretStorage layout of src/extension/secrets.ts: key `agorabench.apiKey.<ENV>`, names indexed in globalState. */
const SECRET_PREFIX = "agorabench.apiKey.";
const SECRET_INDEX = "agorabench.apiKeyNames";
const KNOWN_KEYS = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"];

export function registerLanguageClient(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  // vscode-languageclient is large: loaded after activation returns, so it never delays activation.
  void startClient(context, log).catch((e: unknown) => log.error(`language server failed to start: ${String(e)}`));
}

/** Which key variables are set, in the environment or in secret storage. */
async function keysAvailable(context: vscode.ExtensionContext): Promise<Record<string, boolean>> {
  const names = new Set([...KNOWN_KEYS, ...context.globalState.get<string[]>(SECRET_INDEX, []), ...Object.keys(process.env).filter((k) => /_API_KEY$/.test(k))]);
  const out: Record<string, boolean> = {};
  for (const n of names) out[n] = !!process.env[n] || !!(await context.secrets.get(SECRET_PREFIX + n));
  return out;
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
      documentSelector: [
        { language: "agora-spec" },
        { scheme: "file", pattern: "**/*.hosts.json" },
      ],
      synchronize: { configurationSection: "agorabench" },
      initializationOptions: {
        // VS Code renders `$(play)` in lens titles as an icon; other editors get plain titles.
        codeLensIcons: true,
        keysAvailable: await keysAvailable(context),
        models: vscode.workspace.getConfiguration("agorabench").get<unknown[]>("models", []),
      },
      outputChannel: log,
    },
  );
  context.subscriptions.push({ dispose: () => void client.stop() });
  await client.start();
  context.subscriptions.push(
    context.secrets.onDidChange(async () => {
      if (client.isRunning()) await client.sendNotification("agora/keysAvailable", { keys: await keysAvailable(context) });
    }),
  );
}
