/**
 * Starts and controls engine processes through the bundled CLI (`dist/cli.js`), never inside the extension
 * host: `run … --detach --json` prints one JSON line {runId, runDir, pid} and returns while the engine
 * keeps running on its own, so reloading or closing the window loses nothing.
 */
import { spawn } from "node:child_process";
import * as vscode from "vscode";

export interface DetachedRun {
  runId: string;
  runDir: string;
  pid?: number;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cliPath(context: vscode.ExtensionContext): string {
  return vscode.Uri.joinPath(context.extensionUri, "dist", "cli.js").fsPath;
}

/**
 * Runs the CLI with `node` (the extension host's own binary) and collects its output. `env` is layered
 * over the host environment; API keys travel only this way, never on the command line.
 */
export function runCli(
  context: vscode.ExtensionContext,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath(context), ...args], {
      cwd: opts.cwd,
      // ELECTRON_RUN_AS_NODE lets a desktop VS Code's Electron binary act as plain Node.
      env: { ...process.env, ...opts.env, ELECTRON_RUN_AS_NODE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      windowsHide: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGTERM"), opts.timeoutMs ?? 60_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: stderr + String(e) });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The last line of stdout that parses as a JSON object (the CLI's `--json` answer). */
export function lastJsonLine<T>(stdout: string): T | undefined {
  const lines = stdout.split("\n").map((l) => l.trim()).filter(Boolean);
  for (const line of lines.reverse()) {
    if (!line.startsWith("{") && !line.startsWith("[")) continue;
    try {
      return JSON.parse(line) as T;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/** Masks anything that looks like a secret value before CLI output reaches a log. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join("***");
  return out;
}
