import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeSpecFs } from "../../../src/core/io/node-spec-fs";
import type { RunEvent } from "../../../src/core/run/events";
import { buildPlan, type RunPlan } from "../../../src/core/run/plan";
import { validateSpecText } from "../../../src/core/spec/validate";
import type { HostDefinition } from "../../../src/core/spec/hosts";
import { stageViews } from "../../../src/extension/run-index";
import { planTasks, taskDir } from "../../../src/pipeline/graph";
import { forwardedSecretNames, logExcerpt } from "../../../src/pipeline/runner";
import { seedLines } from "../../support/run-folder";

async function planFor(spec: Record<string, unknown>, stages: RunPlan["stages"]): Promise<RunPlan> {
  const dir = mkdtempSync(join(tmpdir(), "agora-graph-"));
  writeFileSync(join(dir, "seed.jsonl"), seedLines(3));
  const text = JSON.stringify(spec);
  const v = await validateSpecText(text);
  if (!v.value) throw new Error(JSON.stringify(v.diagnostics));
  const plan = await buildPlan({ spec: v.value, specPath: join(dir, "x.agora.json"), specText: text, runId: "r", stages, host: "gpu" }, nodeSpecFs);
  rmSync(dir, { recursive: true, force: true });
  return plan;
}

const g = (id: string) => ({ id, provider: "openai", model: "gpt-4o-mini-2024-07-18" });
const SPEC = {
  name: "graph",
  generators: [g("a"), g("b")],
  settings: [
    { domain: "math", method: "instance_generation", seed: { file: "seed.jsonl" }, instances: 3 },
    { domain: "code", method: "response_generation", seed: { file: "seed.jsonl" }, instances: 3, generators: ["a"] },
  ],
};

describe("pipeline/graph", () => {
  it("unrolls the stage graph: students per setting × generator × domain benchmark, base and reference once per benchmark", async () => {
    const plan = await planFor(SPEC, ["generate", "prepare", "train", "evaluate", "score"]);
    const tasks = planTasks(plan);
    const ids = tasks.map((t) => t.id);
    assert.deepEqual(ids.filter((i) => i.startsWith("train/")), ["train/math.instance_generation/a", "train/math.instance_generation/b", "train/code.response_generation/a"]);
    assert.deepEqual(
      ids.filter((i) => /^evaluate\/(base|reference)\//.test(i)),
      ["gsm8k", "math", "mbpp", "humaneval"].map((b) => `evaluate/base/${b}`).concat(["gsm8k", "math", "mbpp", "humaneval"].map((b) => `evaluate/reference/${b}`)),
    );
    assert.equal(ids.filter((i) => i.startsWith("evaluate/")).length, 3 * 2 + 8);
    const student = tasks.find((t) => t.id === "evaluate/code.response_generation/a/humaneval")!;
    assert.deepEqual(student.deps, ["train/code.response_generation/a"]);
    assert.equal(tasks.find((t) => t.id === "score")!.deps.length, 14);
    // Generation always runs here; --host moves train and evaluate.
    assert.deepEqual(plan.hosts, { file: plan.hosts.file, generate: "local", train: "gpu", evaluate: "gpu" });
    // Every task id is a folder path inside the run folder, in order of dependencies.
    for (const [i, t] of tasks.entries()) for (const d of t.deps) assert.ok(ids.indexOf(d) < i || d === "generate", `${t.id} before ${d}`);
    assert.equal(taskDir("evaluate/base/gsm8k"), "stages/evaluate/base/gsm8k");
  });

  it("leaves out stages the plan does not run", async () => {
    const plan = await planFor(SPEC, ["evaluate"]);
    const tasks = planTasks(plan);
    assert.ok(tasks.every((t) => t.stage === "evaluate"));
    assert.equal(tasks.length, 14);
  });

  it("forwards secrets only to remote hosts, and the judge key only to the jobs whose judge needs it", () => {
    const ssh: HostDefinition = { name: "box", kind: "ssh", host: "h", port: 22, user: "u", workDir: "~/a", maxJobs: 1, forwardEnv: ["WANDB_API_KEY"] };
    assert.deepEqual(forwardedSecretNames(ssh, "lm-eval").sort(), ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "WANDB_API_KEY"]);
    assert.ok(forwardedSecretNames(ssh, "alpaca-eval").includes("OPENAI_API_KEY"));
    assert.deepEqual(forwardedSecretNames({ name: "local", kind: "local", maxJobs: 1 }, "arena-hard"), []);
    assert.deepEqual(forwardedSecretNames({ name: "c", kind: "slurm", gpusPerJob: 1, time: "1:00:00", workDir: "~/a", maxJobs: 4 }, "arena-hard"), [], "Slurm on this machine inherits the environment");
  });

  it("quotes the error lines of a log in a failure message", () => {
    const dir = mkdtempSync(join(tmpdir(), "agora-excerpt-"));
    writeFileSync(join(dir, "job.log"), `${"x".repeat(20_000)}\nloading\n[trl] 40%\nTraceback (most recent call last):\nRuntimeError: CUDA out of memory\n`);
    assert.equal(logExcerpt(join(dir, "job.log")), "Traceback (most recent call last):\nRuntimeError: CUDA out of memory");
    assert.equal(logExcerpt(join(dir, "missing.log")), "");
    rmSync(dir, { recursive: true, force: true });
  });

  it("folds pipeline task events into stage rows with done / planned counts", () => {
    const t = "2026-01-01T00:00:00.000Z";
    const events: RunEvent[] = [
      { t, type: "run.started", runId: "r" },
      { t, type: "stage.started", stage: "train", task: "train/m/a", host: "gpu", jobId: "41" },
      { t, type: "stage.started", stage: "evaluate", task: "evaluate/base/gsm8k", host: "gpu", jobId: "42" },
      { t, type: "stage.finished", stage: "evaluate", task: "evaluate/base/gsm8k", exitCode: 1, ok: false, message: "evaluate/base/gsm8k on gpu failed with exit code 1." },
      { t, type: "stage.finished", stage: "train", task: "train/m/a", exitCode: 0, ok: true, message: "trained" },
      { t, type: "task.skipped", stage: "score", task: "score", reason: "score skipped" },
    ];
    const views = stageViews(events, { train: 1, evaluate: 6, score: 1 });
    const train = views.find((v) => v.stage === "train")!;
    assert.deepEqual([train.state, train.done, train.total, train.tasks[0]!.jobId], ["finished", 1, 1, "41"]);
    const ev = views.find((v) => v.stage === "evaluate")!;
    assert.deepEqual([ev.state, ev.done, ev.total], ["failed", 0, 6]);
    assert.match(ev.lastError ?? "", /exit code 1/);
    assert.equal(views.find((v) => v.stage === "score")!.tasks[0]!.state, "skipped");
    // A resumed run is live again: the earlier end no longer counts.
    const resumed = stageViews([...events, { t, type: "run.finished", ok: false }, { t, type: "run.started", runId: "r" }, { t, type: "stage.started", stage: "evaluate", task: "evaluate/base/gsm8k", host: "gpu" }], { evaluate: 6 });
    assert.equal(resumed.find((v) => v.stage === "evaluate")!.state, "running");
  });
});
