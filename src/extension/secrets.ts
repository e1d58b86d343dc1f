/**
 * API keys: "AgoraBench: Set API Key" / "Clear API Key" keep keys in SecretStorage (the OS keychain on
 * desktop). They are read only when an engine process starts and passed in that child's environment:
 * never written to settings, run folders, logs or command lines.
 */
import * as vscode from "vscode";
import type { GeneratorSpec } from "../core/spec/model";
import { specCatalog } from "./spec-catalog";

const PREFIX = "agorabench.apiKey.";
const KNOWN = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"];
const INDEX_KEY = "agorabench.apiKeyNames";

/** The environment variable a generator's key is read from (the engine's rule). */
export function keyEnvName(g: Pick<GeneratorSpec, "provider" | "apiKeyEnv">): string {
  return g.apiKeyEnv ?? (g.provider === "anthropic" ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY");
}

/** Environment for an engine child: the stored key of every generator that has one. */
export async function keyEnvironment(context: vscode.ExtensionContext, generators: readonly Pick<GeneratorSpec, "provider" | "apiKeyEnv">[]): Promise<{ env: Record<string, string>; missing: string[] }> {
  const env: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of new Set(generators.map(keyEnvName))) {
    const value = await context.secrets.get(PREFIX + name);
    if (value) env[name] = value;
    else if (!process.env[name]) missing.push(name);
  }
  return { env, missing };
}

/** Every stored key value, so CLI output can be redacted before it is logged. */
export async function storedKeyValues(context: vscode.ExtensionContext): Promise<string[]> {
  const names = context.globalState.get<string[]>(INDEX_KEY, []);
  const values = await Promise.all(names.map((n) => context.secrets.get(PREFIX + n)));
  return values.filter((v): v is string => !!v);
}

async function keyNamesInWorkspace(): Promise<string[]> {
  const names = new Set(KNOWN);
  for (const e of await specCatalog().specs()) for (const g of e.spec?.generators ?? []) names.add(keyEnvName(g));
  return [...names];
}

export function registerSecrets(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand("agorabench.setApiKey", async (envName?: string, value?: string) => {
      let name = typeof envName === "string" ? envName : undefined;
      if (!name) {
        const stored = new Set(context.globalState.get<string[]>(INDEX_KEY, []));
        const items: vscode.QuickPickItem[] = (await keyNamesInWorkspace()).map((n) => ({ label: n, description: stored.has(n) ? "stored" : undefined }));
        items.push({ label: "Other…", description: "another environment variable (a generator's apiKeyEnv)" });
        const pick = await vscode.window.showQuickPick(items, { title: "AgoraBench: Set API Key", placeHolder: "Environment variable the engine reads the key from" });
        if (!pick) return false;
        name = pick.label;
        if (name === "Other…") {
          name = await vscode.window.showInputBox({
            title: "AgoraBench: Set API Key",
            prompt: "Environment variable name",
            validateInput: (v) => (/^[A-Z_][A-Z0-9_]*$/.test(v) ? undefined : "Use A–Z, 0–9 and _, like OPENAI_API_KEY."),
          });
          if (!name) return false;
        }
      }
      const key =
        typeof value === "string"
          ? value
          : await vscode.window.showInputBox({
              title: `AgoraBench: API key for ${name}`,
              prompt: "Stored in VS Code's secret storage and passed only to engine processes, in their environment.",
              password: true,
              ignoreFocusOut: true,
              validateInput: (v) => (v.trim() ? undefined : "Enter the key."),
            });
      if (!key) return false;
      await context.secrets.store(PREFIX + name, key.trim());
      const names = new Set(context.globalState.get<string[]>(INDEX_KEY, []));
      names.add(name);
      await context.globalState.update(INDEX_KEY, [...names]);
      // The key itself is never logged; only which variable now has one.
      log.info(`API key for ${name} stored in secret storage`);
      void vscode.window.showInformationMessage(`AgoraBench: API key for ${name} stored securely.`);
      return true;
    }),
    vscode.commands.registerCommand("agorabench.clearApiKey", async (envName?: string) => {
      const names = context.globalState.get<string[]>(INDEX_KEY, []);
      const name = typeof envName === "string" ? envName : (await vscode.window.showQuickPick(names, { title: "AgoraBench: Clear API Key" }));
      if (!name) return false;
      await context.secrets.delete(PREFIX + name);
      await context.globalState.update(INDEX_KEY, names.filter((n) => n !== name));
      log.info(`API key for ${name} removed from secret storage`);
      void vscode.window.showInformationMessage(`AgoraBench: API key for ${name} removed.`);
      return true;
    }),
  );
}
