/**
 * `npm run bench:ui` — the workbench's own costs, printed as figures and ratios against baselines measured
 * in the same run:
 *  1. Bundle size of the production extension bundle (budget 2 MB).
 *  2. Activation: a fresh Node process requires the production bundle and calls activate() with a stub
 *     `vscode` (bench/vscode-stub.cjs); median of N cold starts (budget 100 ms). Baseline: a minimal
 *     extension bundle (one command) measured the same way. The e2e suite reports the time real VS Code
 *     shows in "Developer: Show Running Extensions" for comparison.
 *  3. Tree refresh with 500 runs: RunIndex scan (cold, unchanged, 10 runs appended) + building every Runs
 *     view item. Baseline: re-reading and folding every events.jsonl in full on each refresh.
 * Args: --runs N (default 500) --starts N (default 7)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { buildSync } from "esbuild";
import { EventLog } from "../src/core/run/event-log";
import { parseEvents, summarizeEvents } from "../src/core/run/events";

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const RUNS = Number(arg("runs", "500"));
const STARTS = Number(arg("starts", "7"));
const root = join(__dirname, "..");
const tmp = mkdtempSync(join(tmpdir(), "agora-bench-ui-"));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number): string => `${x.toFixed(1)} ms`;

function bundle(entry: string, outfile: string): number {
  buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    external: ["vscode", "cpu-features"],
    mainFields: ["module", "main"],
    loader: { ".md": "text", ".node": "empty" },
    absWorkingDir: root,
    logLevel: "warning",
  });
  return statSync(outfile).size;
}

/** Cold start in a fresh process: require(bundle) + activate(context), timed inside that process. */
function activationMs(bundleFile: string, workspace: string): { requireMs: number; activateMs: number } {
  const script = `
    const { installVscodeStub } = require(${JSON.stringify(join(root, "bench", "vscode-stub.cjs"))});
    const { context } = installVscodeStub(${JSON.stringify(workspace)});
    const { performance } = require("node:perf_hooks");
    const t0 = performance.now();
    const ext = require(${JSON.stringify(bundleFile)});
    const t1 = performance.now();
    ext.activate(context);
    const t2 = performance.now();
    process.stdout.write(JSON.stringify({ requireMs: t1 - t0, activateMs: t2 - t1 }));
    process.exit(0);`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`activation probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { requireMs: number; activateMs: number };
}

function makeRuns(dir: string, n: number): void {
  for (let i = 0; i < n; i++) {
    const runDir = join(dir, `20260101-${String(i).padStart(6, "0")}-math.instance_generation-g${i % 7}-${i.toString(16)}`);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(
      join(runDir, "plan.json"),
      JSON.stringify({ spec: { path: "/ws/exp.agora.json", name: "bench" }, settings: [{ id: "math.instance_generation", domain: "math", method: "instance_generation", generators: [`g${i % 7}`], host: "local" }], hosts: { generate: "local" } }),
    );
    const log = new EventLog(runDir);
    log.emit({ type: "run.started", runId: `run-${i}`, host: "local" });
    log.emit({ type: "stage.started", stage: "generate" });
    for (let k = 1; k <= 40; k++) log.emit({ type: "progress", stage: "generate", setting: "math.instance_generation", generator: `g${i % 7}`, done: k * 25, total: 1000, costUsd: k * 0.01, throughputPerMin: 120 });
    if (i % 5 !== 0) {
      log.emit({ type: "stage.finished", stage: "generate", exitCode: 0, ok: true });
      log.emit({ type: "run.finished", ok: true, costUsd: 0.4 });
    }
  }
}

async function main(): Promise<void> {
  console.log(`bench:ui — node ${process.version}, ${RUNS} runs, ${STARTS} cold starts each\n`);

  // 1. Bundle size.
  const ext = join(tmp, "extension.js");
  const size = bundle(join(root, "src/extension/extension.ts"), ext);
  const minimalSrc = join(tmp, "minimal.ts");
  writeFileSync(minimalSrc, `import * as vscode from "vscode";\nexport function activate(c: vscode.ExtensionContext): void { c.subscriptions.push(vscode.commands.registerCommand("x.y", () => 1)); }\n`);
  const minimal = join(tmp, "minimal.js");
  const minimalSize = bundle(minimalSrc, minimal);
  console.log("bundle (production, minified)");
  console.log(`  dist/extension.js         ${(size / 1024).toFixed(0)} KiB  (budget 2048 KiB → ${((100 * size) / (2 * 1024 * 1024)).toFixed(0)} % of budget)`);
  console.log(`  minimal extension         ${(minimalSize / 1024).toFixed(1)} KiB\n`);

  // 2. Activation (cold process each time).
  const ws = join(tmp, "ws");
  mkdirSync(ws);
  const probe = (file: string) => Array.from({ length: STARTS }, () => activationMs(file, ws));
  const ours = probe(ext);
  const base = probe(minimal);
  const total = (xs: { requireMs: number; activateMs: number }[]) => median(xs.map((x) => x.requireMs + x.activateMs));
  console.log("activation (require bundle + activate(), stub vscode, median)");
  console.log(`  AgoraBench                ${ms(total(ours))}  (require ${ms(median(ours.map((x) => x.requireMs)))}, activate ${ms(median(ours.map((x) => x.activateMs)))}; budget 100 ms)`);
  console.log(`  minimal extension         ${ms(total(base))}`);
  console.log(`  ratio                     ${(total(ours) / Math.max(total(base), 0.01)).toFixed(1)}× the minimal extension\n`);

  // 3. Tree refresh with RUNS run folders.
  const runs = join(tmp, "runs");
  mkdirSync(runs);
  makeRuns(runs, RUNS);
  const req = createRequire(__filename);
  (req(join(root, "bench", "vscode-stub.cjs")) as { installVscodeStub(ws?: string): unknown }).installVscodeStub(ws);
  const { RunIndex } = await import("../src/extension/run-index.js");
  const { RunsTreeProvider } = await import("../src/extension/runs-tree.js");
  const index = new RunIndex({ checkPids: false });
  const fakeWatcher = { all: () => index.all(), get: (d: string) => index.get(d), active: () => index.active(), onDidChange: () => ({ dispose() {} }) } as unknown as ConstructorParameters<typeof RunsTreeProvider>[0];
  const provider = new RunsTreeProvider(fakeWatcher);
  const paint = (): number => {
    let n = 0;
    for (const node of provider.getChildren()) {
      provider.getTreeItem(node);
      n++;
      for (const child of provider.getChildren(node)) {
        provider.getTreeItem(child);
        n++;
      }
    }
    return n;
  };
  let t = performance.now();
  index.refresh([runs]);
  const items = paint();
  const cold = performance.now() - t;
  const unchanged: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    index.refresh([runs]);
    paint();
    unchanged.push(performance.now() - t);
  }
  const appended: number[] = [];
  const active = index.all().filter((r) => r.state === "running").slice(0, 10);
  for (let i = 0; i < 5; i++) {
    for (const r of active) new EventLog(r.runDir).emit({ type: "progress", stage: "generate", setting: "math.instance_generation", generator: "g0", done: 500 + i, total: 1000, costUsd: 0.5 });
    t = performance.now();
    index.refresh([runs]);
    paint();
    appended.push(performance.now() - t);
  }
  // Baseline: what a naive view would do on every refresh — read and fold every file in full.
  const naive: number[] = [];
  const dirs = index.all().map((r) => r.runDir);
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    for (const d of dirs) {
      summarizeEvents(parseEvents(readFileSync(join(d, "events.jsonl"), "utf8")).events);
      JSON.parse(readFileSync(join(d, "plan.json"), "utf8"));
    }
    naive.push(performance.now() - t);
  }
  console.log(`tree refresh, ${RUNS} runs (${items} tree items; median of 5)`);
  console.log(`  cold scan + paint         ${ms(cold)}`);
  console.log(`  unchanged refresh + paint ${ms(median(unchanged))}`);
  console.log(`  10 runs appended + paint  ${ms(median(appended))}`);
  console.log(`  baseline: full re-read    ${ms(median(naive))}  (no paint)`);
  console.log(`  ratio                     ${(median(naive) / Math.max(median(appended), 0.01)).toFixed(1)}× faster than re-reading everything`);
  rmSync(tmp, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  rmSync(tmp, { recursive: true, force: true });
  console.error(e);
  process.exit(1);
});
