/**
 * What the workbench knows about runs, read only from run folders (`plan.json`, `events.jsonl`,
 * `scores.json`). No `vscode` import: the Runs/Experiments trees, the status bar and `npm run bench:ui`
 * share it, and unit tests drive it with plain folders.
 *
 * Each run's events file is tailed incrementally (byte offset + carried partial line), so a refresh with
 * hundreds of runs reads only what was appended since the last look.
 */
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { computePgr, ScoresFile } from "../core/pgr";
import { parseEvents, type RunEvent, type RunState, type RunSummary, summarizeEvents, type StageName } from "../core/run/events";
import { RUN_FILES } from "../core/run/layout";
import { type PlanForTasks, planTasks, STAGE_ORDER } from "../pipeline/graph";
import { processAlive } from "./run-format";

export { formatProgress, formatUsd, pgrFor, processAlive } from "./run-format";

/** The parts of plan.json the UI needs; read leniently so a newer plan version still lists. */
export interface PlanSummary {
  specPath?: string;
  specName?: string;
  settings: { id: string; domain?: string; method?: string; generators: string[]; host?: string }[];
  host?: string;
  /** Host of the train and evaluate stages when the plan has them. */
  pipelineHost?: string;
  /** Planned tasks per pipeline stage (prepare, train, evaluate, score), for "n/N" progress. */
  taskCounts: Partial<Record<StageName, number>>;
}

/** One pipeline task (train/evaluate job, prepare, score) as its events describe it. */
export interface TaskView {
  id: string;
  state: "running" | "finished" | "failed" | "cancelled" | "skipped";
  host?: string;
  /** Slurm job id or `pid N`. */
  jobId?: string;
  message?: string;
}

export interface StageView {
  stage: StageName;
  state: "running" | "finished" | "failed" | "cancelled" | "pending";
  /** Pipeline tasks of the stage (empty for generate, which reports items instead). */
  tasks: TaskView[];
  done: number;
  total: number;
  costUsd: number;
  /** Items per minute, summed over the stage's setting × generator streams. */
  throughputPerMin: number;
  lastError?: string;
  /** Per setting/generator progress, for tooltips. */
  parts: { setting?: string; generator?: string; done: number; total: number }[];
}

export interface RunView {
  runId: string;
  runDir: string;
  plan?: PlanSummary;
  summary: RunSummary;
  /** Summary state, with `interrupted` when the log says running but the local engine process is gone. */
  state: RunState | "interrupted";
  stages: StageView[];
  pid?: number;
  host?: string;
  /** PGR (%) per `generator|method|domain`, from scores.json when the score stage wrote one. */
  pgr: Map<string, number>;
  /** Last log/error lines, newest last, for the per-run output channel. */
  events: RunEvent[];
}

const MAX_KEPT_EVENTS = 2000;

class Tail {
  offset = 0;
  carry = "";
  events: RunEvent[] = [];
  size = -1;
  mtimeMs = -1;

  /** Reads what was appended since the last call; returns true when anything changed. */
  read(file: string): boolean {
    let fd: number;
    try {
      fd = openSync(file, "r");
    } catch {
      return false;
    }
    try {
      const st = fstatSync(fd);
      if (st.size === this.size && st.mtimeMs === this.mtimeMs) return false;
      if (st.size < this.offset) {
        // Rewritten from scratch (should not happen with an append-only log): start over.
        this.offset = 0;
        this.carry = "";
        this.events = [];
      }
      const length = st.size - this.offset;
      this.size = st.size;
      this.mtimeMs = st.mtimeMs;
      if (length <= 0) return false;
      const buf = Buffer.alloc(length);
      readSync(fd, buf, 0, length, this.offset);
      this.offset = st.size;
      const text = this.carry + buf.toString("utf8");
      const cut = text.lastIndexOf("\n") + 1;
      this.carry = text.slice(cut);
      const parsed = parseEvents(text.slice(0, cut)).events;
      if (parsed.length) {
        this.events.push(...parsed);
        if (this.events.length > MAX_KEPT_EVENTS * 2) this.keepBounded();
      }
      return parsed.length > 0;
    } finally {
      closeSync(fd);
    }
  }

