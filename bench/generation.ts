/**
 * `npm run bench:gen` — the generation engine against the local LLM server.
 *  1. Throughput vs. the enforced ceiling: the server admits N requests/min (a token bucket with one
 *     second of burst, checked on arrival; the rest get 429) with a lognormal latency, and the engine
 *     (`agora generate` as its own process, the same N in the spec) should reach ≥ 0.95 of it. Measured
 *     at the server, in steady state: admitted requests per second from 3 s after the first admission
 *     (past the initial burst, which a token bucket allows once and would flatter the ratio) to the last.
 *     Baseline in the same run: a sequential loop over the same SDK and server → speed-up.
 *  2. Engine cost per item: `agora generate` as its own process on runs of growing size — CPU ms per
 *     item and peak RSS (target < 250 MB and flat in item count).
 * Args: --rpm N (default 1200) --seconds S (default 30) --sizes 10000,100000 (or none); --cli <path> runs
 * another build of the CLI instead of building dist/cli.js (to compare two versions of the engine).
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { parseEvents } from "../src/core/run/events";
import { RUN_FILES } from "../src/core/run/layout";
import { startLlmTestServer } from "../test/support/llm-test-server";
import { generator, makeRun } from "../test/support/run-folder";

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const RPM = Number(arg("rpm", "1200"));
const SECONDS = Number(arg("seconds", "30"));
const SIZES = arg("sizes", "10000,100000").split(",").filter((s) => s !== "none").map(Number);
const LATENCY = { medianMs: 400, sigma: 0.5 };
/** Start of the steady-state window, after the first admission: the bucket's one-second burst and the ramp-up. */
const WARMUP_MS = 3000;
const env = { AGORA_TEST_KEY: "sk-bench-0000000000" };
const root = join(__dirname, "..");
const CLI = arg("cli", "");

/** Runs `agora generate` on a run folder as its own process; its last "engine: cpu" log line. */
async function engineProcess(runDir: string, args: string[]): Promise<{ code: number | null; wall: number; cpuMs: number; rssMb: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [CLI || join(root, "dist/cli.js"), "generate", "--run-dir", runDir, ...args], { env: { ...process.env, ...env }, stdio: "ignore" });
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  const wall = (Date.now() - t0) / 1000;
  const { events } = parseEvents(readFileSync(join(runDir, RUN_FILES.events), "utf8"));
  const log = events.filter((e) => e.type === "log" && /engine: cpu/.test(e.message)).at(-1);
  const m = log && log.type === "log" ? /cpu (\d+) ms, max RSS (\d+) MB/.exec(log.message) : null;
  return { code, wall, cpuMs: m ? Number(m[1]) : NaN, rssMb: m ? Number(m[2]) : NaN };
}

async function throughput(): Promise<void> {
  const items = Math.round((RPM / 60) * SECONDS);
  const srv = await startLlmTestServer({ requestsPerMinute: RPM, latency: LATENCY, recordAdmissions: true });
  const run = await makeRun({
    name: "bench",
    generators: [generator("g", "openai", srv.openaiBaseUrl, { limits: { concurrency: 128, requestsPerMinute: RPM, tokensPerMinute: 100_000_000 } })],
    settings: [{ domain: "math", method: "instance_generation", instances: items, seed: { file: "seed.jsonl" } }],
  });
  const e = await engineProcess(run.runDir, []);
  if (e.code !== 0) throw new Error(`engine exited ${e.code}`);
  const st = srv.stats();
  const times = srv.admissionTimes();
  const from = times[0]! + WARMUP_MS;
  const to = times.at(-1)!;
  if (to - from < 5000) throw new Error(`run too short for a steady-state window (${((to - times[0]!) / 1000).toFixed(1)} s); raise --seconds`);
  const inWindow = times.filter((t) => t > from && t <= to).length;
  const steady = inWindow / ((to - from) / 1000);
  const ceiling = RPM / 60;
  const whole = st.delivered / ((st.lastDeliveryAt! - times[0]!) / 1000);
  // Baseline: a sequential loop over the same SDK and server.
  const client = new OpenAI({ apiKey: env.AGORA_TEST_KEY, baseURL: srv.openaiBaseUrl, maxRetries: 0 });
  const seqN = 20;
  const s0 = Date.now();
  for (let i = 0; i < seqN; i++) {
    await client.chat.completions.create({ model: "gpt-4o-mini-2024-07-18", messages: [{ role: "user", content: `Solve [RESULT] ${i}` }], max_tokens: 100 });
  }
  const seqRate = seqN / ((Date.now() - s0) / 1000);
  await srv.close();
  rmSync(run.root, { recursive: true, force: true });
  console.log(`throughput: ${items} items in ${e.wall.toFixed(1)} s (engine process), ceiling ${ceiling.toFixed(1)} req/s (${RPM}/min), latency median ${LATENCY.medianMs} ms`);
  console.log(
    `  achieved / ceiling            ${(steady / ceiling).toFixed(3)}   (target >= 0.95; steady state ${steady.toFixed(2)} req/s over ${((to - from) / 1000).toFixed(1)} s; ${st.rateLimited} x 429 from the server)`,
  );
  console.log(`  whole run incl. burst + tail  ${(whole / ceiling).toFixed(3)}   (${whole.toFixed(2)} deliveries/s from the first admission to the last delivery)`);
  console.log(`  speed-up vs sequential loop   ${(steady / seqRate).toFixed(1)}x  (sequential ${seqRate.toFixed(2)} req/s)`);
}

async function costPerItem(n: number): Promise<{ cpuMsPerItem: number; rssMb: number; wall: number }> {
  const srv = await startLlmTestServer();
  const run = await makeRun({
    name: "bench-mem",
    generators: [generator("g", "openai", srv.openaiBaseUrl, { limits: { concurrency: 32, requestsPerMinute: 1_000_000, tokensPerMinute: 100_000_000 } })],
    settings: [{ domain: "math", method: "instance_generation", instances: n, seed: { file: "seed.jsonl" } }],
  });
  const e = await engineProcess(run.runDir, ["--no-stream"]);
  await srv.close();
  rmSync(run.root, { recursive: true, force: true });
  if (e.code !== 0 || !Number.isFinite(e.cpuMs)) throw new Error(`engine exited ${e.code}`);
  return { cpuMsPerItem: e.cpuMs / n, rssMb: e.rssMb, wall: e.wall };
}

async function main(): Promise<void> {
  if (!CLI) execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "ignore" });
  await throughput();
  const rows: { n: number; cpuMsPerItem: number; rssMb: number; wall: number }[] = [];
  for (const n of SIZES) rows.push({ n, ...(await costPerItem(n)) });
  if (!rows.length) return;
  console.log("engine process (agora generate, non-streaming, server without latency):");
  for (const r of rows) console.log(`  ${String(r.n).padStart(7)} items: ${r.cpuMsPerItem.toFixed(3)} CPU ms/item, peak RSS ${r.rssMb} MB, ${r.wall.toFixed(1)} s wall`);
  if (rows.length > 1) console.log(`  peak RSS ratio ${rows.at(-1)!.n}/${rows[0]!.n} items: ${(rows.at(-1)!.rssMb / rows[0]!.rssMb).toFixed(2)} (flat = ~1; target < 250 MB)`);
}

void main();
