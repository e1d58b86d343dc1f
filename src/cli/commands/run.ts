/**
 * `agora run | resume | cancel | status | logs`. A run is a folder (`plan.json` + `events.jsonl` + data +
 * `stages/`); the engine is `agora resume <runDir> --foreground`, which wraps the pipeline
 * (src/pipeline: generate → prepare → train → evaluate → score) in run.started / run.finished events.
 * `--detach` starts that engine in its own session and returns, which is what the VS Code extension does,
 * so closing the editor never stops a run; train and evaluate jobs are themselves detached on their hosts,
 * so even the engine can die and a resume reattaches to them.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { writeJsonAtomic } from "../../core/io/atomic-json";
import { nodeSpecFs } from "../../core/io/node-spec-fs";
import { processAlive } from "../../core/io/process";
import { EventLog } from "../../core/run/event-log";
import { parseEvents, StageName, summarizeEvents } from "../../core/run/events";
import { newRunId, RUN_FILES } from "../../core/run/layout";
import { buildPlan, PlanError, RunPlan } from "../../core/run/plan";
import { validateSpecText } from "../../core/spec/validate";
import { describeDryRun } from "../../generation";
import { HostConfigError, loadHostDefinitions } from "../../hosts";
import { cancelRunJobs, PipelineError, planTasks, readTaskStates, runPipeline, STAGE_ORDER, taskDir } from "../../pipeline";
import { type CliCommand, type CliIo, UsageError } from "../command";

function readEvents(runDir: string) {
  const path = join(runDir, RUN_FILES.events);
  return existsSync(path) ? parseEvents(readFileSync(path, "utf8")).events : [];
}

function runDirOf(arg: string | undefined, io: CliIo): string {
  if (!arg) throw new UsageError("Name a run folder (runs/<run-id>).");
  const dir = resolve(io.cwd, arg);
  if (!existsSync(join(dir, RUN_FILES.plan))) throw new UsageError(`${arg} is not a run folder (no ${RUN_FILES.plan}).`);
  return dir;
}

const readPlan = (runDir: string): RunPlan => RunPlan.parse(JSON.parse(readFileSync(join(runDir, RUN_FILES.plan), "utf8")));

const writePlan = (runDir: string, plan: RunPlan): void => writeJsonAtomic(join(runDir, RUN_FILES.plan), plan);

/** `--stages generate,train` / `all` → the stage list, in pipeline order. */
function parseStages(text: string | undefined): StageName[] | undefined {
  if (text === undefined) return undefined;
  if (text === "all") return [...STAGE_ORDER];
  const names = text.split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!StageName.safeParse(n).success) throw new UsageError(`Unknown stage "${n}". Stages: ${STAGE_ORDER.join(", ")} (or all).`);
  return STAGE_ORDER.filter((s) => names.includes(s));
}

/**
 * Checks the plan against the hosts file before anything starts: every host exists, and generation — which
 * runs in the engine, where the API keys are — is on this machine.
 */
function checkHosts(plan: RunPlan): string | undefined {
  let defs;
  try {
    defs = loadHostDefinitions(plan.hosts.file);
  } catch (e) {
    return e instanceof HostConfigError ? e.message : String(e);
  }
  const known = new Map(defs.map((d) => [d.name, d]));
  const uses: [string, string][] = [];
  if (plan.stages.includes("generate")) for (const s of plan.settings) uses.push([s.host, `the generate stage of ${s.id}`]);
  if (plan.stages.includes("train")) uses.push([plan.hosts.train, "the train stage"]);
  if (plan.stages.includes("evaluate")) uses.push([plan.hosts.evaluate, "the evaluate stage"]);
  for (const [h, what] of uses) {
    const def = known.get(h);
    if (!def) return `Host "${h}" (${what}) is not defined in ${plan.hosts.file} (known: ${[...known.keys()].join(", ")}).`;
    if (what.startsWith("the generate stage") && def.kind !== "local") {
      return `Host "${h}" for ${what}: generation runs in the engine on this machine (API keys never leave it); remove settings[].host or set it to a local host. Train and evaluate run on ${h} via student.host / evaluation.host or --host.`;
    }
  }
  return undefined;
}

/** Starts `agora resume <runDir> --foreground` in its own session, output to the run folder. */
function detachEngine(runDir: string): number {
  mkdirSync(join(runDir, "stages"), { recursive: true });
  const out = openSync(join(runDir, "stages", "engine.log"), "a");
  const child = spawn(process.execPath, [process.argv[1]!, "resume", runDir, "--foreground"], { detached: true, stdio: ["ignore", out, out], env: process.env });
  child.unref();
  return child.pid ?? 0;
}