  /** Progress events are cumulative, so dropping old ones loses nothing the summary needs except starts. */
  private keepBounded(): void {
    const important = this.events.filter((e) => e.type !== "progress" && e.type !== "log");
    const recent = this.events.slice(-MAX_KEPT_EVENTS);
    const lastProgress = new Map<string, RunEvent>();
    for (const e of this.events) if (e.type === "progress") lastProgress.set(`${e.stage}|${e.setting}|${e.generator}`, e);
    const set = new Set<RunEvent>([...important, ...lastProgress.values(), ...recent]);
    this.events = this.events.filter((e) => set.has(e));
  }
}

function readPlan(runDir: string): PlanSummary | undefined {
  try {
    const raw = JSON.parse(readFileSync(join(runDir, RUN_FILES.plan), "utf8")) as {
      spec?: { path?: string; name?: string };
      settings?: { id?: string; domain?: string; method?: string; generators?: string[]; host?: string }[];
      hosts?: { generate?: string; train?: string; evaluate?: string };
      stages?: string[];
    };
    const taskCounts: PlanSummary["taskCounts"] = {};
    const shaped = raw as Partial<PlanForTasks>;
    if (Array.isArray(shaped.stages) && Array.isArray(shaped.settings) && Array.isArray(shaped.specSnapshot?.evaluation?.benchmarks) && shaped.hosts) {
      try {
        for (const t of planTasks(shaped as PlanForTasks)) if (t.stage !== "generate") taskCounts[t.stage] = (taskCounts[t.stage] ?? 0) + 1;
      } catch {
        // a plan of another version: no task counts, the events still tell
      }
    }
    const pipeline = (raw.stages ?? []).some((st) => st === "train" || st === "evaluate");
    return {
      specPath: raw.spec?.path,
      specName: raw.spec?.name,
      settings: (raw.settings ?? []).map((s) => ({ id: String(s.id ?? ""), domain: s.domain, method: s.method, generators: s.generators ?? [], host: s.host })),
      host: raw.hosts?.generate,
      pipelineHost: pipeline ? (raw.hosts?.train ?? raw.hosts?.evaluate) : undefined,
      taskCounts,
    };
  } catch {
    return undefined;
  }
}

function readPgr(runDir: string): Map<string, number> {
  const out = new Map<string, number>();
  const file = join(runDir, RUN_FILES.scores);
  if (!existsSync(file)) return out;
  try {
    const parsed = ScoresFile.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (!parsed.success) return out;
    for (const g of computePgr(parsed.data).generators) {
      for (const m of Object.values(g.methods)) {
        if (!m) continue;
        for (const d of Object.values(m.domains)) if (d) out.set(`${g.generator}|${m.method}|${d.domain}`, d.pgr);
      }
    }
  } catch {
    // A scores file being written is retried on the next refresh.
  }
  return out;
}

/**
 * Folds events into per-stage rows (the Runs view's children). Pipeline stages carry their tasks;
 * `taskCounts` (from the plan) gives their "done / planned" progress.
 */
