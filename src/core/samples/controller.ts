/**
 * The host side of the samples browser protocol, without VS Code: it answers the webview's requests from
 * a SampleFile. The extension wires `hooks` to editor APIs; the headless-browser tests wire them to plain
 * functions, so the webview is tested against the real engine, not a stand-in.
 */
import { EMPTY_QUERY, ROW_BLOCK, type SampleQuery, type SamplesHostMessage } from "../webview-protocol/samples";
import { parseSamplesRequest } from "../webview-protocol/validate";
import type { SampleFile } from "./sample-file";

export interface SamplesHooks {
  /** Select the line in a visible text editor of the file (no focus change). */
  revealInEditor?(line: number, focus: boolean): void | Promise<void>;
  /** Put text on the clipboard. */
  copy?(text: string): void | Promise<void>;
  /** Ask where to write the filtered view; undefined when the user cancels. */
  exportTarget?(suggestedName: string): Promise<string | undefined>;
  /** Tell the user something outside the webview (a toast). */
  notify?(level: "info" | "error", message: string): void;
  log?(message: string): void;
}

export class SamplesController {
  private view: Uint32Array | undefined;
  private viewId = -1;
  private query: SampleQuery = EMPTY_QUERY;
  private abort: AbortController | undefined;
  private disposed = false;

  constructor(
    private readonly file: SampleFile,
    private readonly post: (m: SamplesHostMessage) => void | PromiseLike<boolean>,
    private readonly hooks: SamplesHooks = {},
  ) {}

  /** Selects an item from outside (code lens, hover link, tree). */
  reveal(line: number): void {
    void this.post({ type: "reveal", line });
  }

  dispose(): void {
    this.disposed = true;
    this.abort?.abort();
  }

  /** Call after the file changed on disk: re-indexes and re-runs the current query. */
  async fileChanged(): Promise<void> {
    if (await this.file.refresh()) {
      this.sendInit();
      await this.runQuery(this.viewId + 1, this.query);
      this.startFacets();
    }
  }

  private sendInit(revealLine?: number): void {
    const ix = this.file.index;
    void this.post({ type: "init", file: { name: this.file.name, path: this.file.file, size: ix.size, count: ix.count }, revealLine });
  }

  private startFacets(): void {
    let last = 0;
    this.file
      .facets((done, total) => {
        const now = Date.now();
        if (now - last > 150) {
          last = now;
          void this.post({ type: "progress", phase: "facets", done, total });
        }
      })
      .then((facets) => !this.disposed && void this.post({ type: "facets", facets }))
      .catch((e: unknown) => this.hooks.log?.(`facets failed: ${String(e)}`));
  }

  private async runQuery(requestId: number, q: SampleQuery): Promise<void> {
    this.abort?.abort();
    const ac = new AbortController();
    this.abort = ac;
    let last = 0;
    try {
      const r = await this.file.query(
        q,
        (done, total) => {
          const now = Date.now();
          if (now - last > 150) {
            last = now;
            void this.post({ type: "progress", phase: q.text.trim() ? "search" : "facets", done, total });
          }
        },
        ac.signal,
      );
      if (ac.signal.aborted || this.disposed) return;
      this.view = r.lines;
      this.viewId = requestId;
      this.query = q;
      void this.post({ type: "view", requestId, total: r.lines.length, query: q, tookMs: Math.round(r.tookMs) });
      await this.sendRows(requestId, 0, ROW_BLOCK);
    } catch (e) {
      if (!ac.signal.aborted) void this.post({ type: "notice", level: "error", message: `Query failed: ${(e as Error).message}` });
    }
  }

  private async sendRows(requestId: number, start: number, end: number): Promise<void> {
    const v = this.view;
    if (!v || requestId !== this.viewId) return;
    const lines = v.subarray(Math.min(start, v.length), Math.min(end, v.length, start + 5 * ROW_BLOCK));
    const rows = await this.file.rows(lines);
    if (requestId === this.viewId) void this.post({ type: "rows", requestId, start, rows });
  }

  /** Handles one message from the webview; malformed ones are dropped. */
  async handle(raw: unknown): Promise<void> {
    const msg = parseSamplesRequest(raw);
    if (!msg) {
      this.hooks.log?.("dropped a malformed message from the samples webview");
      return;
    }
    switch (msg.type) {
      case "ready":
        this.sendInit();
        this.startFacets();
        return;
      case "query":
        return this.runQuery(msg.requestId, msg.query);
      case "rows":
        return this.sendRows(msg.requestId, msg.start, msg.end);
      case "detail": {
        const detail = await this.file.detail(msg.line);
        if (detail) void this.post({ type: "detail", detail });
        await this.hooks.revealInEditor?.(msg.line, false);
        return;
      }
      case "prompt":
        void this.post({ type: "prompt", line: msg.line, text: await this.file.prompt(msg.line) });
        return;
      case "revealInEditor":
        await this.hooks.revealInEditor?.(msg.line, true);
        return;
      case "copyJson": {
        const buf = await this.file.readLine(msg.line);
        if (!buf) return;
        let text = buf.toString("utf8");
        try {
          text = JSON.stringify(JSON.parse(text), null, 2);
        } catch {
          // not JSON: copy the line as it is
        }
        await this.hooks.copy?.(text);
        this.hooks.notify?.("info", `Copied item at line ${msg.line + 1} as JSON.`);
        return;
      }
      case "export": {
        const v = this.view;
        if (!v) return;
        const target = await this.hooks.exportTarget?.(this.file.name.replace(/\.jsonl$/, "") + ".filtered.jsonl");
        if (!target) return;
        const n = await this.file.exportLines(v, target);
        void this.post({ type: "notice", level: "info", message: `Exported ${n.toLocaleString("en-US")} items to ${target}` });
        this.hooks.notify?.("info", `Exported ${n} items to ${target}`);
        return;
      }
    }
  }
}
