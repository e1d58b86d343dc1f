/**
 * Chaos test: the engine process (`node dist/cli.js generate`) is killed with SIGKILL at 20 random points
 * of a 2,000-item run and restarted each time. Asserts: no item lost, no item stored twice, no stored item
 * ever requested again, and the server charged each item at most once.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { dataFile } from "../../../src/core/run/layout";
import { startLlmTestServer, type LlmTestServer } from "../../support/llm-test-server";
import { generator, makeRun, type TestRun } from "../../support/run-folder";

const root = join(__dirname, "..", "..", "..");
const ITEMS = 2000;
const KILLS = 20;

function storedIds(run: TestRun): string[] {
  const file = join(run.runDir, dataFile("math.instance_generation", "mini"));
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  const complete = text.endsWith("\n") ? text : text.slice(0, text.lastIndexOf("\n") + 1);
  return complete
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { id: string; status: string }))
    .filter((r) => r.status !== "failed")
    .map((r) => r.id);
}

describe("chaos: kill -9 the engine 20 times during a 2,000-item run", function () {
  this.timeout(300_000);
  let srv: LlmTestServer;
  let run: TestRun;
  let child: ChildProcess | undefined;
  before(async () => {
    execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "ignore" });
    // Latency paces the run (16 in flight / ~70 ms ≈ 230 items/s), so the kills, 250–950 ms after each
    // start, land mid-run however fast the engine's own work gets.
    srv = await startLlmTestServer({ latency: { medianMs: 60, sigma: 0.6 } });
    run = await makeRun({
      name: "chaos",
      generators: [generator("mini", "openai", srv.openaiBaseUrl, { limits: { concurrency: 16, requestsPerMinute: 1_000_000, tokensPerMinute: 100_000_000 } })],
      settings: [{ domain: "math", method: "instance_generation", instances: ITEMS, seed: { file: "seed.jsonl" } }],
    });
  });
  after(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await srv?.close();
    if (run) rmSync(run.root, { recursive: true, force: true });
  });

  const start = (): ChildProcess =>
    spawn(process.execPath, [join(root, "dist/cli.js"), "generate", "--run-dir", run.runDir], {
      env: { ...process.env, AGORA_TEST_KEY: "sk-chaos-test-key-123456" },
      stdio: ["ignore", "ignore", "pipe"],
    });
  const exited = (c: ChildProcess): Promise<number | null> => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(c.exitCode) : c.once("exit", (code) => r(code))));

  it("loses nothing, duplicates nothing, re-requests no stored item, charges each item at most once", async () => {
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let killedMidRun = 0;
    for (let k = 0; k < KILLS; k++) {
      const storedBefore = new Set(storedIds(run));
      const requestsBefore = new Map(srv.requestsByKey());
      child = start();
      await new Promise((r) => setTimeout(r, 250 + rand() * 700));
      if (child.exitCode === null) {
        child.kill("SIGKILL");
        killedMidRun++;
      }
      await exited(child);
      for (const [key, n] of srv.requestsByKey()) {
        if (storedBefore.has(key)) assert.equal(n, requestsBefore.get(key) ?? 0, `stored item ${key} was requested again after kill ${k}`);
      }
    }
    const storedBefore = new Set(storedIds(run));
    const requestsBefore = new Map(srv.requestsByKey());
    child = start();
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await exited(child);
    assert.equal(code, 0, stderr);
    for (const [key, n] of srv.requestsByKey()) if (storedBefore.has(key)) assert.equal(n, requestsBefore.get(key) ?? 0);

    const ids = storedIds(run);
    const unique = new Set(ids);
    const st = srv.stats();
    console.log(
      `      chaos: ${killedMidRun} kills mid-run, ${ids.length} records, ${unique.size} unique, server: ${st.requests} requests, ${st.charged} charged, ${st.replays} idempotent replays (items in flight at a kill), ${st.chargedTwice.length} charged twice`,
    );
    assert.ok(killedMidRun >= 15, `only ${killedMidRun} kills landed mid-run`);
    assert.equal(unique.size, ITEMS, "0 items lost");
    assert.equal(ids.length, ITEMS, "0 duplicates");
    assert.deepEqual(st.chargedTwice, []);
    assert.equal(st.charged, ITEMS);
  });
});