export function stageViews(events: readonly RunEvent[], taskCounts: PlanSummary["taskCounts"] = {}): StageView[] {
  type Folding = StageView & { streams: Map<string, { done: number; total: number; cost: number; tpm: number; setting?: string; generator?: string }>; taskMap: Map<string, TaskView> };
  const stages = new Map<StageName, Folding>();
  const get = (stage: StageName): Folding => {
    let s = stages.get(stage);
    if (!s) {
      s = { stage, state: "pending", tasks: [], done: 0, total: 0, costUsd: 0, throughputPerMin: 0, parts: [], streams: new Map(), taskMap: new Map() };
      stages.set(stage, s);
    }
    return s;
  };
  for (const e of events) {
    const stage = e.stage ?? (e.type === "progress" ? "generate" : undefined);
    if (!stage) continue;
    const s = get(stage);
    if (e.task) {
      const t = s.taskMap.get(e.task) ?? { id: e.task, state: "running" as TaskView["state"] };
      if (e.host) t.host = e.host;
      if (e.type === "stage.started") {
        t.state = "running";
        t.message = undefined;
        if (e.jobId) t.jobId = e.jobId;
      } else if (e.type === "stage.finished") {
        t.state = e.ok ? "finished" : e.exitCode === null && /cancelled/.test(e.message ?? "") ? "cancelled" : "failed";
        t.message = e.message;
      } else if (e.type === "task.skipped") {
        t.state = "skipped";
        t.message = e.reason;
      } else if (e.type === "error") t.message = e.message;
      s.taskMap.set(e.task, t);
      if (e.type === "stage.finished" && !e.ok) s.lastError = e.message;
      if (e.type === "task.skipped" || e.type === "stage.started" || e.type === "stage.finished" || e.type === "error") continue;
    }
    switch (e.type) {
      case "stage.started":
        s.state = "running";
        break;
      case "progress":
        if (s.state === "pending") s.state = "running";
        s.streams.set(`${e.setting ?? ""}|${e.generator ?? ""}`, {
          done: e.done,
          total: e.total,
          cost: e.costUsd ?? 0,
          tpm: e.throughputPerMin ?? 0,
          setting: e.setting,
          generator: e.generator,
        });
        break;
      case "error":
        s.lastError = e.message;
        break;
      case "stage.finished":
        s.state = e.ok ? "finished" : "failed";
        if (!e.ok) s.lastError = e.message ?? `exit code ${e.exitCode}`;
        break;
      case "scores":
        // The score stage's result: written once, when it is done.
        s.state = "finished";
        break;
      default:
        break;
    }
  }
  // A finished run leaves no stage "running" even if a stage forgot its own finished event.
  // Only an end after the last start counts: a resumed run is live again.
  const last = [...events].reverse().find((e) => e.type === "run.finished" || e.type === "run.cancelled" || e.type === "run.started");
  const end = last && last.type !== "run.started" ? last : undefined;
  if (end) {
    for (const s of stages.values()) {
      if (s.state !== "running" && s.state !== "pending") continue;
      s.state = end.type === "run.cancelled" ? "cancelled" : end.ok ? "finished" : s.state === "running" ? "failed" : s.state;
    }
  }
  for (const [stage, n] of Object.entries(taskCounts) as [StageName, number][]) if (n > 0) get(stage);
  // Pipeline order, whatever order the tasks started in (base evaluations start while students train).
  return [...stages.values()].sort((a, b) => STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage)).map(({ streams, taskMap, ...s }) => {
    const planned = taskCounts[s.stage];
    if (taskMap.size > 0 || planned) {
      const tasks = [...taskMap.values()];
      const count = (st: TaskView["state"]): number => tasks.filter((t) => t.state === st).length;
      s.tasks = tasks;
      s.done = count("finished");
      s.total = Math.max(planned ?? 0, tasks.length);
      if (count("running") > 0) s.state = end ? (end.type === "run.cancelled" ? "cancelled" : "failed") : "running";
      else if (count("failed") > 0 || count("skipped") > 0) s.state = "failed";
      else if (count("cancelled") > 0) s.state = "cancelled";
      else if (s.done >= s.total && s.total > 0) s.state = "finished";
      else if (tasks.length) s.state = end ? "failed" : "running";
      else if (!end) s.state = "pending";
      return s;
    }
    for (const p of streams.values()) {
      s.done += p.done;
      s.total += p.total;
      s.costUsd += p.cost;
      s.throughputPerMin += s.state === "running" ? p.tpm : 0;
      s.parts.push({ setting: p.setting, generator: p.generator, done: p.done, total: p.total });
    }
    return s;
  });
}

export interface RunIndexOptions {
  /** Whether to check local engine pids (off in benchmarks of foreign run folders). */
  checkPids?: boolean;
  /** Host names whose engines run on this machine (default: `local`). */
  localHosts?: ReadonlySet<string>;
}

