/**
 * The whole pipeline — generate → prepare → train → evaluate → score — through the built `agora` CLI, on
 * the local host, the test sshd on 127.0.0.1 and single-node Slurm. Generation goes through the real
 * OpenAI SDK to the local LLM test server; train and evaluate run the stand-in GPU tools
 * (test/fixtures/stand-ins), which write result files in the real tools' formats. Everything else is the
 * production path: recipes, detached jobs, log streaming, result download, parsers, scores.json, PGR.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { processAlive } from "../../../src/core/io/process";
import { ScoresFile, computePgr } from "../../../src/core/pgr";
import { TaskState } from "../../../src/pipeline/task-state";
import { startLlmTestServer, type LlmTestServer } from "../../support/llm-test-server";
import { makePipelineWorkspace, REMOTE_PATH, TEST_KEY, waitFor, type PipelineWorkspace } from "../../support/pipeline-workspace";
import { ensureServices, sshdSessionPids, type TestServices } from "../../support/services";
import { copyArenaHard } from "../../support/stand-ins";

const task = (runDir: string, id: string): TaskState => TaskState.parse(JSON.parse(readFileSync(join(runDir, "stages", id, "task.json"), "utf8")));
const runDirFrom = (out: string): string => (JSON.parse(out.trim().split("\n")[0]!) as { runDir: string }).runDir;

function scores(runDir: string): ScoresFile {
  return ScoresFile.parse(JSON.parse(readFileSync(join(runDir, "scores.json"), "utf8")));
}

/** The stand-ins score base 30 %, student 45 %, reference 60 % (± a per-benchmark bump): PGR 50 % everywhere. */
function assertPgr50(runDir: string, generator: string, method: string, domain: string): void {
  const table = computePgr(scores(runDir));
  const m = table.generators.find((g) => g.generator === generator)?.methods[method as "instance_generation"];
  const d = m?.domains[domain as "math"];
  assert.ok(d, `no PGR for ${generator}/${method}/${domain}: ${JSON.stringify(table)}`);
  assert.ok(Math.abs(d.pgr - 50) < 1e-9, `PGR ${d.pgr}`);
}


