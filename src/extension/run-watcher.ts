/**
 * Follows runs through their run folders only (DESIGN.md): a RunIndex over every runs folder, refreshed
 * by a file watcher on `events.jsonl` and a short poll while runs are active. Because nothing lives in the
 * extension host, a reloaded window finds the same folders and reattaches. Also owns the per-run
 * LogOutputChannels and the progress notifications of runs started in this window.
 */
import * as vscode from "vscode";
import type { RunEvent } from "../core/run/events";
import { formatProgress } from "./run-format";
import type { RunIndex, RunView } from "./run-index";
import { specCatalog } from "./spec-catalog";

const TERMINAL = new Set(["finished", "failed", "cancelled", "interrupted"]);
const TRACKED_KEY = "agorabench.trackedRuns";

export class RunWatcher implements vscode.Disposable {
  /** Loaded on the first refresh (it pulls in zod and the core schemas), never during activation. */
  private indexImpl: RunIndex | undefined;
  private readonly pendingTracks: string[] = [];
  private readonly emitter = new vscode.EventEmitter<RunView[]>();
  /** Fires with the runs whose view changed (all of them on a full rescan). */
  readonly onDidChange = this.emitter.event;
  private readonly channels = new Map<string, { channel: vscode.LogOutputChannel; written: number }>();
  private readonly progressWaiters = new Map<string, () => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  private folders: string[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.pendingTracks.push(...context.workspaceState.get<string[]>(TRACKED_KEY, []));
    const watcher = vscode.workspace.createFileSystemWatcher("**/{events.jsonl,plan.json,scores.json}");
    const poke = (): void => this.schedule(50);
    watcher.onDidChange(poke);
    watcher.onDidCreate(poke);
    watcher.onDidDelete(poke);
    this.disposables.push(
      watcher,
      specCatalog(context).onDidChange(() => this.schedule(50)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("agorabench")) this.schedule(50);
      }),
    );
    this.schedule(0);
  }

  /** Remembers a run folder the CLI reported, so a reload finds it even outside the scanned folders. */
  track(runDir: string): void {
    if (this.indexImpl) this.indexImpl.track(runDir);
    else this.pendingTracks.push(runDir);
    const list = new Set(this.context.workspaceState.get<string[]>(TRACKED_KEY, []));
    list.add(runDir);
    void this.context.workspaceState.update(TRACKED_KEY, [...list].slice(-200));
    this.schedule(0);
  }

  /** Reads one run folder right away (a command named a run the index has not seen yet). */
  refreshRunNow(runDir: string): void {
    this.indexImpl?.refreshRun(runDir);
  }

  /** Runs newest first ([] until the first refresh has loaded the index). */
  all(): RunView[] {
    return this.indexImpl?.all() ?? [];
  }
  get(runDir: string): RunView | undefined {
    return this.indexImpl?.get(runDir);
  }
  active(): RunView[] {
    return this.indexImpl?.active() ?? [];
  }
  latestFor(specPath: string, setting: string, generator?: string): RunView | undefined {
    return this.indexImpl?.latestFor(specPath, setting, generator);
  }

  private async index(): Promise<RunIndex> {
    if (!this.indexImpl) {
      const { RunIndex } = await import("./run-index.js");
      const index = new RunIndex();
      for (const d of this.pendingTracks.splice(0)) index.track(d);
      this.indexImpl = index;
    }
    return this.indexImpl;
  }

  refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    this.refreshing = (async () => {
      try {
        const index = await this.index();
        this.folders = await specCatalog(this.context).runsFolders();
        const changed = index.refresh(this.folders);
        if (changed.length) {
          const views = changed.map((d) => index.get(d)).filter((v): v is RunView => !!v);
          for (const v of views) this.onRunChanged(v);
          this.emitter.fire(views);
        }
      } catch (e) {
        this.log.warn(`run refresh failed: ${(e as Error).message}`);
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh().then(() => {
        const active = this.active().length > 0 || this.progressWaiters.size > 0;
        const interval = vscode.workspace.getConfiguration("agorabench").get<number>("runs.pollIntervalMs", 1000);
        // Idle: a slow poll only catches runs written by tools outside the file watcher's reach.
        this.schedule(active ? interval : Math.max(interval * 5, 5000));
      });
    }, ms);
  }

  private onRunChanged(v: RunView): void {
    const ch = this.channels.get(v.runDir);
    if (ch) this.writeEvents(ch, v);
    if (TERMINAL.has(v.state)) {
      const done = this.progressWaiters.get(v.runDir);
      if (done) done();
    }
  }

  /** The run's LogOutputChannel ("AgoraBench Run <id>"), filled from its events and kept up to date. */
  channelFor(v: RunView): vscode.LogOutputChannel {
    let ch = this.channels.get(v.runDir);
    if (!ch) {
      ch = { channel: vscode.window.createOutputChannel(`AgoraBench Run ${v.runId}`, { log: true }), written: 0 };
      this.channels.set(v.runDir, ch);
      this.disposables.push(ch.channel);
      this.writeEvents(ch, v);
    }
    return ch.channel;
  }

  private writeEvents(ch: { channel: vscode.LogOutputChannel; written: number }, v: RunView): void {
    const events = v.events;
    if (ch.written > events.length) ch.written = 0;
    // History replayed into a new channel carries the events' own times; live lines are stamped by the channel.
    const replay = ch.written === 0 && events.length > 1;
    for (const e of events.slice(ch.written)) writeEvent(ch.channel, e, replay);
    ch.written = events.length;
  }

  /** A cancellable progress notification that follows a run until it ends. */
  showProgress(runDir: string, title: string, onCancel: () => void): void {
    if (this.progressWaiters.has(runDir)) return;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          let last = 0;
          const sub = this.onDidChange((views) => {
            const v = views.find((x) => x.runDir === runDir);
            if (!v) return;
            const s = v.summary;
            const pct = s.total > 0 ? Math.floor((100 * s.done) / s.total) : 0;
            progress.report({ message: `${v.summary.stage ?? "starting"} ${formatProgress({ ...s, throughputPerMin: v.stages.at(-1)?.throughputPerMin })}`, increment: Math.max(0, pct - last) });
            last = Math.max(last, pct);
          });
          const finish = (): void => {
            sub.dispose();
            this.progressWaiters.delete(runDir);
            resolve();
          };
          token.onCancellationRequested(() => {
            onCancel();
            finish();
          });
          this.progressWaiters.set(runDir, finish);
          this.schedule(0);
        }),
    );
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const f of this.progressWaiters.values()) f();
    for (const d of this.disposables) d.dispose();
  }
}

