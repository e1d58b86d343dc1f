/**
 * `agora report` and `agora samples` through the built CLI (dist/cli.js), as a user runs them.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliPath, ensureBuilt, repoRoot } from "../support/build";
import { writeItems } from "../support/samples-fixtures";

const agora = (args: string[], env: Record<string, string> = {}): string =>
  execFileSync(process.execPath, [cliPath, ...args], { cwd: repoRoot, encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });

describe("agora report / agora samples (CLI)", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), "agora-cli-report-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes every chart as SVG and PNG from a scores file (no costs there: no cost chart, and it says so)", () => {
    const out = join(dir, "figures");
    const stdout = agora(["report", join(repoRoot, "examples", "scores.json"), "--out", out, "--format", "svg,png"]);
    const files = readdirSync(out);
    for (const name of ["pgr-heatmap", "pgr-bars-math", "pgr-bars-code", "pgr-bars-instruction_following", "benchmarks-math.instance_generation"]) {
      assert.ok(files.includes(`${name}.svg`) && files.includes(`${name}.png`), name);
    }
    assert.ok(!files.some((f) => f.startsWith("pgr-vs-cost")));
    assert.match(stdout, /pgr-vs-cost: skipped \(no recorded item costs/);
    assert.ok(readFileSync(join(out, "pgr-heatmap.svg"), "utf8").startsWith("<svg"));
    assert.deepEqual([...readFileSync(join(out, "pgr-heatmap.png")).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    // The paper's numbers beside the generator it measured (gpt-4o-mini ↔ gpt-4o-mini-2024-07-18).
    assert.match(readFileSync(join(out, "pgr-bars-math.svg"), "utf8"), /gpt-4o-mini \(paper\)/);
  });

  it("charts PGR against cost from a runs folder: scores.json plus the items' recorded costs", () => {
    const run = join(dir, "runs", "r1");
    const data = join(run, "data", "math.instance_generation");
    mkdirSync(data, { recursive: true });
    copyFileSync(join(repoRoot, "examples", "scores.json"), join(run, "scores.json"));
    const items = Array.from({ length: 40 }, (_, i) => JSON.stringify({ id: `i${i}`, generator: "gpt-4o-mini", status: "valid", instruction: "q", response: "a", costUsd: 0.0004 }));
    writeFileSync(join(data, "gpt-4o-mini.jsonl"), `${items.join("\n")}\n`);
    const out = join(dir, "figures-runs");
    agora(["report", join(dir, "runs"), "--out", out]);
    const svg = readFileSync(join(out, "pgr-vs-cost.svg"), "utf8");
    assert.match(svg, /gpt-4o-mini/);
    assert.doesNotMatch(svg, /claude-sonnet/, "only generators with recorded costs are plotted");
  });

  it("pages, searches and exports a data file without reading it whole", () => {
    const f = join(dir, "items.jsonl");
    writeItems(f, 300);
    const env = { XDG_CACHE_HOME: join(dir, "cache") };
    const rows = agora(["samples", f, "--search", "variant 42", "--json"], env).trim().split("\n").map((l) => JSON.parse(l) as { line: number });
    assert.deepEqual(rows.map((r) => r.line), [42]);
    const page = agora(["samples", f, "--status", "invalid", "--page-size", "5"], env);
    assert.match(page.split("\n")[0]!, /^\d+ of 300 items · page 1 of \d+$/);
    const out = join(dir, "dupes.jsonl");
    agora(["samples", f, "--status", "duplicate", "--export", out], env);
    const src = readFileSync(f, "utf8").split("\n");
    for (const l of readFileSync(out, "utf8").trimEnd().split("\n")) assert.ok(src.includes(l));
    assert.ok(readdirSync(join(dir, "cache", "agorabench", "samples-index")).length > 0, "the index is cached");
  });
});