describe("pipeline: local host (agora run --stages all)", function () {
  this.timeout(180_000);
  let server: LlmTestServer;
  let ws: PipelineWorkspace;

  before(async () => {
    server = await startLlmTestServer({ apiKey: TEST_KEY });
    ws = makePipelineWorkspace({ baseUrl: server.openaiBaseUrl, evaluation: { benchmarks: [{ id: "gsm8k" }, { id: "math" }] } });
  });
  after(async () => {
    await server?.close();
    rmSync(ws.dir, { recursive: true, force: true });
  });

  it("generates, prepares, trains, evaluates base/reference/student and writes scores.json with PGR", async () => {
    const r = await ws.agora("run", "exp.agora.json", "--stages", "all", "--json");
    assert.equal(r.code, 0, r.stderr);
    const runDir = runDirFrom(r.stdout);
    const ev = ws.events(runDir);
    const finished = ev.filter((e) => e.type === "stage.finished" && e.task).map((e) => (e.type === "stage.finished" ? [e.task, e.ok] : []));
    const ids = [
      "prepare/math.instance_generation/local-llm",
      "train/math.instance_generation/local-llm",
      "evaluate/math.instance_generation/local-llm/gsm8k",
      "evaluate/math.instance_generation/local-llm/math",
      "evaluate/base/gsm8k",
      "evaluate/base/math",
      "evaluate/reference/gsm8k",
      "evaluate/reference/math",
      "score",
    ];
    assert.deepEqual(finished.map(([id]) => id).sort(), [...ids].sort());
    assert.ok(finished.every(([, ok]) => ok === true), JSON.stringify(finished));
    assert.equal(ev.at(-1)?.type, "run.finished");
    // Instance generation trains on the generated items plus the seed set, as the paper does.
    const prep = JSON.parse(readFileSync(join(runDir, "stages/prepare/math.instance_generation/local-llm/prepare.json"), "utf8")) as { counts: { written: number; fromSeed: number } };
    assert.equal(prep.counts.fromSeed, 12);
    assert.equal(prep.counts.written, 20);
    // The resolved command is recorded, with the paper's hyperparameters.
    const recipe = JSON.parse(readFileSync(join(runDir, "stages/train/math.instance_generation/local-llm/recipe.json"), "utf8")) as { command: string; origin: string };
    assert.equal(recipe.origin, "default");
    assert.match(recipe.command, /^trl sft --model_name_or_path meta-llama\/Llama-3\.1-8B .*--num_train_epochs 5 --learning_rate 0\.00001/s);
    assert.match(readFileSync(join(runDir, "stages/train/math.instance_generation/local-llm/job.log"), "utf8"), /\[trl\] 100%/);
    const s = scores(runDir);
    assert.deepEqual(Object.keys(s.base).sort(), ["gsm8k", "math"]);
    assert.deepEqual(Object.keys(s.students["local-llm"]!.instance_generation!).sort(), ["gsm8k", "math"]);
    assertPgr50(runDir, "local-llm", "instance_generation", "math");
    const st = JSON.parse((await ws.agora("status", runDir, "--json")).stdout) as { state: string; tasks: { id: string; state: string }[] };
    assert.equal(st.state, "finished");
    assert.equal(st.tasks.length, 9);
    assert.ok(st.tasks.every((t) => t.state === "finished"));
    assert.ok(!readFileSync(join(runDir, "events.jsonl"), "utf8").includes(TEST_KEY), "no key in the event log");
  });

  it("a run that only generated continues with --stages all; a finished run resumes to a no-op", async () => {
    const r = await ws.agora("run", "exp.agora.json", "--json");
    assert.equal(r.code, 0, r.stderr);
    const runDir = runDirFrom(r.stdout);
    assert.equal(existsSync(join(runDir, "stages", "train")), false);
    const paid = server.stats();
    const more = await ws.agora("resume", runDir, "--stages", "all");
    assert.equal(more.code, 0, more.stderr);
    assertPgr50(runDir, "local-llm", "instance_generation", "math");
    assert.deepEqual(server.stats(), paid, "continuing the pipeline requested nothing again");
    // Base and reference scores do not depend on the generator: the first test's evaluations are reused.
    const reused = ws.events(runDir).filter((e) => e.type === "stage.finished" && /reused from \S+ \(evaluation\.reuseBaselines\)/.test(e.message ?? ""));
    assert.deepEqual(reused.map((e) => e.task).sort(), ["evaluate/base/gsm8k", "evaluate/base/math", "evaluate/reference/gsm8k", "evaluate/reference/math"]);
    assert.equal(existsSync(join(runDir, "stages/evaluate/base/gsm8k/job.log")), false, "no job ran for a reused baseline");
    const starts = (): number => ws.events(runDir).filter((e) => e.type === "stage.started").length;
    const before = starts();
    assert.equal((await ws.agora("resume", runDir)).code, 0);
    const again = ws.events(runDir).filter((e) => e.type === "stage.started").slice(before);
    assert.deepEqual(again.map((e) => e.task ?? e.stage), ["generate", "score"], "only generate (which finds everything stored) and score run again");
    assert.equal(task(runDir, "train/math.instance_generation/local-llm").attempt, 1);
  });

  it("refuses stages whose inputs are missing, and hosts that do not exist, with clear errors", async () => {
    const r = await ws.agora("run", "exp.agora.json", "--stages", "train,evaluate");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /have not finished in this run folder.*prepare \(prepare\/math\.instance_generation\/local-llm\)/s);
    const h = await ws.agora("run", "exp.agora.json", "--stages", "all", "--host", "gpu-box");
    assert.equal(h.code, 1);
    assert.match(h.stderr, /Host "gpu-box" \(the train stage\) is not defined/);
    assert.match((await ws.agora("run", "exp.agora.json", "--stages", "bogus")).stderr, /Unknown stage "bogus"/);
  });

  it("FAULT: a failing evaluator gives a clear event and a failed, resumable run; resume redoes only what failed", async () => {
    const failing = makePipelineWorkspace({ baseUrl: server.openaiBaseUrl, evaluation: { benchmarks: [{ id: "gsm8k" }, { id: "math" }] }, standIns: { fail: ["lm_eval"] } });
    try {
      const r = await failing.agora("run", "exp.agora.json", "--stages", "all", "--json");
      assert.equal(r.code, 1, r.stderr);
      const runDir = runDirFrom(r.stdout);
      const bad = failing.events(runDir).find((e) => e.type === "stage.finished" && !e.ok);
      assert.ok(bad && bad.type === "stage.finished");
      assert.equal(bad.exitCode, 1);
      assert.match(bad.message ?? "", /evaluate\/.* on local failed with exit code 1\.\nERROR: lm_eval stand-in failing on purpose/);
      assert.match(bad.message ?? "", /Resume the run to start it again/);
      const end = failing.events(runDir).at(-1);
      assert.ok(end?.type === "run.finished" && !end.ok && /^6 task\(s\) failed: .*; 1 skipped because of them/.test(end.message ?? ""), JSON.stringify(end));
      assert.ok(failing.events(runDir).some((e) => e.type === "task.skipped" && e.task === "score" && /score skipped: it needs .*evaluate\/base\/gsm8k/.test(e.reason)));
      // Fixed (the tool works again): resume starts the six failed evaluations, not the training.
      failing.env.AGORA_STANDIN_FAIL = "";
      const again = await failing.agora("resume", runDir);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(task(runDir, "train/math.instance_generation/local-llm").attempt, 1);
      assert.equal(task(runDir, "evaluate/base/gsm8k").attempt, 2);
      assert.ok(existsSync(join(runDir, "stages/evaluate/base/gsm8k/job.log.1")), "the failed attempt's log is kept");
      assertPgr50(runDir, "local-llm", "instance_generation", "math");
    } finally {
      rmSync(failing.dir, { recursive: true, force: true });
    }
  });
});

