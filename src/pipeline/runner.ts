/**
 * The pipeline engine: runs a run folder's tasks (src/pipeline/graph.ts) in dependency order.
 *
 * - generate runs in this process (the generation engine; API keys stay on this machine);
 * - prepare and score run in this process (file conversions);
 * - train and evaluate are detached jobs on their host (local, SSH, Slurm): the resolved recipe is written
 *   to the task folder and to the host, the job is started with `startDetached`, its handle is saved in
 *   `task.json` at once, and the log is streamed into the task folder. If this process dies, VS Code
 *   closes or the link drops, the job goes on; the next engine reattaches from the saved handle and the
 *   byte offset of its log copy, and learns the exit status.
 *
 * Jobs on one host run `maxJobs` at a time (hosts file); a failed task blocks only what depends on it, and
 * the run ends failed but resumable: resuming starts failed tasks again and skips finished ones.
 */
import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { writeJsonAtomic } from "../core/io/atomic-json";
import type { EventSink } from "../core/run/event-log";
import { dataFile, RUN_FILES } from "../core/run/layout";
import { canonicalJson, type RunPlan, sha256 } from "../core/run/plan";
import { RESULT_FILE_PATTERNS, ResultsParseError, ScoreRecord } from "../core/results";
import type { HostDefinition } from "../core/spec/hosts";
import { runGenerateStage } from "../generation";
import { createHost, expandHome, type Host, HostError, type JobHandle, type JobStatus, loadHostDefinitions, shq } from "../hosts";
import { type EvaluateTask, type PipelineTask, type PrepareTask, planTasks, type ScoreTask, taskDir, tasksOfAllStages, type TrainTask } from "./graph";
import { prepareTrainingData, type PrepareFormat } from "./prepare";
import { modelNameFor, RecipeError, resolveRecipe, type ResolvedRecipe } from "./recipes";
import { readResult, scoreRun, ScoreError, type StudentRecords } from "./score";
import { readTaskState, type TaskState, writeTaskState } from "./task-state";

export class PipelineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PipelineError";
  }
}

export interface PipelineOptions {
  runDir: string;
  plan: RunPlan;
  /** The engine's environment: provider keys for generation, secrets forwarded to remote jobs. */
  env: NodeJS.ProcessEnv;
  events: EventSink;
  /** Aborting stops scheduling and following; jobs already started keep running on their hosts. */
  signal?: AbortSignal;
  /** Stream generation responses (default true). */
  stream?: boolean;
  /** Host definitions; default: the plan's hosts file. */
  hostDefs?: readonly HostDefinition[];
}

export interface PipelineResult {
  ok: boolean;
  /** Why the run stopped early but can be resumed as it is (budget, signal, lost contact with a host). */
  paused?: string;
  /** Tasks that failed, and tasks blocked by them. */
  failed: string[];
  blocked: string[];
  costUsd: number;
}

type Outcome = "finished" | "failed" | "blocked" | "interrupted" | "unreachable";

/** Live Host objects of one engine run, created on first use, with a job slot count per host. */
class HostPool {
  private readonly hosts = new Map<string, Host>();
  private readonly active = new Map<string, number>();
  constructor(private readonly defs: readonly HostDefinition[]) {}

  def(name: string): HostDefinition {
    const d = this.defs.find((x) => x.name === name);
    if (!d) throw new PipelineError(`Host "${name}" is not defined in the hosts file (known: ${this.defs.map((x) => x.name).join(", ")}).`);
    return d;
  }
  get(name: string): Host {
    let h = this.hosts.get(name);
    if (!h) {
      h = createHost(name, this.defs);
      this.hosts.set(name, h);
    }
    return h;
  }
  hasSlot(name: string): boolean {
    return (this.active.get(name) ?? 0) < (this.def(name).maxJobs ?? 1);
  }
  take(name: string): void {
    this.active.set(name, (this.active.get(name) ?? 0) + 1);
  }
  release(name: string): void {
    this.active.set(name, Math.max(0, (this.active.get(name) ?? 0) - 1));
  }
  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.hosts.values()].map((h) => h.close()));
  }
}