/**
 * The engine: run.started → the pipeline → run.finished (or paused). Exit codes: 0 done, 3 paused
 * (budget, stopped by a signal, lost contact with a host — resume continues as is), 1 failed (resume
 * starts the failed tasks again).
 */
async function runEngine(runDir: string, io: CliIo, resumed: boolean): Promise<number> {
  const plan = readPlan(runDir);
  const log = new EventLog(runDir);
  const ctl = new AbortController();
  const stop = (): void => ctl.abort();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  log.emit({ type: "run.started", runId: plan.runId, pid: process.pid, host: "local", resumed });
  try {
    const r = await runPipeline({ runDir, plan, env: process.env, events: log, signal: ctl.signal });
    if (summarizeEvents(readEvents(runDir)).state === "cancelled") return 3;
    if (r.ok) {
      log.emit({ type: "run.finished", ok: true, costUsd: r.costUsd });
      io.out(`run ${plan.runId} finished${existsSync(join(runDir, RUN_FILES.scores)) ? `; scores in ${join(runDir, RUN_FILES.scores)}` : ""}`);
      return 0;
    }
    if (r.paused && r.failed.length === 0) {
      log.emit({ type: "paused", reason: r.paused });
      io.err(`run ${plan.runId} paused: ${r.paused} — \`agora resume ${runDir}\` continues it`);
      return 3;
    }
    const message = `${r.failed.length} task(s) failed: ${r.failed.join(", ")}${r.blocked.length ? `; ${r.blocked.length} skipped because of them` : ""}. Resume the run to start them again.`;
    log.emit({ type: "run.finished", ok: false, costUsd: r.costUsd, message });
    io.err(`run ${plan.runId}: ${message}`);
    return 1;
  } catch (e) {
    if (!(e instanceof PipelineError || e instanceof HostConfigError)) throw e;
    log.emit({ type: "run.finished", ok: false, message: e.message });
    io.err(`error: ${e.message}`);
    return 1;
  } finally {
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
  }
}

