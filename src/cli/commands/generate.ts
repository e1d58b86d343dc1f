/**
 * `agora generate --run-dir <dir>`: the engine process of the generate stage. Reads plan.json, runs the
 * stage with an EventLog on the run folder, and exits 0 when done, 3 when paused (budget, circuit
 * breaker, SIGTERM/SIGINT — all resumable by running it again), 1 on failure. Safe to kill -9: a rerun
 * continues from the store without re-requesting stored items.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { EventLog } from "../../core/run/event-log";
import { RUN_FILES } from "../../core/run/layout";
import { RunPlan } from "../../core/run/plan";
import { runGenerateStage } from "../../generation";
import { type CliCommand, UsageError } from "../command";

export const generateCommand: CliCommand = {
  name: "generate",
  summary: "Run (or continue) the generate stage of a run folder (the engine process).",
  usage: [
    "Usage: agora generate --run-dir <dir> [--setting <id>]... [--generator <id>]... [--no-stream]",
    "",
    "Generates the data of a run folder's plan.json into data/<setting>/<generator>.jsonl, appending",
    "events to events.jsonl. Rerunning it continues where it stopped; stored items are never requested again.",
    "API keys come from the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, or a generator's apiKeyEnv).",
    "Exit codes: 0 done, 3 paused (budget, provider down, or stopped by a signal), 1 failed.",
  ].join("\n"),
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        "run-dir": { type: "string" },
        setting: { type: "string", multiple: true },
        generator: { type: "string", multiple: true },
        "no-stream": { type: "boolean" },
      },
      strict: true,
    });
    if (!values["run-dir"]) throw new UsageError("--run-dir is required");
    const runDir = resolve(io.cwd, values["run-dir"]);
    let plan: RunPlan;
    try {
      plan = RunPlan.parse(JSON.parse(readFileSync(join(runDir, RUN_FILES.plan), "utf8")));
    } catch (e) {
      io.err(`agora generate: cannot read ${join(runDir, RUN_FILES.plan)}: ${(e as Error).message}`);
      return 1;
    }
    const events = new EventLog(runDir);
    const ctl = new AbortController();
    const stop = (): void => ctl.abort();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    try {
      const r = await runGenerateStage({
        runDir,
        plan,
        settings: values.setting,
        generators: values.generator,
        env: process.env,
        signal: ctl.signal,
        events,
        stream: !values["no-stream"],
      });
      io.out(
        `${r.items} items: ${r.valid} valid, ${r.invalid} invalid, ${r.duplicate} duplicate, ${r.failed} failed; $${r.costUsd.toFixed(4)}${r.paused ? ` — paused: ${r.paused}` : ""}`,
      );
      return r.paused ? 3 : r.ok ? 0 : 1;
    } finally {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
    }
  },
};