const nowIso = (): string => new Date().toISOString();
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The last lines of a log, preferring those that look like the error (for a clear failure event). */
export function logExcerpt(file: string, maxLines = 12): string {
  if (!existsSync(file)) return "";
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 16_384);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf
      .toString("utf8")
      .split(/\r?\n|\r/)
      .map((l) => l.trimEnd())
      .filter(Boolean);
    if (size > len) lines.shift();
    const errors = lines.filter((l) => /error|exception|traceback|failed|fatal|killed|no such file/i.test(l));
    return (errors.length ? errors : lines).slice(-maxLines).join("\n");
  } finally {
    closeSync(fd);
  }
}

/** Which environment variables a job on this host gets from the engine's environment (names only here). */
export function forwardedSecretNames(def: HostDefinition, tool: string | undefined): string[] {
  // Local processes (and Slurm on this machine) inherit the engine's environment anyway.
  if (def.kind === "local" || (def.kind === "slurm" && !def.via)) return [];
  const names = new Set(def.forwardEnv ?? []);
  names.add("HF_TOKEN");
  names.add("HUGGING_FACE_HUB_TOKEN");
  // Both judges are OpenAI models in the paper's setup (GPT-4-Turbo for AlpacaEval 2.0 and Arena-Hard).
  if (tool === "alpaca-eval" || tool === "arena-hard") names.add("OPENAI_API_KEY");
  return [...names];
}

/**
 * Base and reference scores do not depend on the generator: one evaluation serves every run of the same
 * runs folder with the same model, benchmark, tool, command template and decoding. The key leaves out
 * the paths (they name the run).
 */
export function baselineKey(recipe: ResolvedRecipe): string {
  const { stageDir: _s, output: _o, modelConfigs: _m, port: _p, ...values } = recipe.values;
  return sha256(canonicalJson({ tool: recipe.tool, template: recipe.template, values, benchmark: recipe.results?.benchmark })).slice(0, 32);
}

class PipelineRun {
  private readonly pool: HostPool;
  private readonly outcomes = new Map<string, Outcome>();
  private pausedReason?: string;

  constructor(
    private readonly o: PipelineOptions,
    defs: readonly HostDefinition[],
  ) {
    this.pool = new HostPool(defs);
  }

  private get plan(): RunPlan {
    return this.o.plan;
  }
  private dir(taskId: string): string {
    return join(this.o.runDir, taskDir(taskId));
  }
  private emitFor(t: PipelineTask): { stage: PipelineTask["stage"]; task: string; setting?: string; generator?: string; benchmark?: string; host?: string } {
    const e: ReturnType<PipelineRun["emitFor"]> = { stage: t.stage, task: t.id };
    if ("setting" in t && t.setting) e.setting = t.setting.id;
    if ("generator" in t && t.generator) e.generator = t.generator;
    if (t.stage === "evaluate") e.benchmark = t.benchmark;
    if ("host" in t) e.host = t.host;
    return e;
  }

  /**
   * A task's end: its task.json, then its stage.finished event (exit code and message from the state;
   * `eventMessage` when the event says more than the state keeps).
   */
  private settle(t: PipelineTask, state: TaskState, eventMessage = state.message): Outcome {
    writeTaskState(this.dir(t.id), state);
    this.o.events.emit({ type: "stage.finished", ...this.emitFor(t), exitCode: state.exitCode ?? null, ok: state.state === "finished", message: eventMessage });
    return state.state === "finished" ? "finished" : "failed";
  }

  async run(): Promise<PipelineResult> {
    const tasks = planTasks(this.plan);
    this.checkPrerequisites(tasks);
    let costUsd = 0;
    try {
      if (tasks.some((t) => t.stage === "generate")) {
        const r = await runGenerateStage({ runDir: this.o.runDir, plan: this.plan, env: this.o.env, signal: this.o.signal, events: this.o.events, stream: this.o.stream ?? true });
        costUsd = r.costUsd;
        if (r.paused) return { ok: false, paused: r.paused, failed: [], blocked: [], costUsd };
        if (!r.ok) return { ok: false, failed: ["generate"], blocked: tasks.filter((t) => t.stage !== "generate").map((t) => t.id), costUsd };
        this.outcomes.set("generate", "finished");
      }
      await this.schedule(tasks.filter((t) => t.stage !== "generate"));
    } finally {
      await this.pool.closeAll();
    }
    const ids = (o: Outcome): string[] => [...this.outcomes].filter(([, v]) => v === o).map(([k]) => k);
    const failed = ids("failed");
    const blocked = ids("blocked");
    const ok = failed.length === 0 && blocked.length === 0 && ids("interrupted").length === 0 && ids("unreachable").length === 0;
    return { ok, paused: ok ? undefined : this.pausedReason, failed, blocked, costUsd };
  }

