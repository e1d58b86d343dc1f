/**
 * A real LSP client (vscode-languageserver-protocol over stdio) driving the bundled dist/server.js, for the
 * integration tests and `npm run bench:lsp`. The child gets a clean environment without API keys unless the
 * caller passes them, and `stop()` kills it even if shutdown fails.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import {
  type CodeLens,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type Hover,
  type InitializeResult,
  type PublishDiagnosticsParams,
  PublishDiagnosticsNotification,
} from "vscode-languageserver-protocol";
import { createMessageConnection, type MessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-languageserver-protocol/node";
import { repoRoot } from "./build";

export const serverPath = join(repoRoot, "dist", "server.js");

export class LspTestClient {
  readonly published: PublishDiagnosticsParams[] = [];
  private readonly waiters: (() => void)[] = [];
  stderr = "";
  private constructor(
    readonly proc: ChildProcess,
    readonly conn: MessageConnection,
  ) {}

  /** `nodeArgs` replaces `[dist/server.js, --stdio]` (the benchmark starts its baseline server this way). */
  static async start(
    options: { rootUri?: string; initializationOptions?: unknown; env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {},
  ): Promise<{ client: LspTestClient; init: InitializeResult }> {
    const env = { ...(options.env ?? Object.fromEntries(Object.entries(process.env).filter(([k]) => !/API_KEY$/.test(k)))) };
    const proc = spawn(process.execPath, options.nodeArgs ?? [serverPath, "--stdio"], { stdio: ["pipe", "pipe", "pipe"], env });
    const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const client = new LspTestClient(proc, conn);
    proc.stderr!.on("data", (d: Buffer) => (client.stderr += d.toString()));
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      client.published.push(p);
      for (const w of client.waiters.splice(0)) w();
    });
    conn.onRequest("client/registerCapability", () => null);
    conn.onRequest("workspace/configuration", () => []);
    conn.onNotification("window/logMessage", () => undefined);
    conn.listen();
    const init = (await conn.sendRequest("initialize", {
      processId: process.pid,
      rootUri: options.rootUri ?? null,
      capabilities: { textDocument: { completion: { completionItem: { snippetSupport: true, documentationFormat: ["markdown"] } }, hover: { contentFormat: ["markdown"] } } },
      initializationOptions: options.initializationOptions,
    })) as InitializeResult;
    await conn.sendNotification("initialized", {});
    return { client, init };
  }

  /** The diagnostics published for `uri` (at `version`, when given), waiting up to `ms`. */
  async diagnostics(uri: string, version?: number, ms = 20_000): Promise<Diagnostic[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = [...this.published].reverse().find((p) => p.uri === uri && (version === undefined || p.version === version));
      if (hit) return hit.diagnostics;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no diagnostics for ${uri} v${version}; server stderr:\n${this.stderr}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Waits for a publication for `uri` newer than the `count`-th one. */
  async nextDiagnostics(uri: string, after: number, ms = 20_000): Promise<Diagnostic[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const all = this.published.filter((p) => p.uri === uri);
      if (all.length > after) return all[all.length - 1]!.diagnostics;
      if (Date.now() > deadline) throw new Error(`no new diagnostics for ${uri}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  count(uri: string): number {
    return this.published.filter((p) => p.uri === uri).length;
  }

  open(uri: string, text: string, version = 1, languageId = "agora-spec"): Promise<void> {
    return this.conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId, version, text } });
  }

  change(uri: string, version: number, text: string): Promise<void> {
    return this.conn.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  close(uri: string): Promise<void> {
    return this.conn.sendNotification("textDocument/didClose", { textDocument: { uri } });
  }

  async completion(uri: string, line: number, character: number): Promise<CompletionItem[]> {
    const r = (await this.conn.sendRequest("textDocument/completion", { textDocument: { uri }, position: { line, character } })) as CompletionList | CompletionItem[] | null;
    return Array.isArray(r) ? r : (r?.items ?? []);
  }

  hover(uri: string, line: number, character: number): Promise<Hover | null> {
    return this.conn.sendRequest("textDocument/hover", { textDocument: { uri }, position: { line, character } });
  }

  codeLens(uri: string): Promise<CodeLens[]> {
    return this.conn.sendRequest("textDocument/codeLens", { textDocument: { uri } });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest(method, params);
  }

  async stop(): Promise<void> {
    const timeout = <T>(p: Promise<T>) => Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), 3000))]);
    try {
      await timeout(this.conn.sendRequest("shutdown"));
      await timeout(this.conn.sendNotification("exit"));
    } catch {
      // the process is killed below either way
    }
    this.conn.dispose();
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}

/** Line and character of the first occurrence of `needle` (plus `delta` characters) in `text`. */
export function positionOf(text: string, needle: string, delta = 0, occurrence = 0): { line: number; character: number } {
  let idx = -1;
  for (let i = 0; i <= occurrence; i++) {
    idx = text.indexOf(needle, idx + 1);
    if (idx < 0) throw new Error(`"${needle}" not found`);
  }
  const before = text.slice(0, idx + delta);
  const line = before.split("\n").length - 1;
  return { line, character: before.length - before.lastIndexOf("\n") - 1 };
}