export const runCommand: CliCommand = {
  name: "run",
  summary: "Plan a run of a spec's settings and start it (generate → prepare → train → evaluate → score)",
  usage: `agora run <spec> [--setting <id>]… [--generator <id>]… [--stages generate|all|<s>,<s>…]
          [--host <name>] [--runs-dir <dir>] [--dry-run] [--detach] [--json]

Validates the spec, freezes a run plan in <runs-dir>/<run-id>/plan.json (default runs dir: the spec's
output.folder) and runs its stages (default: generate; --stages all for the whole pipeline). Generation
runs here; train and evaluate run on the spec's hosts (student.host, evaluation.host, hosts.default) or
on --host, as detached jobs that survive this process. --detach starts the engine in the background and
returns at once; --json prints {"runId","runDir","pid"}; --dry-run prints the rendered prompts, the
cost estimate and the pipeline's tasks, and starts nothing.
Exit codes: 0 done, 3 paused (resume continues), 1 failed (resume retries the failed tasks), 2 usage.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        setting: { type: "string", multiple: true },
        generator: { type: "string", multiple: true },
        host: { type: "string" },
        stages: { type: "string" },
        "runs-dir": { type: "string" },
        "dry-run": { type: "boolean", default: false },
        detach: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
      },
    });
    if (positionals.length !== 1) throw new UsageError("Name one spec file.");
    const specPath = resolve(io.cwd, positionals[0]!);
    let specText: string;
    try {
      specText = readFileSync(specPath, "utf8");
    } catch {
      io.err(`error: cannot read ${positionals[0]}`);
      return 1;
    }
    const validated = await validateSpecText(specText, { fs: nodeSpecFs, specPath });
    if (!validated.value) {
      for (const d of validated.diagnostics.filter((x) => x.severity === "error")) io.err(`${positionals[0]}:${d.range.start.line + 1}:${d.range.start.character + 1}: error ${d.code}: ${d.message}`);
      return 1;
    }
    const stages = parseStages(values.stages);
    const runId = newRunId(new Date(), `${values.setting?.[0] ?? "run"}-${values.generator?.join("+") ?? "all"}`, randomBytes(3).toString("hex"));
    let plan: RunPlan;
    try {
      plan = await buildPlan({ spec: validated.value, specPath, specText, settings: values.setting, generators: values.generator, host: values.host, stages, runId }, nodeSpecFs);
    } catch (e) {
      if (e instanceof PlanError) {
        io.err(`error: ${e.message}`);
        return 1;
      }
      throw e;
    }
    const hostProblem = checkHosts(plan);
    if (hostProblem) {
      io.err(`error: ${hostProblem}`);
      return 1;
    }
    if (values["dry-run"]) {
      if (plan.stages.includes("generate")) io.out(await describeDryRun(plan));
      const tasks = planTasks(plan).filter((t) => t.stage !== "generate");
      if (tasks.length) io.out(`\nPipeline tasks (${tasks.length}):\n${tasks.map((t) => `  ${t.id}${"host" in t ? ` @ ${t.host}` : ""}`).join("\n")}`);
      return 0;
    }
    const runsDir = values["runs-dir"] ? resolve(io.cwd, values["runs-dir"]) : resolve(dirname(specPath), validated.value.output.folder);
    const runDir = join(runsDir, runId);
    mkdirSync(runDir, { recursive: true });
    writePlan(runDir, plan);
    if (values.detach) {
      const pid = detachEngine(runDir);
      io.out(values.json ? JSON.stringify({ runId, runDir, pid }) : `started ${runId} (pid ${pid}) in ${runDir}`);
      return 0;
    }
    if (values.json) io.out(JSON.stringify({ runId, runDir, pid: process.pid }));
    else io.err(`run ${runId} in ${runDir}`);
    return runEngine(runDir, io, false);
  },
};

export const resumeCommand: CliCommand = {
  name: "resume",
  summary: "Continue a run: stored items are never paid for again, running jobs are reattached",
  usage: `agora resume <runDir> [--stages <s>,<s>…|all] [--detach] [--json]

Continues a run where it stopped: generation skips stored items, finished tasks are skipped, jobs still
running on their hosts are reattached (their log continues from the last byte received), failed and
cancelled tasks start again. --stages changes the run's stages (e.g. add train,evaluate,score to a run
that only generated).`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { stages: { type: "string" }, detach: { type: "boolean", default: false }, json: { type: "boolean", default: false }, foreground: { type: "boolean", default: false } },
    });
    const runDir = runDirOf(positionals[0], io);
    let plan = readPlan(runDir);
    const stages = parseStages(values.stages);
    if (stages) {
      // Stages are not part of planHash: changing them never changes item ids.
      plan = RunPlan.parse({ ...plan, stages });
      const problem = checkHosts(plan);
      if (problem) {
        io.err(`error: ${problem}`);
        return 1;
      }
      writePlan(runDir, plan);
    }
    if (values.detach) {
      const pid = detachEngine(runDir);
      io.out(values.json ? JSON.stringify({ runId: plan.runId, runDir, pid }) : `resumed ${plan.runId} (pid ${pid})`);
      return 0;
    }
    // `--foreground` is how a detached engine is started; a plain resume runs in this terminal.
    return runEngine(runDir, io, !values.foreground || readEvents(runDir).some((e) => e.type === "run.started"));
  },
};

export const cancelCommand: CliCommand = {
  name: "cancel",
  summary: "Stop a run: its engine and its jobs on every host (the run stays resumable)",
  usage: `agora cancel <runDir> [--json]

Stops the engine process, then cancels every train/evaluate job the run has running: the whole process
tree on local and SSH hosts, scancel on Slurm. Resume starts the cancelled tasks again.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean", default: false } } });
    const runDir = runDirOf(positionals[0], io);
    const log = new EventLog(runDir);
    const started = [...readEvents(runDir)].reverse().find((e) => e.type === "run.started");
    const pid = started?.type === "run.started" ? started.pid : undefined;
    if (pid && processAlive(pid)) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
      // Wait (≤ 10 s) for the engine to stop following before its jobs are cancelled.
      for (let i = 0; i < 100 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    }
    const plan = readPlan(runDir);
    let defs;
    try {
      defs = loadHostDefinitions(plan.hosts.file);
    } catch (e) {
      io.err(`error: ${(e as Error).message}`);
      return 1;
    }
    const r = await cancelRunJobs(runDir, defs, log);
    log.emit({ type: "run.cancelled", by: "user" });
    if (values.json) io.out(JSON.stringify({ ok: r.errors.length === 0, cancelled: r.cancelled, errors: r.errors }));
    else {
      io.out(`cancelled ${plan.runId}${r.cancelled.length ? `: ${r.cancelled.join(", ")}` : ""}`);
      for (const e of r.errors) io.err(`could not cancel ${e.task}: ${e.message}`);
    }
    return r.errors.length ? 1 : 0;
  },
};