  /** Tasks of stages not in this run that tasks of this run read must already be done in the run folder. */
  private checkPrerequisites(tasks: PipelineTask[]): void {
    const inRun = new Set(tasks.map((t) => t.id));
    const all = new Map(tasksOfAllStages(this.plan).map((t) => [t.id, t]));
    const missing = new Set<string>();
    for (const t of tasks) {
      if (t.stage === "score") continue; // scores whatever evaluations exist
      for (const d of t.deps) {
        if (inRun.has(d)) continue;
        if (d === "generate") {
          const p = t as PrepareTask;
          if (!existsSync(join(this.o.runDir, dataFile(p.setting.id, p.generator)))) missing.add(`generate (no data for ${p.setting.id} × ${p.generator})`);
        } else if (readTaskState(this.dir(d))?.state !== "finished") missing.add(`${all.get(d)?.stage ?? d} (${d})`);
      }
    }
    if (missing.size) {
      throw new PipelineError(`These stages have not finished in this run folder and are not part of this run: ${[...missing].join("; ")}. Run them too (e.g. --stages all).`);
    }
  }

  private depsOutcome(t: PipelineTask, inRun: Set<string>): "ready" | "wait" | "blocked" {
    const states = t.deps.map((d) => (inRun.has(d) || d === "generate" ? this.outcomes.get(d) : "finished"));
    if (t.stage === "score") {
      // Scores whatever evaluations finished; with every evaluation of this run failed there is nothing new.
      if (!states.every((s) => s !== undefined)) return "wait";
      return states.length > 0 && !states.includes("finished") && t.deps.every((d) => inRun.has(d)) ? "blocked" : "ready";
    }
    if (states.some((s) => s !== undefined && s !== "finished")) return "blocked";
    return states.every((s) => s === "finished") ? "ready" : "wait";
  }

