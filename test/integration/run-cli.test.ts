/** `agora run --detach`, `status`, `cancel` and `resume` on this machine, through the real SDK and engine. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLlmTestServer, type LlmTestServer } from "../support/llm-test-server";
import { cliPath, ensureBuilt } from "../support/build";
import { seedLines } from "../support/run-folder";

function agora(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd, encoding: "utf8", timeout: 60_000, env: { ...process.env, AGORA_TEST_KEY: "sk-test-run-cli" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function waitFor<T>(fn: () => T | undefined, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("agora run / status / cancel / resume (local)", function () {
  this.timeout(120_000);
  let server: LlmTestServer;
  const dir = mkdtempSync(join(tmpdir(), "agora-runcli-"));

  before(async () => {
    ensureBuilt();
    server = await startLlmTestServer({ apiKey: "sk-test-run-cli" });
    writeFileSync(join(dir, "seed.jsonl"), seedLines(30));
    const spec = {
      name: "run cli",
      generators: [{ id: "local-llm", provider: "openai-compatible", model: "test-model", baseUrl: server.openaiBaseUrl, apiKeyEnv: "AGORA_TEST_KEY", price: { inputPer1M: 1, outputPer1M: 2 }, limits: { concurrency: 4 } }],
      settings: [{ domain: "math", method: "response_generation", seed: { file: "seed.jsonl" }, instances: 30 }],
      budget: { maxUsd: 5 },
    };
    writeFileSync(join(dir, "exp.agora.json"), JSON.stringify(spec, null, 2));
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts a detached run, follows it to the end, and a resume pays nothing twice", async () => {
    const started = agora(dir, "run", "exp.agora.json", "--setting", "math/response_generation", "--detach", "--json");
    assert.equal(started.code, 0, started.stderr);
    const { runId, runDir, pid } = JSON.parse(started.stdout) as { runId: string; runDir: string; pid: number };
    assert.ok(runId && pid > 0);
    assert.equal(runDir, join(dir, "runs", runId));
    const status = await waitFor(() => {
      const s = JSON.parse(agora(dir, "status", runDir, "--json").stdout) as { state: string; done: number; total: number; costUsd: number };
      return s.state === "finished" || s.state === "failed" ? s : undefined;
    }, "the run to finish");
    assert.deepEqual([status.state, status.done, status.total], ["finished", 30, 30]);
    assert.ok(status.costUsd > 0);
    const files = readdirSync(join(runDir, "data", "math.response_generation"));
    assert.deepEqual(files, ["local-llm.jsonl"]);
    const records = readFileSync(join(runDir, "data", "math.response_generation", "local-llm.jsonl"), "utf8").trim().split("\n");
    assert.equal(records.length, 30);
    const before = server.stats();
    const resumed = agora(dir, "resume", runDir);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(server.stats(), before, "a resume of a finished run must not call the API");
    assert.ok(!readFileSync(join(runDir, "events.jsonl"), "utf8").includes("sk-test-run-cli"), "the key must never reach the run folder");
  });

  it("refuses hosts that are not defined, and generation away from this machine, clearly", () => {
    const r = agora(dir, "run", "exp.agora.json", "--stages", "all", "--host", "gpu-box");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Host "gpu-box" \(the train stage\) is not defined in .*agora\.hosts\.json \(known: local\)/);
    writeFileSync(join(dir, "agora.hosts.json"), JSON.stringify({ hosts: [{ name: "box", kind: "ssh", host: "127.0.0.1", user: "u" }] }));
    const spec = JSON.parse(readFileSync(join(dir, "exp.agora.json"), "utf8"));
    spec.settings[0].host = "box";
    writeFileSync(join(dir, "remote-gen.agora.json"), JSON.stringify(spec));
    const g = agora(dir, "run", "remote-gen.agora.json");
    assert.equal(g.code, 1);
    assert.match(g.stderr, /Host "box" for the generate stage of math\.response_generation: generation runs in the engine on this machine/);
    rmSync(join(dir, "agora.hosts.json"));
    assert.match(agora(dir, "run", "exp.agora.json", "--generator", "nope").stderr, /no generator "nope"/);
  });

  it("cancels a running engine and leaves the run resumable", async () => {
    await server.close();
    server = await startLlmTestServer({ apiKey: "sk-test-run-cli", latency: { medianMs: 400 } });
    const spec = JSON.parse(readFileSync(join(dir, "exp.agora.json"), "utf8"));
    spec.generators[0].baseUrl = server.openaiBaseUrl;
    spec.generators[0].limits = { concurrency: 1 };
    writeFileSync(join(dir, "slow.agora.json"), JSON.stringify(spec));
    const { runDir } = JSON.parse(agora(dir, "run", "slow.agora.json", "--detach", "--json").stdout) as { runDir: string };
    const eventsText = (): string => {
      try {
        return readFileSync(join(runDir, "events.jsonl"), "utf8");
      } catch {
        return ""; // not written yet
      }
    };
    await waitFor(() => (eventsText().includes('"progress"') ? true : undefined), "the engine to make progress");
    const c = agora(dir, "cancel", runDir);
    assert.equal(c.code, 0, c.stderr);
    const s = JSON.parse(agora(dir, "status", runDir, "--json").stdout) as { state: string; done: number };
    assert.equal(s.state, "cancelled");
    assert.ok(s.done < 30);
  });
});
