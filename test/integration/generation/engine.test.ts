import assert from "node:assert/strict";
import { appendFileSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { EventSink } from "../../../src/core/run/event-log";
import { parseEvents, type RunEvent } from "../../../src/core/run/events";
import { dataFile, RUN_FILES } from "../../../src/core/run/layout";
import type { GeneratedItem } from "../../../src/core/run/record";
import { describeDryRun, runGenerateStage } from "../../../src/generation";
import { startLlmTestServer, type LlmTestServer } from "../../support/llm-test-server";
import { generator, makeRun, type TestRun } from "../../support/run-folder";

const KEY = "sk-test-abcdefghijklmnop1234";
const env = { AGORA_TEST_KEY: KEY };

class Collect implements EventSink {
  events: RunEvent[] = [];
  emit(e: Parameters<EventSink["emit"]>[0]): void {
    this.events.push({ t: new Date().toISOString(), ...e } as RunEvent);
  }
  of<T extends RunEvent["type"]>(type: T): Extract<RunEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
  }
}

function items(run: TestRun, setting: string, gen: string): GeneratedItem[] {
  return readFileSync(join(run.runDir, dataFile(setting, gen)), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as GeneratedItem);
}

function spec(gens: Record<string, unknown>[], settings: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: "engine-test", generators: gens, settings: settings.map((s) => ({ seed: { file: "seed.jsonl" }, ...s })), ...extra };
}

const fastLimits = { concurrency: 8, requestsPerMinute: 100_000, tokensPerMinute: 100_000_000, maxRetries: 4, timeoutSeconds: 10 };