/** All runs under a set of runs folders, refreshed incrementally. */
export class RunIndex {
  private readonly tails = new Map<string, Tail>();
  private readonly views = new Map<string, RunView>();
  private readonly extraDirs = new Set<string>();

  constructor(private readonly options: RunIndexOptions = {}) {}

  /** Adds a run folder that lives outside the scanned folders (e.g. one the CLI reported). */
  track(runDir: string): void {
    this.extraDirs.add(runDir);
  }

  /** Rescans `folders` (each holding `<run-id>/` folders); returns the run dirs whose view changed. */
  refresh(folders: readonly string[]): string[] {
    const seen = new Set<string>();
    for (const folder of folders) {
      let names: string[];
      try {
        names = readdirSync(folder);
      } catch {
        continue;
      }
      for (const name of names) {
        const dir = join(folder, name);
        if (existsSync(join(dir, RUN_FILES.events)) || existsSync(join(dir, RUN_FILES.plan))) seen.add(dir);
      }
    }
    for (const d of this.extraDirs) if (existsSync(d)) seen.add(d);
    const changed: string[] = [];
    for (const dir of [...this.views.keys()]) {
      if (!seen.has(dir)) {
        this.views.delete(dir);
        this.tails.delete(dir);
        changed.push(dir);
      }
    }
    for (const dir of seen) if (this.refreshRun(dir)) changed.push(dir);
    return changed;
  }

  /** Re-reads one run's new events; true when its view changed. */
  refreshRun(dir: string): boolean {
    let tail = this.tails.get(dir);
    const isNew = !tail;
    if (!tail) {
      tail = new Tail();
      this.tails.set(dir, tail);
    }
    const grew = tail.read(join(dir, RUN_FILES.events));
    const prev = this.views.get(dir);
    if (!isNew && !grew && prev) {
      // Only liveness can change without new events.
      const state = this.liveState(prev.summary, prev.pid, prev.host);
      if (state === prev.state) return false;
      prev.state = state;
      return true;
    }
    const summary = summarizeEvents(tail.events);
    const started = [...tail.events].reverse().find((e) => e.type === "run.started");
    const pid = started?.type === "run.started" ? started.pid : undefined;
    const plan = prev?.plan ?? readPlan(dir);
    const host = (started?.type === "run.started" ? started.host : undefined) ?? plan?.host;
    const view: RunView = {
      runId: summary.runId ?? dir.split(/[\\/]/).pop() ?? dir,
      runDir: dir,
      plan,
      summary,
      state: this.liveState(summary, pid, host),
      stages: stageViews(tail.events, plan?.taskCounts),
      pid,
      host,
      pgr: summary.state === "finished" || !prev ? readPgr(dir) : prev.pgr,
      events: tail.events,
    };
    this.views.set(dir, view);
    return true;
  }

  private liveState(summary: RunSummary, pid: number | undefined, host: string | undefined): RunView["state"] {
    if (summary.state !== "running" || !pid || this.options.checkPids === false) return summary.state;
    const local = this.options.localHosts ?? new Set(["local"]);
    if (host && !local.has(host)) return summary.state;
    return processAlive(pid) ? "running" : "interrupted";
  }

  get(dir: string): RunView | undefined {
    return this.views.get(dir);
  }

  /** Newest first (run ids start with a UTC timestamp). */
  all(): RunView[] {
    return [...this.views.values()].sort((a, b) => (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
  }

  active(): RunView[] {
    return this.all().filter((r) => r.state === "running" || r.state === "paused");
  }

  /** The newest run that covered (spec, setting, generator); spec compared by absolute path. */
  latestFor(specPath: string, setting: string, generator?: string): RunView | undefined {
    return this.all().find(
      (r) =>
        r.plan?.specPath === specPath &&
        r.plan.settings.some((s) => s.id === setting && (!generator || s.generators.includes(generator))),
    );
  }
}

/** Modification time of a run folder's event log, for "updated … ago" tooltips. */
export function eventsMtime(runDir: string): Date | undefined {
  try {
    return statSync(join(runDir, RUN_FILES.events)).mtime;
  } catch {
    return undefined;
  }
}
