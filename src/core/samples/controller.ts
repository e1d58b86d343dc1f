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

/** Where `line` is in a view: a binary search in file order (either direction), a scan otherwise. */
export function positionOf(view: Uint32Array, line: number, q: Pick<SampleQuery, "sort" | "descending">): number | undefined {
  if (q.sort === "line") {
    let lo = 0;
    let hi = view.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = view[mid]!;
      if (v === line) return mid;
      if (v < line !== q.descending) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
  const i = view.indexOf(line);
  return i >= 0 ? i : undefined;
}

export class SamplesController {
  private view: Uint32Array | undefined;
  private viewId = -1;
  private query: SampleQuery = EMPTY_QUERY;
  private abort: AbortController | undefined;
  private disposed = false;
  /** The page has said "ready" at least once. */
  private ready = false;
  private pendingReveal: number | undefined;

  constructor(
    private readonly file: SampleFile,
    private readonly post: (m: SamplesHostMessage) => void | PromiseLike<boolean>,
    private readonly hooks: SamplesHooks = {},
  ) {}

  /**
   * Selects an item from outside (code lens, hover link, tree), telling the webview where it is in its
   * view. Before the page is ready, or when it could not take the message (a hidden panel's page is
   * re-created when shown), the line goes with the next `init` instead.
   */
  reveal(line: number): void {
    if (!this.ready) {
      this.pendingReveal = line;
      return;
    }
    const position = this.view ? positionOf(this.view, line, this.query) : undefined;
    const sent = this.post({ type: "reveal", line, ...(position !== undefined ? { position } : {}) });
    if (sent && typeof sent.then === "function") {
      sent.then(
        (ok) => {
          if (!ok) this.pendingReveal = line;
        },
        () => (this.pendingReveal = line),
      );
    }
  }

  dispose(): void {
    this.disposed = true;
    this.abort?.abort();
  }

  /**
   * Call after the file changed on disk: re-indexes; the new `init` makes the webview query again (with
   * its selection to locate), and the facets are counted afresh.
   */
  async fileChanged(): Promise<void> {
    if (await this.file.refresh()) {
      this.view = undefined;
      this.sendInit();
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

  private async runQuery(requestId: number, q: SampleQuery, locate?: number): Promise<void> {
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
      const located = locate === undefined ? undefined : positionOf(r.lines, locate, q);
      void this.post({ type: "view", requestId, total: r.lines.length, query: q, tookMs: Math.round(r.tookMs), ...(located !== undefined ? { located } : {}) });
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
        // Also a re-created page (the panel was hidden and shown): it brings back its own state.
        this.ready = true;
        this.sendInit(this.pendingReveal);
        this.pendingReveal = undefined;
        this.startFacets();
        return;
      case "query":
        return this.runQuery(msg.requestId, msg.query, msg.locate);
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