function writeEvent(ch: vscode.LogOutputChannel, e: RunEvent, withTime: boolean): void {
  const where = [e.stage, e.setting, e.generator].filter(Boolean).join(" ");
  const prefix = `${withTime ? `(${e.t}) ` : ""}${where ? `[${where}] ` : ""}`;
  switch (e.type) {
    case "log":
      if (e.level === "error") ch.error(prefix + e.message);
      else if (e.level === "warning") ch.warn(prefix + e.message);
      else if (e.level === "debug") ch.debug(prefix + e.message);
      else ch.info(prefix + e.message);
      break;
    case "error":
      ch.error(`${prefix}${e.message}${e.code ? ` (${e.code})` : ""}`);
      break;
    case "rate-limited":
      ch.warn(`${prefix}rate limited; retrying in ${e.retryAfterMs} ms`);
      break;
    case "progress":
      ch.trace(`${prefix}${e.done}/${e.total}`);
      break;
    case "run.started":
      ch.info(`${prefix}run ${e.runId} started${e.host ? ` on ${e.host}` : ""}${e.pid ? ` (pid ${e.pid})` : ""}${e.resumed ? ", resumed" : ""}`);
      break;
    case "stage.started":
      ch.info(`${prefix}stage started${e.jobId ? ` (job ${e.jobId})` : ""}`);
      break;
    case "stage.finished":
      if (e.ok) ch.info(`${prefix}stage finished`);
      else ch.error(`${prefix}stage failed: ${e.message ?? `exit code ${e.exitCode}`}`);
      break;
    case "run.finished":
      if (e.ok) ch.info(`${prefix}run finished${e.costUsd !== undefined ? `, $${e.costUsd.toFixed(4)}` : ""}`);
      else ch.error(`${prefix}run failed${e.message ? `: ${e.message}` : ""}`);
      break;
    case "run.cancelled":
      ch.warn(`${prefix}run cancelled${e.by ? ` by ${e.by}` : ""}`);
      break;
    case "paused":
      ch.warn(`${prefix}paused: ${e.reason}`);
      break;
    case "budget.exceeded":
      ch.warn(`${prefix}budget reached: $${e.costUsd.toFixed(2)} of $${e.maxUsd}`);
      break;
    default:
      ch.debug(`${prefix}${e.type}`);
  }
}

let shared: RunWatcher | undefined;
export function runWatcher(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): RunWatcher {
  if (!shared) {
    shared = new RunWatcher(context, log);
    context.subscriptions.push(shared, { dispose: () => (shared = undefined) });
  }
  return shared;
}

export function registerRunWatcher(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  // Created eagerly only when runs may exist; the views create it on first display otherwise.
  if (vscode.workspace.workspaceFolders?.length) runWatcher(context, log);
}