describe("pipeline: SSH host (real sshd on 127.0.0.1)", function () {
  this.timeout(240_000);
  let services: TestServices;
  let server: LlmTestServer;
  let ws: PipelineWorkspace;
  const remote = mkdtempSync(join(tmpdir(), "agora-remote-work-"));
  const sshHost = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    name: "gpu-box",
    kind: "ssh",
    host: "127.0.0.1",
    port: services.sshPort,
    user: services.sshUser,
    identityFile: services.sshKey,
    knownHostsFile: services.knownHosts,
    workDir: remote,
    env: { PATH: REMOTE_PATH, AGORA_STANDIN_SLEEP_MS: "10" },
    // Evaluations of base, reference and student run side by side (training still comes first).
    maxJobs: 3,
    ...extra,
  });

  before(async function () {
    const s = ensureServices();
    if (!s) this.skip();
    services = s!;
    server = await startLlmTestServer({ apiKey: TEST_KEY });
    ws = makePipelineWorkspace({
      baseUrl: server.openaiBaseUrl,
      settings: [{ domain: "code", method: "response_generation", seed: { file: "seed.jsonl" }, instances: 6 }],
      student: { host: "gpu-box", training: { recipe: "llama-factory" } },
      evaluation: { host: "gpu-box", benchmarks: [{ id: "mbpp" }, { id: "humaneval" }] },
      extraEnv: { HF_TOKEN: "hf_test_token_never_on_disk" },
    });
    ws.writeHosts([{ name: "local", kind: "local" }, sshHost()]);
  });
  after(async () => {
    await server?.close();
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
    rmSync(remote, { recursive: true, force: true });
  });

  it("trains and evaluates over SSH: jobs in the host's workDir, logs and results copied back, PGR", async () => {
    const r = await ws.agora("run", "exp.agora.json", "--stages", "all", "--json");
    assert.equal(r.code, 0, `${r.stderr}\n${JSON.stringify(ws.events(runDirFrom(r.stdout)).filter((e) => e.type === "stage.finished" || e.type === "error"))}`);
    const runDir = runDirFrom(r.stdout);
    const runId = runDir.split("/").pop()!;
    const train = task(runDir, "train/code.response_generation/local-llm");
    assert.equal(train.host, "gpu-box");
    assert.equal(train.remoteDir, `${remote}/${runId}/stages/train/code.response_generation/local-llm`);
    // The prepared data went up by SFTP; LLaMA-Factory's YAML names it; the checkpoint stays on the host.
    assert.ok(existsSync(join(train.remoteDir!, "data", "train.jsonl")));
    assert.ok(existsSync(join(train.remoteDir!, "data", "dataset_info.json")));
    assert.ok(existsSync(join(train.remoteDir!, "model", "config.json")));
    assert.match(readFileSync(join(runDir, "stages/train/code.response_generation/local-llm/train.yaml"), "utf8"), new RegExp(`dataset_dir: "${train.remoteDir}/data"`));
    assert.equal(readFileSync(join(runDir, "stages/train/code.response_generation/local-llm/job.log"), "utf8"), readFileSync(join(train.remoteDir!, "job.log"), "utf8"), "the local log copy is the remote log");
    const ev = readdirSync(join(runDir, "stages/evaluate/code.response_generation/local-llm/humaneval/results"), { recursive: true }).map(String);
    assert.ok(ev.some((f) => f.endsWith("eval_results.json")), ev.join(","));
    assertPgr50(runDir, "local-llm", "response_generation", "code");
    // HF_TOKEN reached the jobs' environment without being written anywhere.
    for (const dir of [runDir, join(remote, runId)]) {
      const hit = filesUnder(dir).find((f) => readFileSync(f, "utf8").includes("hf_test_token_never_on_disk"));
      assert.equal(hit, undefined, `the token was written to ${hit}`);
    }
    const logs = await ws.agora("logs", runDir, "train/code.response_generation/local-llm");
    assert.match(logs.stdout, /\[llamafactory-cli\] 100%/);
  });

  it("FAULT: the SSH link drops mid-training; the engine reconnects, the job finishes and its exit code is seen", async () => {
    ws.writeHosts([{ name: "local", kind: "local" }, sshHost({ env: { PATH: REMOTE_PATH, AGORA_STANDIN_SLEEP_MS: "400" } })]);
    const r = await ws.agora("run", "exp.agora.json", "--stages", "all", "--detach", "--json");
    assert.equal(r.code, 0, r.stderr);
    const runDir = runDirFrom(r.stdout);
    const trainLog = join(runDir, "stages/train/code.response_generation/local-llm/job.log");
    await waitFor(() => existsSync(trainLog) && /\[llamafactory-cli\] 20%/.test(readFileSync(trainLog, "utf8")), "training to make progress");
    const killed = sshdSessionPids(services);
    assert.ok(killed.length > 0);
    for (const pid of killed) process.kill(pid, "SIGKILL");
    await waitFor(async () => ["finished", "failed"].includes((JSON.parse((await ws.agora("status", runDir, "--json")).stdout) as { state: string }).state), "the run to end");
    const train = task(runDir, "train/code.response_generation/local-llm");
    assert.deepEqual([train.state, train.exitCode, train.attempt], ["finished", 0, 1]);
    const local = readFileSync(trainLog, "utf8");
    assert.equal(local, readFileSync(join(train.remoteDir!, "job.log"), "utf8"), "no byte lost or repeated across the drop");
    assert.equal((local.match(/\[llamafactory-cli\] 100%/g) ?? []).length, 1);
    assert.equal((JSON.parse((await ws.agora("status", runDir, "--json")).stdout) as { state: string }).state, "finished");
  });

  it("FAULT: the engine is killed mid-training; resume reattaches to the running job and continues its log", async () => {
    ws.writeHosts([{ name: "local", kind: "local" }, sshHost({ env: { PATH: REMOTE_PATH, AGORA_STANDIN_SLEEP_MS: "400" } })]);
    const r = await ws.agora("run", "exp.agora.json", "--stages", "all", "--detach", "--json");
    const { runDir, pid } = JSON.parse(r.stdout) as { runDir: string; pid: number };
    const trainLog = join(runDir, "stages/train/code.response_generation/local-llm/job.log");
    await waitFor(() => existsSync(trainLog) && /\[llamafactory-cli\] 20%/.test(readFileSync(trainLog, "utf8")), "training to make progress");
    process.kill(pid, "SIGKILL");
    await waitFor(() => !processAlive(pid), "the engine to die");
    const jobPid = task(runDir, "train/code.response_generation/local-llm").handle!.pid!;
    assert.ok(processAlive(jobPid), "the training job outlives its engine");
    const resumed = await ws.agora("resume", runDir);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.ok(ws.events(runDir).some((e) => e.type === "log" && /reattaching to process \d+ on gpu-box \(log from byte [1-9]\d*\)/.test(e.message)));
    const train = task(runDir, "train/code.response_generation/local-llm");
    assert.deepEqual([train.state, train.attempt], ["finished", 1]);
    assert.equal(readFileSync(trainLog, "utf8"), readFileSync(join(train.remoteDir!, "job.log"), "utf8"));
    assertPgr50(runDir, "local-llm", "response_generation", "code");
  });

  it("cancel kills the remote process tree and leaves the run resumable", async () => {
    ws.writeHosts([{ name: "local", kind: "local" }, sshHost({ env: { PATH: REMOTE_PATH, AGORA_STANDIN_SLEEP_MS: "3000" } })]);
    const r = await ws.agora("run", "exp.agora.json", "--stages", "all", "--detach", "--json");
    const { runDir } = JSON.parse(r.stdout) as { runDir: string };
    const trainDir = join(runDir, "stages/train/code.response_generation/local-llm");
    await waitFor(() => existsSync(join(trainDir, "job.log")) && readFileSync(join(trainDir, "job.log"), "utf8").includes("Loading"), "training to start");
    const jobPid = task(runDir, "train/code.response_generation/local-llm").handle!.pid!;
    const group = (): number[] =>
      readdirSync("/proc")
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            const stat = readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]!.split(" ");
            return stat[2] === String(jobPid) && stat[0] !== "Z";
          } catch {
            return false;
          }
        })
        .map(Number);
    assert.ok(group().length >= 2, "the job runs as its own process group (wrapper, stage script, trainer)");
    const c = await ws.agora("cancel", runDir, "--json");
    assert.equal(c.code, 0, c.stderr);
    // Training and the base/reference evaluations running beside it (maxJobs 3) are all cancelled.
    const cancelled = (JSON.parse(c.stdout) as { cancelled: string[] }).cancelled;
    assert.ok(cancelled.includes("train/code.response_generation/local-llm"), cancelled.join(", "));
    await waitFor(() => group().length === 0, "the remote process group to be gone", 10_000);
    for (const id of cancelled) assert.equal(task(runDir, id).state, "cancelled");
    assert.equal((JSON.parse((await ws.agora("status", runDir, "--json")).stdout) as { state: string }).state, "cancelled");
    ws.writeHosts([{ name: "local", kind: "local" }, sshHost()]);
    const resumed = await ws.agora("resume", runDir);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual([task(runDir, "train/code.response_generation/local-llm").state, task(runDir, "train/code.response_generation/local-llm").attempt], ["finished", 2]);
    assertPgr50(runDir, "local-llm", "response_generation", "code");
  });

  it("an unknown host key stops the task with its fingerprint; `agora hosts trust` with that fingerprint fixes it", async () => {
    const kh = join(ws.dir, "empty_known_hosts");
    ws.writeHosts([{ name: "local", kind: "local" }, sshHost({ knownHostsFile: kh })]);
    const run = await ws.agora("run", "exp.agora.json", "--stages", "all", "--json");
    assert.equal(run.code, 1);
    const runDir = runDirFrom(run.stdout);
    const refused = ws.events(runDir).find((e) => e.type === "stage.finished" && e.task?.startsWith("train/"));
    assert.ok(refused?.type === "stage.finished" && !refused.ok);
    assert.match(refused.message ?? "", /could not start on gpu-box: The authenticity of host \[127\.0\.0\.1\]:\d+ can't be established: ssh-ed25519 key fingerprint is SHA256:/);
    const t = await ws.agora("hosts", "test", "gpu-box", "--json");
    assert.equal(t.code, 4);
    const res = JSON.parse(t.stdout) as { ok: boolean; hostKey: { fingerprint: string; state: string } };
    assert.equal(res.hostKey.state, "unknown");
    const wrong = await ws.agora("hosts", "trust", "gpu-box", "--fingerprint", "SHA256:not-the-key");
    assert.equal(wrong.code, 4);
    assert.equal(existsSync(kh), false, "nothing trusted on a mismatch");
    const ok = await ws.agora("hosts", "trust", "gpu-box", "--fingerprint", res.hostKey.fingerprint);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((await ws.agora("hosts", "test", "gpu-box")).code, 0);
    const g = JSON.parse((await ws.agora("hosts", "gpus", "gpu-box", "--json")).stdout) as { gpus: unknown[]; message: string };
    assert.deepEqual([g.gpus.length, g.message], [0, "no GPU (nvidia-smi not found)"]);
    const resumed = await ws.agora("resume", runDir);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(task(runDir, "train/code.response_generation/local-llm").attempt, 2);
  });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe("pipeline: Slurm (single node, fake GPU gres)", function () {
  this.timeout(300_000);
  let services: TestServices;
  let server: LlmTestServer;
  let ws: PipelineWorkspace;
  const work = mkdtempSync(join(tmpdir(), "agora-slurm-work-"));
  let arenaHard: string;

  before(async function () {
    const s = ensureServices();
    if (!s?.slurm) this.skip();
    services = s!;
    server = await startLlmTestServer({ apiKey: TEST_KEY });
    arenaHard = copyArenaHard();
    ws = makePipelineWorkspace({
      baseUrl: server.openaiBaseUrl,
      settings: [{ domain: "instruction_following", method: "quality_enhancement", seed: { file: "seed.jsonl" }, instances: 6 }],
      student: { host: "cluster", training: { recipe: "axolotl" } },
      evaluation: { host: "cluster" },
      standIns: { arenaHardDir: arenaHard },
      extraEnv: { SLURM_CONF: services.slurmConf },
    });
  });
  const slurmHost = { name: "cluster", kind: "slurm", partition: "debug", gpusPerJob: 1, time: "0:10:00", memory: "200M", workDir: work };
  after(async () => {
    await server?.close();
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it("through an SSH login node: sbatch with gres GPUs, follows the jobs, scores AlpacaEval and Arena-Hard", async () => {
    // sbatch runs on the login node (the test sshd), so the job's environment comes from the hosts file.
    ws.writeHosts([
      { name: "local", kind: "local" },
      { name: "login", kind: "ssh", host: "127.0.0.1", port: services.sshPort, user: services.sshUser, identityFile: services.sshKey, knownHostsFile: services.knownHosts },
      { ...slurmHost, via: "login", env: { SLURM_CONF: services.slurmConf, PATH: REMOTE_PATH, ARENA_HARD_DIR: arenaHard, AGORA_STANDIN_SLEEP_MS: "10" } },
    ]);
    const r = await ws.agora("run", "exp.agora.json", "--stages", "all", "--json");
    const runDir = runDirFrom(r.stdout);
    assert.equal(r.code, 0, `${r.stderr}\n${JSON.stringify(ws.events(runDir).filter((e) => e.type === "stage.finished" && !e.ok))}`);
    const train = task(runDir, "train/instruction_following.quality_enhancement/local-llm");
    assert.equal(train.handle?.kind, "slurm");
    assert.match(train.handle?.jobId ?? "", /^\d+$/);
    assert.match(readFileSync(join(train.remoteDir!, "job.sh"), "utf8"), /#SBATCH --gres=gpu:1\n/);
    assert.ok(ws.events(runDir).some((e) => e.type === "stage.started" && e.task === "evaluate/reference/arenahard" && /^\d+$/.test(e.jobId ?? "")));
    // Result files came back through the login node.
    assert.ok(existsSync(join(runDir, "stages/evaluate/reference/arenahard/results")), "Arena-Hard results copied back");
    assert.ok(filesUnder(join(runDir, "stages/evaluate/base/alpacaeval2/results")).some((f) => f.endsWith("leaderboard.csv")));
    const s = scores(runDir);
    assert.deepEqual(Object.keys(s.reference).sort(), ["alpacaeval2", "arenahard"]);
    assertPgr50(runDir, "local-llm", "quality_enhancement", "instruction_following");
  });

  it("on this machine: cancel scancels the run's Slurm jobs", async () => {
    ws.writeHosts([{ name: "local", kind: "local" }, slurmHost]);
    ws.env.AGORA_STANDIN_SLEEP_MS = "5000";
    const r = await ws.agora("run", "exp.agora.json", "--stages", "all", "--detach", "--json");
    const { runDir } = JSON.parse(r.stdout) as { runDir: string };
    await waitFor(() => ws.events(runDir).some((e) => e.type === "stage.started" && e.stage === "train"), "the train job to be submitted");
    const jobId = task(runDir, "train/instruction_following.quality_enhancement/local-llm").handle!.jobId!;
    const c = await ws.agora("cancel", runDir, "--json");
    assert.equal(c.code, 0, c.stderr);
    await waitFor(() => spawnSync("squeue", ["-h", "-j", jobId, "-o", "%T"], { encoding: "utf8", env: { ...process.env, SLURM_CONF: services.slurmConf } }).stdout.trim() === "", "the job to leave the queue", 20_000);
    assert.equal(task(runDir, "train/instruction_following.quality_enhancement/local-llm").state, "cancelled");
    ws.env.AGORA_STANDIN_SLEEP_MS = "10";
  });
});
