import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventLog } from "../../../src/core/run/event-log";
import { parseEvents, summarizeEvents } from "../../../src/core/run/events";
import { dataFile, newRunId, stageDir } from "../../../src/core/run/layout";
import { buildPlan, canonicalJson, itemId, PlanError } from "../../../src/core/run/plan";
import type { SpecFileSystem } from "../../../src/core/spec/semantic";
import { validateSpecText } from "../../../src/core/spec/validate";

const specText = `{
  "name": "plan-test",
  "generators": [
    { "id": "a", "provider": "openai", "model": "gpt-4o-mini-2024-07-18" },
    { "id": "b", "provider": "anthropic", "model": "claude-3-5-sonnet-20240620" }
  ],
  "settings": [
    { "domain": "math", "method": "response_generation", "seed": { "file": "seed.jsonl" }, "instances": 2 },
    { "domain": "code", "method": "instance_generation", "seed": { "file": "seed.jsonl" }, "instances": 5, "generators": ["b"] }
  ]
}`;
const seed = '{"instruction":"q1","response":"r1"}\n{"instruction":"q2","response":"r2"}\n';
const fs = (seedText = seed): SpecFileSystem => ({
  readText: async (p) => (p.endsWith("seed.jsonl") ? seedText : undefined),
  resolve: (_spec, rel) => `/w/${rel}`,
});

async function plan(overrides: Partial<Parameters<typeof buildPlan>[0]> = {}, seedText = seed) {
  const spec = (await validateSpecText(specText)).value!;
  return buildPlan({ spec, specPath: "/w/x.agora.json", specText, runId: "r1", now: new Date(0), ...overrides }, fs(seedText));
}

describe("core/run plan, ids, events", () => {
  it("builds a plan with seed hashes, generators per setting and hosts", async () => {
    const p = await plan();
    assert.deepEqual(p.settings.map((s) => [s.id, s.generators]), [["math.response_generation", ["a", "b"]], ["code.instance_generation", ["b"]]]);
    assert.equal(p.settings[0]!.seed.records, 2);
    assert.equal(p.settings[0]!.seed.sha256.length, 64);
    assert.deepEqual(p.stages, ["generate"]);
    assert.equal(p.hosts.generate, "local");
    assert.equal(p.createdAt, "1970-01-01T00:00:00.000Z");
  });
  it("selects settings by id, by domain/method, and generators by id", async () => {
    const p = await plan({ settings: ["code/instance_generation"], generators: ["b"] });
    assert.deepEqual(p.settings.map((s) => s.id), ["code.instance_generation"]);
    assert.deepEqual(p.generators.map((g) => g.id), ["b"]);
    await assert.rejects(plan({ settings: ["math/quality_enhancement"] }), PlanError);
    await assert.rejects(plan({ generators: ["zz"] }), /no generator "zz"/);
    await assert.rejects(plan({ settings: ["code.instance_generation"], generators: ["a"] }), /None of the chosen generators/);
  });
  it("hashes the plan by content: stable across runs, sensitive to seeds", async () => {
    const a = await plan();
    const b = await plan({ runId: "other", now: new Date() });
    assert.equal(a.planHash, b.planHash);
    const c = await plan({}, `${seed}{"instruction":"q3","response":"r3"}\n`);
    assert.notEqual(a.planHash, c.planHash);
    assert.equal(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] }), '{"a":[2,{"c":2,"d":1}],"b":1}');
  });
  it("derives stable, distinct item ids", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) ids.add(itemId("h", "s", "g", i % 7, i));
    assert.equal(ids.size, 1000);
    assert.equal(itemId("h", "s", "g", 1, 2), itemId("h", "s", "g", 1, 2));
    assert.notEqual(itemId("h", "s", "g", null, 2), itemId("h", "s", "g2", null, 2));
  });
  it("lays out run folders with safe names", () => {
    assert.equal(dataFile("math.instance_generation", "gpt-4o"), "data/math.instance_generation/gpt-4o.jsonl");
    assert.equal(dataFile("a/b", "../x"), "data/a_b/.._x.jsonl");
    assert.equal(stageDir("train", "math.x", "g"), "stages/train/math.x/g");
    assert.equal(newRunId(new Date(Date.UTC(2026, 10, 25, 1, 2, 3)), "math.x gpt", "abcdef99"), "20261125-010203-math.x_gpt-abcdef");
  });
  it("writes events append-only and reads them back ignoring a torn tail and junk", () => {
    const dir = mkdtempSync(join(tmpdir(), "agora-events-"));
    try {
      const log = new EventLog(dir);
      log.emit({ type: "run.started", runId: "r1" });
      log.emit({ type: "progress", stage: "generate", setting: "s", generator: "g", done: 5, total: 10, costUsd: 0.5 });
      log.emit({ type: "progress", stage: "generate", setting: "s", generator: "h", done: 2, total: 10, costUsd: 0.25 });
      const text = `${readFileSync(log.path, "utf8")}not json\n{"t":"x","type":"unknown"}\n{"t":"x","type":"run.fini`;
      const parsed = parseEvents(text);
      assert.equal(parsed.events.length, 3);
      assert.equal(parsed.skipped, 2);
      assert.equal(parsed.tornTail, true);
      const s = summarizeEvents(parsed.events);
      assert.deepEqual([s.state, s.done, s.total, s.costUsd], ["running", 7, 20, 0.75]);
      const finished = summarizeEvents([...parsed.events, { t: "z", type: "run.finished", ok: true, costUsd: 0.8 }]);
      assert.deepEqual([finished.state, finished.costUsd], ["finished", 0.8]);
      const failed = summarizeEvents([...parsed.events, { t: "z", type: "stage.finished", stage: "train", exitCode: 2, ok: false }]);
      assert.equal(failed.state, "failed");
      assert.match(failed.lastError!, /train failed \(exit code 2\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