describe("generation engine against the local LLM server (real SDKs)", function () {
  this.timeout(60_000);
  let srv: LlmTestServer;
  const runs: TestRun[] = [];
  beforeEach(async () => {
    srv = await startLlmTestServer();
  });
  afterEach(async () => {
    await srv.close();
    for (const r of runs.splice(0)) rmSync(r.root, { recursive: true, force: true });
  });

  it("OpenAI streaming, math instance generation: all valid, usage and cost recorded, prompts logged, resume re-requests nothing", async () => {
    const run = await makeRun(spec([generator("mini", "openai", srv.openaiBaseUrl, { limits: fastLimits })], [{ domain: "math", method: "instance_generation", instances: 30 }]));
    runs.push(run);
    const ev = new Collect();
    const r = await runGenerateStage({ runDir: run.runDir, plan: run.plan, env, events: ev });
    assert.equal(r.ok, true);
    assert.deepEqual([r.items, r.valid, r.invalid, r.duplicate, r.failed], [30, 30, 0, 0, 0]);
    const recs = items(run, "math.instance_generation", "mini");
    assert.equal(recs.length, 30);
    assert.equal(new Set(recs.map((x) => x.id)).size, 30);
    assert.ok(recs.every((x) => x.usage.inputTokens > 0 && x.costUsd > 0 && x.instruction && /\[RESULT\]/.test(x.response) && x.demonstrationIndices?.length === 3));
    assert.ok(Math.abs(r.costUsd - recs.reduce((s, x) => s + x.costUsd, 0)) < 1e-9);
    const prompts = readFileSync(join(run.runDir, RUN_FILES.prompts), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { hash: string; prompt: string });
    assert.ok(recs.every((x) => prompts.some((p) => p.hash === x.promptHash)));
    assert.ok(prompts[0]!.prompt.includes("### Example 1") && !prompts[0]!.prompt.includes("{{"));
    assert.ok(ev.of("progress").at(-1)!.done === 30);
    assert.ok(ev.of("stage.finished").at(-1)!.ok);
    const before = srv.stats().requests;
    const r2 = await runGenerateStage({ runDir: run.runDir, plan: run.plan, env, events: new Collect() });
    assert.equal(r2.items, 30);
    assert.equal(srv.stats().requests, before, "a resumed, complete run sends nothing");
  });

  it("Anthropic (streaming and not), code response generation and instruction-following quality enhancement", async () => {
    const run = await makeRun(
      spec(
        [generator("claude", "anthropic", srv.anthropicBaseUrl, { limits: fastLimits })],
        [
          { domain: "code", method: "response_generation", instances: 12 },
          { domain: "instruction_following", method: "quality_enhancement", instances: 12 },
        ],
      ),
    );
    runs.push(run);
    const r = await runGenerateStage({ runDir: run.runDir, plan: run.plan, env, events: new Collect(), stream: false });
    assert.deepEqual([r.ok, r.valid], [true, 24]);
    const code = items(run, "code.response_generation", "claude");
    assert.ok(code.every((x) => x.response.includes("```python") && x.instruction.startsWith("Seed problem")));
    const qe = items(run, "instruction_following.quality_enhancement", "claude");
    assert.ok(qe.every((x) => x.status === "valid" && x.original?.instruction.startsWith("Seed problem") && x.instruction && !x.instruction.startsWith("Seed problem")));
    const r2 = await runGenerateStage({ runDir: run.runDir, plan: run.plan, env, events: new Collect(), stream: true });
    assert.equal(r2.valid, 24);
  });

  it("recovers from 429 (retry-after), 500, 529, slow streams, drops and malformed JSON; bad outputs are kept as invalid", async () => {
    srv.setFaults({ script: ["429", "500", "529", "drop", "malformed", "slow", "bad_output", "429", "drop", "ok", "bad_output"], retryAfterMs: 100, slowMs: 300 });
    const run = await makeRun(spec([generator("mini", "openai", srv.openaiBaseUrl, { limits: { ...fastLimits, concurrency: 1 } })], [{ domain: "math", method: "response_generation", instances: 8 }]));
    runs.push(run);
    const ev = new Collect();
    const r = await runGenerateStage({ runDir: run.runDir, plan: run.plan, env, events: ev });
    assert.equal(r.items, 8);
    assert.equal(r.invalid, 2);
    assert.equal(r.valid, 6);
    const recs = items(run, "math.response_generation", "mini");
    const bad = recs.filter((x) => x.status === "invalid");
    assert.ok(bad.every((x) => /RESULT/.test(x.reason ?? "") && x.raw));
    assert.ok(recs.some((x) => x.attempts > 1));
    assert.ok(ev.of("rate-limited").length >= 1);
    assert.ok(ev.of("error").some((e) => e.code === "server"));
    assert.equal(srv.stats().chargedTwice.length, 0);
  });

  it("a timeout on a stalled stream is retried", async () => {
    srv.setFaults({ script: ["slow"], slowMs: 2500 });
    const run = await makeRun(spec([generator("mini", "openai", srv.openaiBaseUrl, { limits: { ...fastLimits, concurrency: 1, timeoutSeconds: 1 } })], [{ domain: "code", method: "response_generation", instances: 2 }]));
    runs.push(run);
    const ev = new Collect();
    const r = await runGenerateStage({ runDir: run.runDir, plan: run.plan, env, events: ev });
    assert.equal(r.valid, 2);
    assert.ok(ev.of("error").some((e) => e.code === "timeout"), JSON.stringify(ev.events));
  });

  it("pauses on the circuit breaker when the provider is down, then resumes", async () => {
    srv.setDown(true);
    const run = await makeRun(spec([generator("mini", "openai", srv.openaiBaseUrl, { limits: fastLimits })], [{ domain: "math", method: "response_generation", instances: 10 }]));
    runs.push(run);
    const ev = new Collect();
    const r = await runGenerateStage({ runDir: run.runDir, plan: run.plan, env, events: ev, circuitBreakerThreshold: 4, random: () => 0 });
    assert.equal(r.ok, false);
    assert.match(r.paused ?? "", /looks down/);
    assert.equal(ev.of("paused").length, 1);
    srv.setDown(false);
    const r2 = await runGenerateStage({ runDir: run.runDir, plan: run.plan, env, events: new Collect() });
    assert.deepEqual([r2.ok, r2.valid], [true, 10]);
  });

  it("never passes the hard budget cap", async () => {
    const run = await makeRun(
      spec([generator("mini", "openai", srv.openaiBaseUrl, { limits: fastLimits, sampling: { maxTokens: 300 } })], [{ domain: "math", method: "response_generation", instances: 20 }], { budget: { maxUsd: 0.0002 } }),
    );
    runs.push(run);
    const ev = new Collect();
    const r = await runGenerateStage({ runDir: run.runDir, plan: run.plan, env, events: ev });
    assert.match(r.paused ?? "", /Budget/);
    assert.ok(r.costUsd <= 0.0002, `spent ${r.costUsd}`);
    assert.ok(r.items > 0 && r.items < 20);
    assert.equal(ev.of("budget.exceeded").length, 1);
  });

  it("ignores a torn last line and continues without re-requesting stored items", async () => {
    const run = await makeRun(spec([generator("mini", "openai", srv.openaiBaseUrl, { limits: fastLimits })], [{ domain: "math", method: "response_generation", instances: 6 }]));
    runs.push(run);
    await runGenerateStage({ runDir: run.runDir, plan: run.plan, env, events: new Collect() });
    const file = join(run.runDir, dataFile("math.response_generation", "mini"));
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    // Simulate a kill in the middle of writing: drop the last record and leave half of it behind.
    const { writeFileSync } = await import("node:fs");
    writeFileSync(file, `${lines.slice(0, -1).join("\n")}\n`);
    appendFileSync(file, lines.at(-1)!.slice(0, 40));
    const before = srv.stats().requests;
    const r = await runGenerateStage({ runDir: run.runDir, plan: run.plan, env, events: new Collect() });
    assert.equal(r.items, 6);
    assert.equal(srv.stats().requests - before, 1, "only the torn item is requested again");
    const text = readFileSync(file, "utf8");
    assert.ok(text.endsWith("\n"));
    assert.equal(text.split("\n").filter(Boolean).length, 6);
    assert.doesNotThrow(() => text.split("\n").filter(Boolean).forEach((l) => JSON.parse(l)));
  });

  it("never writes an API key into events (401 echoing the key)", async () => {
    await srv.close();
    srv = await startLlmTestServer({ apiKey: "sk-the-right-key-000000" });
    const run = await makeRun(spec([generator("mini", "openai", srv.openaiBaseUrl, { limits: fastLimits })], [{ domain: "math", method: "response_generation", instances: 2 }]));
    runs.push(run);
    const ev = new Collect();
    const r = await runGenerateStage({ runDir: run.runDir, plan: run.plan, env, events: ev });
    assert.match(r.paused ?? "", /key was rejected/);
    const text = JSON.stringify(ev.events);
    assert.ok(!text.includes(KEY), text);
    assert.ok(!text.includes("abcdefghijklmnop"));
  });

  for (const provider of ["openai", "anthropic"] as const) {
    it(`${provider} batch mode: submit, poll, download, partial failures, half price, resume of an in-flight batch`, async () => {
      await srv.close();
      srv = await startLlmTestServer({ batchDelayMs: 1500, faults: { batchItemFailRate: 0.2, seed: 3 } });
      const base = provider === "openai" ? srv.openaiBaseUrl : srv.anthropicBaseUrl;
      const run = await makeRun(spec([generator("b", provider, base, { batch: true })], [{ domain: "math", method: "quality_enhancement", instances: 15 }]));
      runs.push(run);
      // First process: submits, then is stopped while the batch is in flight.
      const ctl = new AbortController();
      const ev = new Collect();
      const origEmit = ev.emit.bind(ev);
      ev.emit = (e) => {
        origEmit(e);
        if (e.type === "batch.submitted") setTimeout(() => ctl.abort(), 50);
      };
      const r1 = await runGenerateStage({ runDir: run.runDir, plan: run.plan, env, events: ev, signal: ctl.signal, batchPollMs: 100 });
      assert.equal(r1.items, 0);
      assert.equal(srv.stats().batches, 1);
      // Restart: polls the recorded batch instead of submitting a new one.
      const ev2 = new Collect();
      const r2 = await runGenerateStage({ runDir: run.runDir, plan: run.plan, env, events: ev2, batchPollMs: 100 });
      assert.equal(ev2.of("batch.submitted").length, 0);
      assert.ok(r2.failed > 0 && r2.valid > 0 && r2.valid + r2.failed === 15, JSON.stringify(r2));
      const recs = items(run, "math.quality_enhancement", "b");
      assert.ok(recs.filter((x) => x.status === "valid").every((x) => x.batch === true && x.costUsd > 0));
      // Third run resubmits only the failed items.
      const r3 = await runGenerateStage({ runDir: run.runDir, plan: run.plan, env, events: new Collect(), batchPollMs: 100 });
      assert.equal(srv.stats().batches, 2);
      assert.ok(r3.valid > r2.valid);
      assert.equal(srv.stats().chargedTwice.length, 0);
    });
  }

  it("dry run prints rendered prompts and a cost estimate", async () => {
    const run = await makeRun(spec([generator("mini", "openai", srv.openaiBaseUrl)], [{ domain: "code", method: "instance_generation", instances: 1000 }]));
    runs.push(run);
    const text = await describeDryRun(run.plan);
    assert.match(text, /code\.instance_generation × mini/);
    assert.match(text, /INPUT: Seed problem/);
    assert.match(text, /Estimated cost: ~\$\d+\.\d\d/);
    assert.equal(srv.stats().requests, 0);
  });
});

describe("events file", () => {
  it("parses what the engine's EventLog writes", () => {
    const { events } = parseEvents('{"t":"x","type":"progress","done":1,"total":2}\n');
    assert.equal(events.length, 1);
  });
});
