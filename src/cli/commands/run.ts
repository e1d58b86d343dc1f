/**
 * `agora run | resume | cancel | status` for runs on this machine. A run is a folder (`plan.json` +
 * `events.jsonl` + data); the engine is `agora resume <runDir> --foreground`, which wraps the generate stage
 * in run.started / run.finished events. `--detach` starts that engine in its own session and returns, which
 * is what the VS Code extension does, so closing the editor never stops a run.
 *
 * Scope today: the generate stage on the `local` host. SSH and Slurm hosts and the prepare/train/evaluate/
 * score stages belong to the pipeline (src/pipeline, src/hosts), which is not in this build yet: asking for
 * them is a clear error, never a silent no-op.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { nodeSpecFs } from "../../core/io/node-spec-fs";
import { EventLog } from "../../core/run/event-log";
import { parseEvents, summarizeEvents } from "../../core/run/events";
import { newRunId, RUN_FILES } from "../../core/run/layout";
import { buildPlan, PlanError, RunPlan } from "../../core/run/plan";
import { validateSpecText } from "../../core/spec/validate";
import { describeDryRun } from "../../generation";
import { type CliCommand, type CliIo, UsageError } from "../command";
import { generateCommand } from "./generate";

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

/** Starts `agora resume <runDir> --foreground` in its own session, output to the run folder. */
function detachEngine(runDir: string): number {
  mkdirSync(join(runDir, "stages", "generate"), { recursive: true });
  const out = openSync(join(runDir, "stages", "generate", "engine.log"), "a");
  const child = spawn(process.execPath, [process.argv[1]!, "resume", runDir, "--foreground"], { detached: true, stdio: ["ignore", out, out], env: process.env });
  child.unref();
  return child.pid ?? 0;
}

/** The engine: run.started → the generate stage → run.finished (or paused). Exit code as `agora generate`. */
async function runEngine(runDir: string, io: CliIo, resumed: boolean): Promise<number> {
  const plan = RunPlan.parse(JSON.parse(readFileSync(join(runDir, RUN_FILES.plan), "utf8")));
  const log = new EventLog(runDir);
  log.emit({ type: "run.started", runId: plan.runId, pid: process.pid, host: "local", resumed });
  const code = await generateCommand.run(["--run-dir", runDir], io);
  const summary = summarizeEvents(readEvents(runDir));
  if (summary.state === "cancelled") return code;
  if (code === 3) log.emit({ type: "paused", reason: summary.lastError ?? "stopped" });
  else log.emit({ type: "run.finished", ok: code === 0, costUsd: summary.costUsd });
  return code;
}

function checkScope(stages: string[] | undefined, host: string | undefined, plan: RunPlan): void {
  const unsupported = (stages ?? []).filter((s) => s !== "generate");
  if (unsupported.length) throw new UsageError(`Stage(s) ${unsupported.join(", ")} need the pipeline (train/evaluate recipes on hosts), which this build does not include yet; run --stages generate.`);
  const hosts = new Set([host ?? plan.hosts.generate, ...plan.settings.map((s) => s.host)]);
  for (const h of hosts) if (h !== "local") throw new UsageError(`Host "${h}": SSH and Slurm hosts need the pipeline, which this build does not include yet; use --host local.`);
}

export const runCommand: CliCommand = {
  name: "run",
  summary: "Plan a run of a spec's settings and start it (generate stage, this machine)",
  usage: `agora run <spec> [--setting <id>]… [--generator <id>]… [--host local] [--stages generate]
          [--runs-dir <dir>] [--dry-run] [--detach] [--json]

Validates the spec, freezes a run plan in <runs-dir>/<run-id>/plan.json (default runs dir: the spec's
output.folder) and runs the generate stage. --detach starts the engine in the background and returns at
once; --json prints {"runId","runDir","pid"}; --dry-run prints the rendered prompts and the cost estimate
and starts nothing. Exit codes as \`agora generate\`: 0 done, 3 paused, 1 failed.`,
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
    const stages = values.stages === "all" ? ["generate", "prepare", "train", "evaluate", "score"] : values.stages?.split(",").map((s) => s.trim());
    const runId = newRunId(new Date(), `${values.setting?.[0] ?? "run"}-${values.generator?.join("+") ?? "all"}`, randomBytes(3).toString("hex"));
    let plan: RunPlan;
    try {
      plan = await buildPlan({ spec: validated.value, specPath, specText, settings: values.setting, generators: values.generator, host: values.host, runId }, nodeSpecFs);
    } catch (e) {
      if (e instanceof PlanError) {
        io.err(`error: ${e.message}`);
        return 1;
      }
      throw e;
    }
    checkScope(stages, values.host, plan);
    if (values["dry-run"]) {
      io.out(await describeDryRun(plan));
      return 0;
    }
    const runsDir = values["runs-dir"] ? resolve(io.cwd, values["runs-dir"]) : resolve(dirname(specPath), validated.value.output.folder);
    const runDir = join(runsDir, runId);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, RUN_FILES.plan), `${JSON.stringify(plan, null, 2)}\n`);
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
  summary: "Continue a run: items already stored are never requested (or paid for) again",
  usage: `agora resume <runDir> [--detach] [--json]`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { detach: { type: "boolean", default: false }, json: { type: "boolean", default: false }, foreground: { type: "boolean", default: false } } });
    const runDir = runDirOf(positionals[0], io);
    const plan = RunPlan.parse(JSON.parse(readFileSync(join(runDir, RUN_FILES.plan), "utf8")));
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
  summary: "Stop a run's engine (the run stays resumable)",
  usage: `agora cancel <runDir>`,
  async run(args, io) {
    const runDir = runDirOf(args.find((a) => !a.startsWith("--")), io);
    const started = [...readEvents(runDir)].reverse().find((e) => e.type === "run.started");
    const pid = started?.type === "run.started" ? started.pid : undefined;
    if (pid) {
      try {
        process.kill(pid, "SIGTERM");
        // Wait (≤ 10 s) for the engine to stop so "cancelled" is the log's last word.
        for (let i = 0; i < 100; i++) {
          process.kill(pid, 0);
          await new Promise((r) => setTimeout(r, 100));
        }
      } catch {
        // gone
      }
    }
    new EventLog(runDir).emit({ type: "run.cancelled", by: "user" });
    io.out(JSON.stringify({ ok: true }));
    return 0;
  },
};

export const statusCommand: CliCommand = {
  name: "status",
  summary: "Summarise a run from its events.jsonl",
  usage: `agora status <runDir> [--json]`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean", default: false } } });
    const runDir = runDirOf(positionals[0], io);
    const s = summarizeEvents(readEvents(runDir));
    if (values.json) io.out(JSON.stringify(s));
    else io.out(`${s.runId ?? runDir}: ${s.state}${s.stage ? ` (${s.stage})` : ""} · ${s.done}/${s.total} · $${s.costUsd.toFixed(4)}${s.lastError ? `\n  last error: ${s.lastError}` : ""}`);
    return 0;
  },
};
