import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cliPath, ensureBuilt, repoRoot } from "../support/build";

function agora(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: repoRoot, encoding: "utf8", timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("agora CLI (built bundle)", function () {
  this.timeout(60_000);
  before(ensureBuilt);

  it("prints help and exits 2 without a command", () => {
    const r = agora();
    assert.equal(r.code, 2);
    assert.match(r.stdout, /validate\s+Check experiment specs/);
    assert.match(r.stdout, /pgr\s+Compute PGR/);
  });

  it("rejects a broken spec with file:line:col for every error, exit 1", () => {
    const r = agora("validate", "test/fixtures/cli/broken.agora.json");
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split("\n");
    // Schema and semantic errors are reported together: one does not hide the other.
    assert.deepEqual(lines, [
      'test/fixtures/cli/broken.agora.json:7:118: error semantic.unknown-generator: Unknown generator "gpt5". Defined generators: "mini".',
      "test/fixtures/cli/broken.agora.json:9:25: error schema.too_small: Too small: expected number to be >=0",
      'test/fixtures/cli/broken.agora.json:10:3: error schema.unrecognized_key: Unknown property "studnet".',
    ]);
    assert.match(r.stderr, /0 of 1 file valid, 1 with errors/);
  });

  it("prints errors the contributed $agora problem matcher understands", () => {
    // The regexp VS Code applies in a task with `"problemMatcher": "$agora"` — read from the manifest, so a
    // change of either the output or the matcher breaks this test rather than users' Problems panels.
    const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      contributes: { problemMatchers: { name: string; pattern: { regexp: string; file: number; line: number; column: number; severity: number; code: number; message: number } }[] };
    };
    const matcher = manifest.contributes.problemMatchers.find((m) => m.name === "agora");
    assert.ok(matcher);
    const { pattern } = matcher;
    const r = agora("validate", "test/fixtures/cli/broken.agora.json");
    const matches = r.stdout.trim().split("\n").map((l) => new RegExp(pattern.regexp).exec(l));
    assert.equal(matches.length, 3);
    for (const m of matches) assert.ok(m, "every error line matches");
    const first = matches[0]!;
    assert.deepEqual(
      [first[pattern.file], first[pattern.line], first[pattern.column], first[pattern.severity], first[pattern.code], first[pattern.message]],
      ["test/fixtures/cli/broken.agora.json", "7", "118", "error", "semantic.unknown-generator", 'Unknown generator "gpt5". Defined generators: "mini".'],
    );
  });

  it("runs the file-based semantic rules once the schema is satisfied", () => {
    const r = agora("validate", "test/fixtures/specs/semantic-errors.agora.json");
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.stdout.trim().split("\n").map((l) => l.split(": ").slice(0, 2).join(": ").replace(/^.*?:(\d+:\d+)/, "$1")),
      ["7:76: error semantic.seed-missing", "7:118: error semantic.unknown-generator"],
    );
  });

  it("accepts every example spec and the examples' hosts file", function () {
    if (!existsSync(join(repoRoot, "examples", "experiments"))) this.skip();
    const r = agora("validate", "examples");
    assert.equal(r.stdout, "", r.stdout);
    assert.equal(r.code, 0);
    const specs = readdirSync(join(repoRoot, "examples", "experiments")).filter((f) => f.endsWith(".agora.json"));
    assert.ok(specs.length >= 9, `one spec per setting, found ${specs.length}`);
    assert.match(r.stderr, new RegExp(`^${specs.length + 1} of ${specs.length + 1} files valid`));
  });

  it("reports validation as JSON", () => {
    const r = agora("validate", "--format", "json", "test/fixtures/cli/broken.agora.json");
    const report = JSON.parse(r.stdout) as { valid: number; invalid: number; files: { diagnostics: { code: string }[] }[] };
    assert.equal(report.invalid, 1);
    assert.deepEqual(report.files[0]!.diagnostics.map((d) => d.code), ["semantic.unknown-generator", "schema.too_small", "schema.unrecognized_key"]);
  });

  it("computes and aggregates PGR as the paper does", () => {
    const r = agora("pgr", "test/fixtures/cli/scores-small.json");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /gen-a\s+Instance generation\s+50\.0\s+50\.0\s+50\.0\s+50\.0\s+44\.4/);
    assert.match(r.stdout, /Response generation\s+100\.0\s+0\.0\s+0\.0\s+33\.3/);
    assert.match(r.stdout, /Quality enhancement\s+-50\.0\s+100\.0\s+100\.0\s+50\.0/);
    const json = JSON.parse(agora("pgr", "--format", "json", "test/fixtures/cli/scores-small.json").stdout);
    assert.ok(Math.abs(json.generators[0].overall - (50 + 100 / 3 + 50) / 3) < 1e-9);
    const csv = agora("pgr", "--format", "csv", "test/fixtures/cli/scores-small.json").stdout.split("\n");
    assert.ok(csv.includes("gen-a,overall,,,,,,44.4444"), csv.join("\n"));
  });

  it("explains a degenerate benchmark and exits 1", () => {
    const r = agora("pgr", "test/fixtures/cli/scores-degenerate.json");
    assert.equal(r.code, 1);
    assert.match(r.stdout, /error: g \/ response_generation \/ math: PGR is undefined for MATH: the reference score equals the base score \(20\)/);
  });

  it("prints the paper's Table 2 with recomputed averages agreeing to 0.1", () => {
    const r = agora("pgr", "--reference");
    assert.equal(r.code, 0);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /claude-3-5-sonnet-20240620\s+Instance generation\s+8\.9\s+23\.4\s+40\.1\s+24\.1\s+24\.1/);
    const rows = JSON.parse(agora("pgr", "--reference", "--format", "json").stdout).rows as { printedAverage: number; recomputedAverage: number }[];
    assert.equal(rows.length, 18);
    for (const row of rows) assert.ok(Math.abs(row.recomputedAverage - row.printedAverage) <= 0.1 + 1e-9);
  });

  it("says which scores file is unreadable or malformed", () => {
    assert.match(agora("pgr", "nope.json").stderr, /cannot read nope.json/);
    const r = agora("pgr", "test/fixtures/cli/broken.agora.json");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /broken.agora.json:\d+:\d+: error schema/);
  });
});