export const statusCommand: CliCommand = {
  name: "status",
  summary: "Summarise a run: state, generation progress and cost, every pipeline task",
  usage: `agora status <runDir> [--json]`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean", default: false } } });
    const runDir = runDirOf(positionals[0], io);
    const s = summarizeEvents(readEvents(runDir));
    const tasks = readTaskStates(runDir).map(({ state: t }) => ({
      id: t.id,
      stage: t.stage,
      state: t.state,
      host: t.host,
      job: t.handle?.jobId ?? t.handle?.pid,
      exitCode: t.exitCode ?? null,
      attempt: t.attempt,
      message: t.message?.split("\n")[0],
    }));
    if (values.json) {
      io.out(JSON.stringify({ ...s, tasks }));
      return 0;
    }
    io.out(`${s.runId ?? runDir}: ${s.state}${s.stage ? ` (${s.stage})` : ""} · ${s.done}/${s.total} items · $${s.costUsd.toFixed(4)}${s.lastError ? `\n  last error: ${s.lastError.split("\n")[0]}` : ""}`);
    const order = (x: { stage: string }): number => STAGE_ORDER.indexOf(x.stage as StageName);
    for (const t of tasks.sort((a, b) => order(a) - order(b) || (a.id < b.id ? -1 : 1))) {
      io.out(`  ${t.state.padEnd(9)} ${t.id}${t.host ? ` @ ${t.host}` : ""}${t.job !== undefined ? ` (job ${t.job})` : ""}${t.exitCode !== null && t.exitCode !== 0 ? ` exit ${t.exitCode}` : ""}`);
    }
    return 0;
  },
};

/** Bytes of a file from `offset` (at most 64 MiB at once). */
function readFrom(file: string, offset: number): Buffer {
  const fd = openSync(file, "r");
  try {
    const size = statSync(file).size;
    const len = Math.max(0, Math.min(size - offset, 64 << 20));
    const buf = Buffer.alloc(len);
    if (len) readSync(fd, buf, 0, len, offset);
    return buf;
  } finally {
    closeSync(fd);
  }
}

export const logsCommand: CliCommand = {
  name: "logs",
  summary: "Print (or follow) the log of a run's task or of its engine",
  usage: `agora logs <runDir> [<task>|--stage <stage>] [--follow] [--list]

Without a task: the engine's log. <task> is a task id as \`agora status\` lists it (train/<setting>/<generator>,
evaluate/base/gsm8k, …) or a unique part of one; --stage picks that stage's only (or first) task. The log is
the copy the engine keeps in the run folder while it follows the job on its host. --follow keeps printing
until the run ends; --list lists the tasks that have a log.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { stage: { type: "string" }, follow: { type: "boolean", default: false }, list: { type: "boolean", default: false } },
    });
    const runDir = runDirOf(positionals[0], io);
    const tasks = readTaskStates(runDir);
    if (values.list) {
      for (const { dir, state } of tasks) if (existsSync(join(dir, "job.log"))) io.out(`${state.id}\t${relative(runDir, join(dir, "job.log"))}`);
      return 0;
    }
    const want = positionals[1];
    let file: string;
    if (!want && !values.stage) file = join(runDir, "stages", "engine.log");
    else {
      const matches = tasks.filter(({ state }) => (want ? state.id === want || state.id.includes(want) : state.stage === values.stage));
      const exact = matches.find(({ state }) => state.id === want);
      const pick = exact ?? (want && matches.length > 1 ? undefined : matches[0]);
      if (!pick) {
        io.err(matches.length > 1 ? `"${want}" matches ${matches.map((m) => m.state.id).join(", ")}: name one.` : `no task ${want ?? values.stage} in this run (see \`agora status\`).`);
        return 1;
      }
      file = join(runDir, taskDir(pick.state.id), "job.log");
    }
    let offset = 0;
    const print = (): void => {
      if (!existsSync(file)) return;
      const buf = readFrom(file, offset);
      offset += buf.length;
      if (buf.length) process.stdout.write(buf);
    };
    print();
    if (!values.follow) {
      if (!existsSync(file)) io.err(`no log yet (${relative(runDir, file)})`);
      return 0;
    }
    for (;;) {
      const s = summarizeEvents(readEvents(runDir));
      await new Promise((r) => setTimeout(r, 300));
      print();
      if (s.state !== "running") return 0;
    }
  },
};
