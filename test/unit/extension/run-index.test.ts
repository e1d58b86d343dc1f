import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventLog } from "../../../src/core/run/event-log";
import { estimateSettingCost } from "../../../src/extension/cost-estimate";
import { formatProgress, RunIndex, stageViews } from "../../../src/extension/run-index";
import { ExperimentSpec } from "../../../src/core/spec/model";

function plan(runDir: string, specPath: string, setting: string, generators: string[]): void {
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, "plan.json"), JSON.stringify({ spec: { path: specPath, name: "x" }, settings: [{ id: setting, domain: "math", method: "response_generation", generators, host: "local" }], hosts: { generate: "local" } }));
}

describe("extension/run-index (Runs view model, no vscode)", () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), "agora-ri-"))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("lists runs newest first and follows appended events incrementally", () => {
    const a = join(root, "20260101-000000-a");
    const b = join(root, "20260102-000000-b");
    plan(a, "/s.agora.json", "math.response_generation", ["g1"]);
    plan(b, "/s.agora.json", "math.response_generation", ["g1", "g2"]);
    new EventLog(a).emit({ type: "run.finished", ok: true, costUsd: 0.5 });
    const log = new EventLog(b);
    log.emit({ type: "run.started", runId: "b" });
    log.emit({ type: "progress", stage: "generate", setting: "math.response_generation", generator: "g1", done: 1, total: 10, costUsd: 0.01, throughputPerMin: 60 });
    const index = new RunIndex({ checkPids: false });
    assert.equal(index.refresh([root]).length, 2);
    assert.deepEqual(index.all().map((r) => r.runId), ["b", "20260101-000000-a"]);
    assert.equal(index.get(b)!.state, "running");
    assert.equal(index.refresh([root]).length, 0, "nothing changed, nothing re-read");
    log.emit({ type: "progress", stage: "generate", setting: "math.response_generation", generator: "g2", done: 4, total: 10, costUsd: 0.02, throughputPerMin: 30 });
    assert.deepEqual(index.refresh([root]), [b]);
    const v = index.get(b)!;
    assert.equal(v.summary.done, 5);
    assert.equal(v.stages[0]!.throughputPerMin, 90);
    assert.equal(formatProgress({ ...v.summary, throughputPerMin: 90 }), "5/20 · 90/min · $0.03");
    assert.equal(index.latestFor("/s.agora.json", "math.response_generation", "g2")?.runDir, b);
    assert.equal(index.latestFor("/s.agora.json", "math.response_generation", "g3"), undefined);
  });

  it("ignores a torn last line until its newline arrives", () => {
    const a = join(root, "r1");
    plan(a, "/s", "x", ["g"]);
    const file = join(a, "events.jsonl");
    appendFileSync(file, `${JSON.stringify({ t: "t", type: "run.started", runId: "r1" })}\n{"t":"t","type":"run.fin`);
    const index = new RunIndex({ checkPids: false });
    index.refresh([root]);
    assert.equal(index.get(a)!.state, "running");
    appendFileSync(file, `ished","ok":true}\n`);
    index.refresh([root]);
    assert.equal(index.get(a)!.state, "finished");
  });

  it("marks a running run whose local engine process is gone as interrupted", async () => {
    const a = join(root, "r2");
    plan(a, "/s", "x", ["g"]);
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    await new Promise((r) => child.once("spawn", r));
    new EventLog(a).emit({ type: "run.started", runId: "r2", pid: child.pid, host: "local" });
    const index = new RunIndex();
    index.refresh([root]);
    assert.equal(index.get(a)!.state, "running");
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    assert.deepEqual(index.refresh([root]), [a]);
    assert.equal(index.get(a)!.state, "interrupted");
  });

  it("reads PGR from scores.json of a finished run", () => {
    const a = join(root, "r3");
    plan(a, "/s", "math.response_generation", ["g"]);
    new EventLog(a).emit({ type: "run.finished", ok: true });
    writeFileSync(join(a, "scores.json"), JSON.stringify({ base: { gsm8k: 50, math: 20 }, reference: { gsm8k: 80, math: 40 }, students: { g: { response_generation: { gsm8k: 65, math: 30 } } } }));
    const index = new RunIndex({ checkPids: false });
    index.refresh([root]);
    assert.equal(index.get(a)!.pgr.get("g|response_generation|math"), 50);
  });

  it("folds stage events: scores finish the score stage, a finished run leaves nothing running", () => {
    const s = stageViews([
      { t: "1", type: "stage.started", stage: "generate" },
      { t: "2", type: "scores", stage: "score", scoresFile: "scores.json" },
      { t: "3", type: "run.finished", ok: true },
    ]);
    assert.deepEqual(s.map((x) => [x.stage, x.state]), [["generate", "finished"], ["score", "finished"]]);
  });

  it("estimates cost from the price table, per seed record for response generation", () => {
    const spec = ExperimentSpec.parse({
      name: "x",
      generators: [{ id: "g", provider: "openai", model: "gpt-4o-mini" }, { id: "u", provider: "openai-compatible", model: "my-local", baseUrl: "http://127.0.0.1:1/v1" }],
      settings: [{ domain: "math", method: "response_generation", seed: { file: "s.jsonl" }, instances: 1000 }],
    });
    const est = estimateSettingCost(spec.settings[0]!, spec.generators, 40);
    assert.equal(est.perGenerator[0]!.items, 40);
    assert.ok(est.perGenerator[0]!.usd! > 0 && est.perGenerator[0]!.usd! < 0.1);
    assert.equal(est.incomplete, true, "the local model has no price");
  });
});
