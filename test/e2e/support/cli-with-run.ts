/**
 * Test-only CLI entry for the workbench e2e suite: the real `agora` CLI, plus — only while the pipeline's
 * own `run` / `cancel` / `resume` commands have not landed in src/cli/commands — small versions of them
 * that follow the agreed contract (`run <spec> --setting S --generator G… --host H --detach --json` prints
 * {"runId","runDir","pid"}; `cancel <runDir>`; `resume <runDir>`). The engine they detach is the real
 * `agora generate` stage; they add the run.started / run.finished events around it. When the real commands
 * exist, they win and this file only forwards.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { nodeSpecFs } from "../../../src/core/io/node-spec-fs";
import { EventLog } from "../../../src/core/run/event-log";
import { parseEvents, summarizeEvents } from "../../../src/core/run/events";
import { newRunId, RUN_FILES } from "../../../src/core/run/layout";
import { buildPlan } from "../../../src/core/run/plan";
import { validateSpecText } from "../../../src/core/spec/validate";
import type { CliCommand } from "../../../src/cli/command";
import { COMMANDS, main } from "../../../src/cli/main";

function detachEngine(runDir: string, resumed: boolean): number {
  mkdirSync(join(runDir, "stages", "generate"), { recursive: true });
  const out = openSync(join(runDir, "stages", "generate", "engine.log"), "a");
  const child = spawn(process.execPath, [__filename, "__engine", runDir, ...(resumed ? ["--resumed"] : [])], {
    detached: true,
    stdio: ["ignore", out, out],
    env: process.env,
  });
  child.unref();
  return child.pid ?? 0;
}

const run: CliCommand = {
  name: "run",
  summary: "(test stand-in) plan a run and start its engine",
  usage: "agora run <spec> --setting <id> --generator <id>… --host <name> --detach --json",
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { setting: { type: "string", multiple: true }, generator: { type: "string", multiple: true }, host: { type: "string" }, detach: { type: "boolean" }, json: { type: "boolean" } },
    });
    const specPath = resolve(io.cwd, positionals[0] ?? "");
    const specText = readFileSync(specPath, "utf8");
    const v = await validateSpecText(specText, { fs: nodeSpecFs, specPath });
    if (!v.value) {
      io.err(`invalid spec: ${v.diagnostics.map((d) => d.message).join("; ")}`);
      return 1;
    }
    const runId = newRunId(new Date(), `${values.setting?.[0] ?? "run"}-${values.generator?.[0] ?? ""}`, randomBytes(3).toString("hex"));
    const plan = await buildPlan({ spec: v.value, specPath, specText, settings: values.setting, generators: values.generator, host: values.host, runId }, nodeSpecFs);
    const runDir = join(dirname(specPath), v.value.output.folder, runId);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, RUN_FILES.plan), JSON.stringify(plan, null, 2));
    const pid = detachEngine(runDir, false);
    io.out(JSON.stringify({ runId, runDir, pid }));
    return 0;
  },
};

const cancel: CliCommand = {
  name: "cancel",
  summary: "(test stand-in) stop a run's engine",
  usage: "agora cancel <runDir>",
  async run(args, io) {
    const runDir = resolve(io.cwd, args.find((a) => !a.startsWith("--")) ?? "");
    const events = parseEvents(readFileSync(join(runDir, RUN_FILES.events), "utf8")).events;
    const started = [...events].reverse().find((e) => e.type === "run.started");
    if (started?.type === "run.started" && started.pid) {
      try {
        process.kill(started.pid, "SIGTERM");
        // Wait for the engine to stop, so "cancelled" is the log's last word.
        for (let i = 0; i < 100; i++) {
          process.kill(started.pid, 0);
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

const resume: CliCommand = {
  name: "resume",
  summary: "(test stand-in) restart a run's engine",
  usage: "agora resume <runDir> [--detach] [--json]",
  async run(args, io) {
    const runDir = resolve(io.cwd, args.find((a) => !a.startsWith("--")) ?? "");
    const plan = JSON.parse(readFileSync(join(runDir, RUN_FILES.plan), "utf8")) as { runId: string };
    const pid = detachEngine(runDir, true);
    io.out(JSON.stringify({ runId: plan.runId, runDir, pid }));
    return 0;
  },
};

/** The detached engine: run.started → the real generate stage → run.finished. */
async function engine(runDir: string, resumed: boolean): Promise<number> {
  const log = new EventLog(runDir);
  log.emit({ type: "run.started", runId: runDir.split("/").pop() ?? runDir, pid: process.pid, host: "local", resumed });
  const gen = COMMANDS.find((c) => c.name === "generate")!;
  const code = await gen.run(["--run-dir", runDir], { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`), cwd: runDir });
  const s = summarizeEvents(parseEvents(readFileSync(join(runDir, RUN_FILES.events), "utf8")).events);
  if (s.state === "cancelled") return code;
  if (code === 3) log.emit({ type: "paused", reason: "stopped" });
  else log.emit({ type: "run.finished", ok: code === 0, costUsd: s.costUsd });
  return code;
}

const argv = process.argv.slice(2);
if (argv[0] === "__engine") {
  void engine(argv[1]!, argv.includes("--resumed")).then((c) => process.exit(c));
} else {
  for (const c of [run, cancel, resume]) if (!COMMANDS.some((x) => x.name === c.name)) COMMANDS.push(c);
  void main(argv, { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`), cwd: process.cwd() }).then((c) => {
    process.exitCode = c;
  });
}
