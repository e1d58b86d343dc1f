/**
 * A real LSP client (vscode-languageserver-protocol over stdio) driving the bundled dist/server.js, for the
 * integration tests and `npm run bench:lsp`. The child gets a clean environment without API keys unless the
 * caller passes them, and `stop()` kills it even if shutdown fails. `sendRaw` writes framed messages in one
 * write, byte for byte, for what a well-behaved client library cannot send: a request and its cancellation
 * arriving together, or a message whose bytes are not valid UTF-8.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import {
  type ClientCapabilities,
  type CodeLens,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type Hover,
  type InitializeResult,
  type Message,
  type PublishDiagnosticsParams,
  PublishDiagnosticsNotification,
  type Registration,
  type ResponseMessage,
} from "vscode-languageserver-protocol";
import { createMessageConnection, type MessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-languageserver-protocol/node";
import { repoRoot } from "./build";

export const serverPath = join(repoRoot, "dist", "server.js");

export class LspTestClient {
  readonly published: PublishDiagnosticsParams[] = [];
  /** Capabilities the server registered dynamically (client/registerCapability). */
  readonly registrations: Registration[] = [];
  /** Responses to requests sent with `sendRaw`, by id (the connection ignores ids it did not send). */
  private readonly rawResponses = new Map<string | number, ResponseMessage>();
  private readonly waiters: (() => void)[] = [];
  stderr = "";
  private constructor(
    readonly proc: ChildProcess,
    readonly conn: MessageConnection,
  ) {}

  /** `nodeArgs` replaces `[dist/server.js, --stdio]` (the benchmark starts its baseline server this way). */
  static async start(
    options: { rootUri?: string; initializationOptions?: unknown; env?: NodeJS.ProcessEnv; nodeArgs?: string[]; capabilities?: ClientCapabilities } = {},
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
    conn.onRequest("client/registerCapability", (p: { registrations: Registration[] }) => {
      client.registrations.push(...p.registrations);
      return null;
    });
    // A second reader on the same stdout sees every message too; it keeps the answers to raw requests.
    new StreamMessageReader(proc.stdout!).listen((m: Message) => {
      const r = m as ResponseMessage;
      if (r.id !== undefined && r.id !== null && !("method" in m)) client.rawResponses.set(r.id, r);
    });
    conn.onRequest("workspace/configuration", () => []);
    conn.onNotification("window/logMessage", () => undefined);
    conn.listen();
    const init = (await conn.sendRequest("initialize", {
      processId: process.pid,
      rootUri: options.rootUri ?? null,
      capabilities: options.capabilities ?? { textDocument: { completion: { completionItem: { snippetSupport: true, documentationFormat: ["markdown"] } }, hover: { contentFormat: ["markdown"] } } },
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

  /**
   * Writes JSON-RPC messages framed with Content-Length in a single write. `body` may be bytes (for
   * invalid UTF-8); give raw requests string ids so they never collide with the connection's numeric ones.
   */
  sendRaw(messages: (object | Buffer)[]): Promise<void> {
    const frames = messages.map((m) => {
      const body = Buffer.isBuffer(m) ? m : Buffer.from(JSON.stringify({ jsonrpc: "2.0", ...m }), "utf8");
      return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]);
    });
    return new Promise((resolve, reject) => this.proc.stdin!.write(Buffer.concat(frames), (e) => (e ? reject(e) : resolve())));
  }

  /** The response to a request sent with `sendRaw`, waiting up to `ms`. */
  async rawResponse(id: string, ms = 20_000): Promise<ResponseMessage> {
    const deadline = Date.now() + ms;
    for (;;) {
      const r = this.rawResponses.get(id);
      if (r) return r;
      if (Date.now() > deadline) throw new Error(`no response to raw request ${id}; server stderr:\n${this.stderr}`);
      await new Promise((res) => setTimeout(res, 10));
    }
  }

  /** `shutdown` then `exit`, as an editor closes the server: the shutdown result and the exit code. */
  async shutdown(): Promise<{ result: unknown; exitCode: number | null }> {
    const exited = new Promise<number | null>((r) => (this.proc.exitCode !== null ? r(this.proc.exitCode) : this.proc.once("exit", (code) => r(code))));
    const result = await this.conn.sendRequest("shutdown");
    await this.conn.sendNotification("exit");
    const exitCode = await exited;
    this.conn.dispose();
    return { result, exitCode };
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
