import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ScoresFile } from "../../../src/core/pgr";
import { allChartSpecs, heatmapSpec, PRINT_THEME } from "../../../src/core/report/charts";
import { chartDataFromScores, paperChartData, paperValue } from "../../../src/core/report/data";
import { renderChartSvg } from "../../../src/core/report/render";
import { loadJsoncWith } from "../../../src/core/spec/load";
import { repoRoot } from "../../support/build";

const examples = (): ScoresFile => loadJsoncWith(ScoresFile, readFileSync(join(repoRoot, "examples", "scores.json"), "utf8")).value!;

describe("report charts (core/report)", () => {
  it("charts the paper's Table 2 when there are no scores: 6 generators × 9 settings", () => {
    const d = chartDataFromScores([]);
    assert.equal(d.source, "paper");
    assert.equal(d.generators.length, 6);
    assert.equal(d.results.length, 6 * 9);
    assert.deepEqual(d, paperChartData());
  });

  it("matches dated paper snapshots by alias, never a different model", () => {
    assert.equal(paperValue("openai/gpt-4o-mini", "instance_generation", "math"), paperValue("gpt-4o-mini-2024-07-18", "instance_generation", "math"));
    assert.notEqual(paperValue("gpt-4o-mini", "instance_generation", "code"), paperValue("gpt-4o-2024-08-06", "instance_generation", "code"));
    assert.equal(paperValue("my-finetune", "instance_generation", "math"), undefined);
  });

  it("flattens scores into per-setting PGR with raw benchmark scores, and the paper overlay", () => {
    const d = chartDataFromScores([examples()], { "gpt-4o-mini": 1.5 });
    assert.equal(d.source, "runs");
    assert.ok(d.results.length > 0);
    for (const r of d.results) assert.equal(r.benchmarks.length, 2, "two benchmarks per domain");
    assert.ok(d.paper["gpt-4o-mini"]?.instance_generation?.math !== undefined, "gpt-4o-mini has paper values");
  });

  it("renders every chart to SVG with ECharts' SSR, escaping hostile generator names", () => {
    const s = examples();
    const evil = "<script>alert(1)</script>";
    const other = structuredClone(s);
    other.students = { [evil]: Object.values(s.students)[0]! };
    const data = chartDataFromScores([s, other], { [evil]: 2 });
    const specs = allChartSpecs(data, PRINT_THEME);
    assert.ok(specs.some((x) => x.name === "pgr-heatmap") && specs.some((x) => x.name === "pgr-vs-cost") && specs.some((x) => x.name.startsWith("benchmarks-")));
    for (const { name, option } of specs) {
      const svg = renderChartSvg(option);
      assert.ok(svg.startsWith("<svg"), name);
      assert.ok(!svg.includes("<script"), `${name}: the name is text`);
    }
    assert.ok(renderChartSvg(heatmapSpec(data, PRINT_THEME)).includes("&lt;script&gt;"));
  });
});
