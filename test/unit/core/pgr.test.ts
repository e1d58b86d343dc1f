import assert from "node:assert/strict";
import { benchmarkPgr, computePgr, PgrError, referencePgr, referenceTable, ScoresFile } from "../../../src/core/pgr";
import { formatPgrTable, formatReferenceTable } from "../../../src/core/pgr-format";

const base = { gsm8k: 50, math: 20, mbpp: 40, humaneval: 30, alpacaeval2: 5, arenahard: 4 };
const reference = { gsm8k: 80, math: 40, mbpp: 60, humaneval: 60, alpacaeval2: 25, arenahard: 24 };

describe("core/pgr", () => {
  describe("benchmarkPgr", () => {
    it("follows the definition (student − base) / (reference − base) × 100", () => {
      assert.equal(benchmarkPgr("gsm8k", 50, 80, 65).pgr, 50);
      assert.equal(benchmarkPgr("gsm8k", 50, 80, 80).pgr, 100);
      assert.equal(benchmarkPgr("gsm8k", 50, 80, 50).pgr, 0);
    });
    it("allows negative PGR and PGR above 100", () => {
      assert.equal(benchmarkPgr("math", 20, 40, 10).pgr, -50);
      assert.equal(benchmarkPgr("math", 20, 40, 50).pgr, 150);
    });
    it("works when the reference is below the base (gap of the other sign)", () => {
      assert.equal(benchmarkPgr("mbpp", 60, 40, 50).pgr, 50);
    });
    it("refuses a reference equal to the base instead of dividing by zero", () => {
      assert.throws(() => benchmarkPgr("humaneval", 30, 30, 35), (e: unknown) => e instanceof PgrError && e.code === "degenerate" && /undefined for HumanEval/.test(e.message));
    });
    it("names the missing input", () => {
      assert.throws(() => benchmarkPgr("gsm8k", undefined, 80, 60), (e: unknown) => e instanceof PgrError && e.code === "missing-base");
      assert.throws(() => benchmarkPgr("gsm8k", 50, undefined, 60), (e: unknown) => e instanceof PgrError && e.code === "missing-reference");
      assert.throws(() => benchmarkPgr("gsm8k", 50, 80, undefined), (e: unknown) => e instanceof PgrError && e.code === "missing-student");
      assert.throws(() => benchmarkPgr("gsm8k", 50, 80, Number.NaN), (e: unknown) => e instanceof PgrError && e.code === "not-finite");
    });
  });

  describe("computePgr aggregation", () => {
    const scores = ScoresFile.parse({
      base,
      reference,
      students: {
        g: {
          instance_generation: { gsm8k: 65, math: 30, mbpp: 50, humaneval: 45, alpacaeval2: 15, arenahard: 14 },
          response_generation: { gsm8k: 80, math: 40, mbpp: 40, humaneval: 30, alpacaeval2: 5, arenahard: 4 },
          quality_enhancement: { gsm8k: 35, math: 10, mbpp: 60, humaneval: 60, alpacaeval2: 25, arenahard: 24 },
        },
        partial: { response_generation: { gsm8k: 65, math: 30 } },
      },
    });
    const table = computePgr(scores);
    const g = table.generators.find((x) => x.generator === "g")!;

    it("takes the domain as the mean of its two benchmarks", () => {
      assert.equal(g.methods.instance_generation!.domains.math!.pgr, 50);
      assert.equal(g.methods.instance_generation!.domains.code!.pgr, 50);
      assert.equal(g.methods.quality_enhancement!.domains.math!.pgr, -50);
    });
    it("takes a method's average as the mean of its three domains", () => {
      assert.equal(g.methods.instance_generation!.average, 50);
      assert.equal(g.methods.response_generation!.average, 100 / 3);
      assert.equal(g.methods.quality_enhancement!.average, (-50 + 100 + 100) / 3);
    });
    it("takes the overall score as the mean of the three method averages", () => {
      const expected = (50 + 100 / 3 + 50) / 3;
      assert.ok(Math.abs(g.overall! - expected) < 1e-12);
    });
    it("leaves averages empty (not wrong) for a generator that ran only some settings", () => {
      const p = table.generators.find((x) => x.generator === "partial")!;
      assert.equal(p.methods.response_generation!.domains.math!.pgr, 50);
      assert.equal(p.methods.response_generation!.average, null);
      assert.equal(p.overall, null);
      assert.equal(table.problems.length, 0);
    });
    it("reports a degenerate benchmark as a problem and keeps the other cells", () => {
      const t = computePgr(ScoresFile.parse({ base, reference: { ...reference, math: 20 }, students: { x: { instance_generation: { gsm8k: 60, math: 25, mbpp: 50, humaneval: 45 } } } }));
      assert.equal(t.problems.length, 1);
      assert.equal(t.problems[0]!.code, "degenerate");
      assert.equal(t.generators[0]!.methods.instance_generation!.domains.code!.pgr, 50);
      assert.equal(t.generators[0]!.methods.instance_generation!.domains.math, undefined);
    });
    it("reports a domain with only one of its benchmarks", () => {
      const t = computePgr(ScoresFile.parse({ base, reference, students: { x: { instance_generation: { gsm8k: 60 } } } }));
      assert.deepEqual(t.problems.map((p) => [p.domain, p.code]), [["math", "missing-student"]]);
    });
    it("formats as table, csv and json", () => {
      assert.match(formatPgrTable(table, "table"), /Instance generation\s+50\.0\s+50\.0\s+50\.0\s+50\.0/);
      const csv = formatPgrTable(table, "csv").split("\n");
      assert.equal(csv[0], "generator,method,domain,benchmark,base,reference,student,pgr");
      assert.ok(csv.includes("g,instance_generation,math,gsm8k,50,80,65,50.0000"));
      assert.equal(JSON.parse(formatPgrTable(table, "json")).generators.length, 2);
    });
  });

  describe("reference table (paper, Table 2)", () => {
    const ref = referenceTable();
    it("has the six generators × three methods", () => {
      assert.equal(ref.rows.length, 18);
      assert.equal(Object.keys(ref.overall).length, 6);
    });
    it("recomputes every printed average from its domain cells to within 0.1", () => {
      for (const r of ref.rows) {
        assert.ok(Math.abs(r.recomputedAverage - r.printedAverage) <= 0.1 + 1e-9, `${r.generator} ${r.method}: ${r.recomputedAverage} vs ${r.printedAverage}`);
      }
    });
    it("reproduces the paper's findings", () => {
      const best = (m: string) => ref.rows.filter((r) => r.method === m).sort((a, b) => b.recomputedAverage - a.recomputedAverage)[0]!.generator;
      assert.equal(best("instance_generation"), "gpt-4o-2024-08-06");
      assert.equal(best("response_generation"), "gpt-4o-2024-08-06");
      assert.equal(best("quality_enhancement"), "claude-3-5-sonnet-20240620");
      assert.ok(ref.overall["llama-3.1-8b-instruct"]! > ref.overall["llama-3.1-70b-instruct"]!);
      assert.ok(ref.overall["llama-3.1-8b-instruct"]! > ref.overall["llama-3.1-405b-instruct"]!);
    });
    it("looks up single cells", () => {
      assert.equal(referencePgr("gpt-4o-2024-08-06", "instance_generation", "code"), 73.6);
      assert.equal(referencePgr("nope", "instance_generation", "code"), undefined);
    });
    it("prints the table with paper and recomputed averages", () => {
      const text = formatReferenceTable(ref, "table");
      assert.match(text, /gpt-4o-2024-08-06\s+Instance generation\s+20\.6\s+73\.6\s+46\.1\s+46\.8\s+46\.8/);
      assert.equal(formatReferenceTable(ref, "csv").split("\n").length, 19);
    });
  });
});