  private async schedule(tasks: PipelineTask[]): Promise<void> {
    const inRun = new Set(tasks.map((t) => t.id));
    if (this.outcomes.has("generate")) inRun.add("generate");
    const queue = [...tasks];
    const running = new Map<string, Promise<void>>();
    for (;;) {
      if (!this.o.signal?.aborted && !this.pausedReason) {
        for (const t of [...queue]) {
          const deps = this.depsOutcome(t, inRun);
          if (deps === "blocked") {
            queue.splice(queue.indexOf(t), 1);
            this.outcomes.set(t.id, "blocked");
            const bad = t.deps.filter((d) => this.outcomes.get(d) !== "finished");
            this.o.events.emit({ type: "task.skipped", ...this.emitFor(t), reason: `${t.id} skipped: it needs ${bad.join(", ")}, which did not finish.` });
            continue;
          }
          if (deps === "wait") continue;
          const host = "host" in t ? t.host : undefined;
          if (host && !this.pool.hasSlot(host)) continue;
          queue.splice(queue.indexOf(t), 1);
          if (host) this.pool.take(host);
          const p = this.runTask(t)
            .catch((e: unknown): Outcome => {
              this.o.events.emit({ type: "error", ...this.emitFor(t), message: `${t.id}: ${errorText(e)}` });
              return "failed";
            })
            .then((outcome) => {
              this.outcomes.set(t.id, outcome);
              if (host) this.pool.release(host);
              running.delete(t.id);
            });
          running.set(t.id, p);
        }
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
    // What never started (stopped by a signal or a lost host) stays for the next resume.
    for (const t of queue) if (!this.outcomes.has(t.id)) this.outcomes.set(t.id, "interrupted");
    if (this.o.signal?.aborted) this.pausedReason ??= "stopped";
  }

  private runTask(t: PipelineTask): Promise<Outcome> {
    switch (t.stage) {
      case "prepare":
        return this.runPrepare(t);
      case "train":
      case "evaluate":
        return this.runJob(t);
      case "score":
        return this.runScore(t);
      case "generate":
        throw new PipelineError("generate runs before the scheduler");
    }
  }

  // ---- prepare ------------------------------------------------------------------------------------

  private prepareFormat(): PrepareFormat {
    const recipe = this.plan.specSnapshot.student.training.recipe;
    return recipe === "custom" ? "custom" : recipe;
  }

  private async runPrepare(t: PrepareTask): Promise<Outcome> {
    const dir = this.dir(t.id);
    const prev = readTaskState(dir);
    if (prev?.state === "finished") return "finished";
    const attempt = (prev?.attempt ?? 0) + 1;
    const startedAt = nowIso();
    this.o.events.emit({ type: "stage.started", ...this.emitFor(t) });
    const input = join(this.o.runDir, dataFile(t.setting.id, t.generator));
    const fail = (message: string): Outcome =>
      this.settle(t, { id: t.id, stage: "prepare", state: "failed", attempt, startedAt, finishedAt: nowIso(), exitCode: 1, message }, `${t.id}: ${message}`);
    if (!existsSync(input)) return fail(`no generated data (${dataFile(t.setting.id, t.generator)} is missing).`);
    const training = this.plan.specSnapshot.student.training;
    const seed =
      t.setting.method === "instance_generation" && training.includeSeedData
        ? { file: t.setting.seed.file, fields: { instruction: t.setting.seed.fields.instruction, response: t.setting.seed.fields.response }, limit: t.setting.seed.limit }
        : undefined;
    if (seed && !existsSync(seed.file)) return fail(`the seed file ${seed.file} (added to instance-generation training data) is missing.`);
    try {
      const r = await prepareTrainingData({ format: this.prepareFormat(), inputs: [input], seed, outDir: dir });
      writeJsonAtomic(join(dir, "prepare.json"), { format: this.prepareFormat(), ...r });
      const c = r.counts;
      const message = `${c.written} training records (${c.fromSeed} from the seed set); skipped ${c.notValid} not valid, ${c.duplicates} duplicate, ${c.empty} empty, ${c.malformed} malformed`;
      if (c.written - c.fromSeed === 0) return fail(`no valid generated item to train on (${message}).`);
      return this.settle(t, { id: t.id, stage: "prepare", state: "finished", attempt, startedAt, finishedAt: nowIso(), exitCode: 0, message }, `${t.id}: ${message}`);
    } catch (e) {
      return fail(errorText(e));
    }
  }

  // ---- train / evaluate: detached jobs on hosts --------------------------------------------------

  /** The task's folder on its host: under the host's workDir, or the local task folder itself. */
  private async hostTaskDir(hostName: string, taskId: string): Promise<{ remote: string; same: boolean }> {
    const def = this.pool.def(hostName);
    if (def.kind === "local") {
      // A local workDir is relative to the hosts file; when it is where the run folder already lives, the
      // job runs in the task folder itself (no copies).
      if (!def.workDir) return { remote: this.dir(taskId), same: true };
      const root = resolve(dirname(this.plan.hosts.file), expandHome(def.workDir), this.plan.runId);
      const remote = join(root, taskDir(taskId));
      return { remote, same: remote === this.dir(taskId) };
    }
    const root = (await this.pool.get(hostName).resolvePath(def.workDir ?? "~/agorabench")).replace(/\/+$/, "");
    return { remote: `${root}/${this.plan.runId}/${taskDir(taskId)}`, same: false };
  }

  private studentModelName(t: EvaluateTask | TrainTask): string {
    return modelNameFor(`${modelNameFor(this.plan.specSnapshot.student.base)}-${t.setting!.id}-${t.generator!}`);
  }

  private async resolveJob(t: TrainTask | EvaluateTask, remote: string, same: boolean, host: Host): Promise<ResolvedRecipe> {
    const spec = this.plan.specSnapshot;
    if (t.stage === "train") {
      const prepDir = this.dir(`prepare/${t.setting.id}/${t.generator}`);
      const prepared = JSON.parse(readFileSync(join(prepDir, "prepare.json"), "utf8")) as { files: string[] };
      const data = same ? prepDir : `${remote}/data`;
      if (!same) for (const f of prepared.files) await host.upload(join(prepDir, f), `${data}/${f}`);
      return resolveRecipe({ stage: "train", spec, paths: { stageDir: remote, data, output: `${remote}/model` } });
    }
    let model: string;
    let modelName: string | undefined;
    if (t.role === "student") {
      const train = readTaskState(this.dir(t.trainTask!));
      if (train?.state !== "finished" || !train.remoteDir) throw new PipelineError(`${t.trainTask} has no trained model yet.`);
      model = `${train.remoteDir}/model`;
      modelName = this.studentModelName(t);
      if (train.host !== t.host) {
        this.o.events.emit({
          type: "log",
          level: "warning",
          ...this.emitFor(t),
          message: `${t.id}: the student was trained on "${train.host}" and is evaluated on "${t.host}": ${model} must be visible there (a shared file system).`,
        });
      }
    } else model = t.role === "base" ? spec.student.base : spec.student.reference;
    return resolveRecipe({ stage: "evaluate", spec, benchmark: t.benchmark, role: t.role, model, modelName, paths: { stageDir: remote, output: `${remote}/results` } });
  }

  private async runJob(t: TrainTask | EvaluateTask): Promise<Outcome> {
    const dir = this.dir(t.id);
    const prev = readTaskState(dir);
    if (prev?.state === "finished") return "finished";
    const def = this.pool.def(t.host);
    let host: Host;
    let state: TaskState;
    let recipe: ResolvedRecipe | undefined;
    if (prev?.state === "running" && prev.handle && prev.remoteDir) {
      host = this.pool.get(t.host);
      state = prev;
      const offset = existsSync(join(dir, "job.log")) ? statSync(join(dir, "job.log")).size : 0;
      this.o.events.emit({ type: "log", level: "info", ...this.emitFor(t), message: `${t.id}: reattaching to ${prev.handle.jobId ? `Slurm job ${prev.handle.jobId}` : `process ${prev.handle.pid}`} on ${t.host} (log from byte ${offset}).` });
    } else {
      const attempt = (prev?.attempt ?? 0) + 1;
      if (prev && existsSync(join(dir, "job.log"))) renameSync(join(dir, "job.log"), join(dir, `job.log.${prev.attempt}`));
      let remote: string;
      let same: boolean;
      try {
        host = this.pool.get(t.host);
        ({ remote, same } = await this.hostTaskDir(t.host, t.id));
        recipe = await this.resolveJob(t, remote, same, host);
      } catch (e) {
        return this.failBeforeStart(t, attempt, e);
      }
      mkdirSync(dir, { recursive: true });
      // The resolved command is recorded in the run folder whatever host runs it.
      writeJsonAtomic(join(dir, "recipe.json"), recipe);
      const reused = this.reuseBaseline(t, recipe, attempt);
      if (reused) return reused;
      if (!same) {
        writeFileSync(join(dir, "stage.sh"), recipe.script);
        for (const f of recipe.files) {
          mkdirSync(dirname(join(dir, f.path)), { recursive: true });
          writeFileSync(join(dir, f.path), f.content);
        }
      }
      const secretNames = forwardedSecretNames(def, t.stage === "evaluate" ? recipe.tool : undefined);
      const secretEnv = Object.fromEntries(secretNames.filter((n) => this.o.env[n]).map((n) => [n, this.o.env[n]!]));
      if (t.stage === "evaluate" && (recipe.tool === "alpaca-eval" || recipe.tool === "arena-hard") && !this.o.env.OPENAI_API_KEY && def.kind !== "local") {
        this.o.events.emit({ type: "log", level: "warning", ...this.emitFor(t), message: `${t.id}: OPENAI_API_KEY is not set here; the ${recipe.tool} judge on ${t.host} needs it unless the host's own environment has it.` });
      }
      let handle: JobHandle;
      try {
        for (const f of recipe.files) await host.writeText(`${remote}/${f.path}`, f.content);
        await host.writeText(`${remote}/stage.sh`, recipe.script, "755");
        handle = await host.startDetached({ name: t.id.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 100), dir: remote, command: "bash ./stage.sh", secretEnv });
      } catch (e) {
        return this.failBeforeStart(t, attempt, e);
      }
      state = { id: t.id, stage: t.stage, state: "running", attempt, host: t.host, remoteDir: remote, handle, startedAt: nowIso() };
      writeTaskState(dir, state);
      this.o.events.emit({ type: "stage.started", ...this.emitFor(t), command: recipe.command, jobId: handle.jobId ?? (handle.pid ? `pid ${handle.pid}` : undefined) });
    }
    return this.followJob(t, host, state, dir);
  }

  private baselineFile(recipe: ResolvedRecipe): string {
    return join(dirname(this.o.runDir), ".baselines", `${baselineKey(recipe)}.json`);
  }

  /** A base/reference evaluation an earlier run of this runs folder already did: its score, no job. */
  private reuseBaseline(t: TrainTask | EvaluateTask, recipe: ResolvedRecipe, attempt: number): Outcome | undefined {
    if (t.stage !== "evaluate" || t.role === "student" || !this.plan.specSnapshot.evaluation.reuseBaselines) return undefined;
    const file = this.baselineFile(recipe);
    if (!existsSync(file)) return undefined;
    let cached: { record: ScoreRecord; run: string };
    try {
      const raw = JSON.parse(readFileSync(file, "utf8")) as { record?: unknown; run?: unknown };
      cached = { record: ScoreRecord.parse(raw.record), run: String(raw.run ?? "an earlier run") };
    } catch {
      return undefined; // unreadable: evaluate again (and overwrite it)
    }
    const dir = this.dir(t.id);
    writeJsonAtomic(join(dir, "score.json"), cached.record);
    const message = `${t.id}: ${cached.record.score.toFixed(2)} (${cached.record.metric}), reused from ${cached.run} (evaluation.reuseBaselines)`;
    return this.settle(t, { id: t.id, stage: "evaluate", state: "finished", attempt, host: t.host, startedAt: nowIso(), finishedAt: nowIso(), exitCode: 0, message });
  }

  private failBeforeStart(t: TrainTask | EvaluateTask, attempt: number, e: unknown): Outcome {
    const message = `${t.id} could not start on ${t.host}: ${errorText(e)}`;
    return this.settle(t, { id: t.id, stage: t.stage, state: "failed", attempt, host: t.host, startedAt: nowIso(), finishedAt: nowIso(), message });
  }

  private async followJob(t: TrainTask | EvaluateTask, host: Host, state: TaskState, dir: string): Promise<Outcome> {
    const handle = state.handle! as JobHandle;
    const same = state.remoteDir === dir;
    const localLog = join(dir, "job.log");
    // On the local host without workDir the log already is in the task folder: follow from its end, only
    // the status matters; otherwise continue the local copy from its size.
    const followed = same ? join(dir, handle.log) : localLog;
    const offset = existsSync(followed) ? statSync(followed).size : 0;
    let status: JobStatus;
    try {
      status = await host.follow(handle, offset, same ? () => undefined : (chunk) => appendFileSync(localLog, chunk), this.o.signal);
    } catch (e) {
      this.pausedReason = `lost contact with ${t.host}`;
      this.o.events.emit({
        type: "error",
        ...this.emitFor(t),
        retryable: true,
        message: `${t.id}: lost contact with ${t.host} (${errorText(e)}). The job keeps running there; resume the run to reattach.`,
      });
      return "unreachable";
    }
    if (this.o.signal?.aborted && (status.state === "running" || status.state === "pending")) return "interrupted";
    if (status.state === "finished") {
      try {
        const message = t.stage === "evaluate" ? await this.collectScore(t, host, state) : `${t.id}: trained model in ${state.remoteDir}/model on ${t.host}`;
        return this.settle(t, { ...state, state: "finished", exitCode: 0, finishedAt: nowIso(), message });
      } catch (e) {
        return this.settle(t, { ...state, state: "failed", exitCode: 0, finishedAt: nowIso(), message: `${t.id}: the job succeeded but its results are unusable: ${errorText(e)}` });
      }
    }
    const excerpt = logExcerpt(same ? join(dir, handle.log) : localLog);
    const what =
      status.state === "cancelled"
        ? "was cancelled"
        : status.state === "lost"
          ? `was lost (${status.message ?? "no exit code"})`
          : `failed with exit code ${status.exitCode}${status.message ? ` (${status.message})` : ""}`;
    const message = `${t.id} on ${t.host} ${what}.${excerpt ? `\n${excerpt}` : ""}\nLog: ${relative(this.o.runDir, same ? join(dir, handle.log) : localLog)}. Resume the run to start it again.`;
    return this.settle(t, { ...state, state: status.state === "cancelled" ? "cancelled" : "failed", exitCode: status.exitCode, finishedAt: nowIso(), message });
  }

  /** Brings an evaluation's result files to the task folder and parses them into `score.json`. */
  private async collectScore(t: EvaluateTask, host: Host, state: TaskState): Promise<string> {
    const dir = this.dir(t.id);
    const recipe = JSON.parse(readFileSync(join(dir, "recipe.json"), "utf8")) as ResolvedRecipe;
    const results = recipe.results!;
    let localResults = results.dir;
    if (state.remoteDir !== dir) {
      localResults = join(dir, "results");
      const r = await host.exec(`cd ${shq(results.dir)} 2>/dev/null && find . -type f -size -64M`);
      if (r.code !== 0) throw new ResultsParseError("no-files", results.dir, `the ${results.tool} output folder does not exist on ${t.host}.`);
      const patterns = RESULT_FILE_PATTERNS[results.tool];
      const files = r.stdout
        .split("\n")
        .map((l) => l.trim().replace(/^\.\//, ""))
        .filter((f) => f && patterns.some((p) => p.test(f.split("/").pop() ?? f)));
      for (const f of files) await host.download(`${results.dir}/${f}`, join(localResults, ...f.split("/")));
    }
    const record = readResult({ ...results, dir: localResults });
    writeJsonAtomic(join(dir, "score.json"), record);
    if (t.role !== "student") {
      writeJsonAtomic(this.baselineFile(recipe), { run: this.plan.runId, task: t.id, record });
    }
    return `${t.id}: ${record.score.toFixed(2)} (${record.metric}) from ${relative(this.o.runDir, record.source) || record.source}`;
  }

  // ---- score --------------------------------------------------------------------------------------

  private async runScore(t: ScoreTask): Promise<Outcome> {
    const dir = this.dir(t.id);
    const startedAt = nowIso();
    const prev = readTaskState(dir);
    const attempt = (prev?.attempt ?? 0) + 1;
    this.o.events.emit({ type: "stage.started", ...this.emitFor(t) });
    const base: ScoreRecord[] = [];
    const reference: ScoreRecord[] = [];
    const students = new Map<string, StudentRecords & { records: ScoreRecord[] }>();
    let missing = 0;
    for (const e of tasksOfAllStages(this.plan)) {
      if (e.stage !== "evaluate") continue;
      const file = join(this.dir(e.id), "score.json");
      if (!existsSync(file) || readTaskState(this.dir(e.id))?.state !== "finished") {
        missing++;
        continue;
      }
      const rec = ScoreRecord.safeParse(JSON.parse(readFileSync(file, "utf8")));
      if (!rec.success) {
        missing++;
        continue;
      }
      if (e.role === "base") base.push(rec.data);
      else if (e.role === "reference") reference.push(rec.data);
      else {
        const key = `${e.generator}|${e.setting!.method}`;
        const s = students.get(key) ?? { generator: e.generator!, method: e.setting!.method, records: [] };
        s.records.push(rec.data);
        students.set(key, s);
      }
    }
    const fail = (message: string): Outcome => this.settle(t, { id: t.id, stage: "score", state: "failed", attempt, startedAt, finishedAt: nowIso(), exitCode: 1, message });
    if (base.length + reference.length + students.size === 0) return fail("score: no evaluation has finished, nothing to score.");
    try {
      const { pgr } = scoreRun(join(this.o.runDir, RUN_FILES.scores), { base, reference, students: [...students.values()] });
      const lines: string[] = [];
      for (const g of pgr.generators) {
        for (const m of Object.values(g.methods)) {
          if (!m) continue;
          for (const d of Object.values(m.domains)) if (d) lines.push(`${g.generator} · ${m.method} · ${d.domain}: PGR ${d.pgr.toFixed(1)}%`);
        }
      }
      for (const p of pgr.problems) this.o.events.emit({ type: "log", level: "warning", ...this.emitFor(t), message: `score: ${p.generator} · ${p.method} · ${p.domain}: ${p.message}` });
      this.o.events.emit({ type: "scores", ...this.emitFor(t), scoresFile: RUN_FILES.scores });
      const message = `score: ${lines.join("; ") || "no PGR cell is complete yet"}${missing ? ` (${missing} evaluation(s) without a score)` : ""}`;
      return this.settle(t, { id: t.id, stage: "score", state: "finished", attempt, startedAt, finishedAt: nowIso(), exitCode: 0, message });
    } catch (e) {
      if (e instanceof ScoreError || e instanceof RecipeError || e instanceof HostError) return fail(`score: ${e.message}`);
      throw e;
    }
  }
}

/** Runs (or resumes) the pipeline of a run folder. Never throws for a task's failure: see the result. */
export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const defs = options.hostDefs ?? loadHostDefinitions(options.plan.hosts.file);
  return new PipelineRun(options, defs).run();
}
