import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScoresFile } from "../../../src/core/pgr";
import { allChartSpecs, benchmarkSpec, cellInk, costSpec, domainBarsSpec, heatmapSpec, parseColour, PRINT_THEME } from "../../../src/core/report/charts";
import { chartDataFromScores, paperChartData, paperValue } from "../../../src/core/report/data";
import { collectReportInputs } from "../../../src/core/report/collect";
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

  /** Calls an option's tooltip formatter the way ECharts does (axis trigger: one param per series). */
  function axisTooltip(option: ReturnType<typeof domainBarsSpec>, dataIndex: number): string {
    const series = option.series as { id: string; name: string; data: unknown[] }[];
    const fmt = (option.tooltip as { formatter: (p: unknown) => string }).formatter;
    return fmt(series.map((x) => ({ seriesId: x.id, seriesName: x.name, value: x.data[dataIndex], dataIndex, marker: "", axisValue: "" })));
  }

  it("per-domain bars: the paper's number beside the generator's own, raw scores in the tooltip, names escaped", () => {
    const s = examples();
    const evil = "<b onmouseover=x>evil</b>";
    const other = structuredClone(s);
    other.students = { [evil]: s.students["gpt-4o-mini"]! };
    const data = chartDataFromScores([s, other]);
    const opt = domainBarsSpec(data, "math", PRINT_THEME);
    const series = opt.series as { id: string; name: string; data: (number | null)[] }[];
    const own = series.find((x) => x.name === "gpt-4o-mini")!;
    const paper = series.find((x) => x.name === "gpt-4o-mini (paper)")!;
    // The paper row for gpt-4o-mini is its dated snapshot; the numbers come from the reference table.
    assert.deepEqual(paper.data, (["instance_generation", "response_generation", "quality_enhancement"] as const).map((m) => paperValue("gpt-4o-mini-2024-07-18", m, "math")!));
    const inst = data.results.find((r) => r.generator === "gpt-4o-mini" && r.method === "instance_generation" && r.domain === "math")!;
    assert.equal(own.data[0], Math.round(inst.pgr * 10) / 10);
    assert.equal(series.some((x) => x.name === "claude-sonnet (paper)"), false, "no paper row for a generator the paper did not measure");
    const tip = axisTooltip(opt, 0);
    const gsm = inst.benchmarks.find((b) => b.benchmark === "gsm8k")!;
    assert.match(tip, new RegExp(`gpt-4o-mini</b>: PGR ${inst.pgr.toFixed(1)} · paper ${paperValue("gpt-4o-mini", "instance_generation", "math")!.toFixed(1)}`));
    assert.ok(tip.includes(`GSM8K: student ${gsm.student.toFixed(1)} · base ${gsm.base.toFixed(1)} · reference ${gsm.reference.toFixed(1)} → PGR ${gsm.pgr.toFixed(1)}`));
    assert.ok(tip.includes("&#60;b onmouseover=x&#62;evil&#60;/b&#62;") && !tip.includes(evil), "the hostile name is escaped");
    assert.ok(!/style=/.test(tip), "no style attribute (the webview's CSP would block it)");
    // None of the generators in the paper: the subtitle says so instead of promising dashed bars.
    const only = structuredClone(s);
    only.students = { "my-model": s.students["claude-sonnet"]! };
    assert.match(String((domainBarsSpec(chartDataFromScores([only]), "code", PRINT_THEME).title as { subtext: string }).subtext), /none of these generators is in the paper/);
  });

  it("benchmark drill-down tooltip: base, reference and each student's raw score with its PGR", () => {
    const data = chartDataFromScores([examples()]);
    const opt = benchmarkSpec(data, "response_generation", "code", PRINT_THEME);
    const tip = axisTooltip(opt, 1); // HumanEval
    const r = data.results.find((x) => x.generator === "claude-sonnet" && x.method === "response_generation" && x.domain === "code")!;
    const he = r.benchmarks.find((b) => b.benchmark === "humaneval")!;
    assert.match(tip, /^<b>HumanEval<\/b>/);
    assert.ok(tip.includes(`base: ${he.base.toFixed(1)}`) && tip.includes(`reference: ${he.reference.toFixed(1)}`));
    assert.ok(tip.includes(`claude-sonnet: ${he.student.toFixed(1)} → PGR <b>${he.pgr.toFixed(1)}</b>`));
  });

  it("PGR vs. cost: says why it is empty without costs, and `agora report` leaves that chart out", () => {
    const data = chartDataFromScores([examples()]);
    const empty = costSpec(data, PRINT_THEME);
    assert.match(JSON.stringify(empty.graphic), /No cost data yet/);
    assert.equal((empty.xAxis as { show: boolean }).show, false);
    assert.ok(!allChartSpecs(data, PRINT_THEME).some((x) => x.name === "pgr-vs-cost"));
    const withCost = chartDataFromScores([examples()], { "gpt-4o-mini": 0.6 });
    assert.ok(allChartSpecs(withCost, PRINT_THEME).some((x) => x.name === "pgr-vs-cost"));
    const pts = costSpec(withCost, PRINT_THEME).series as { name: string; data: number[][] }[];
    assert.deepEqual(pts.map((p) => p.name), ["gpt-4o-mini"]);
    assert.equal(pts[0]!.data[0]![0], 0.6);
  });

  it("heatmap: the colour scale's ends are labelled with numbers, long names are cut on the axis", () => {
    const s = examples();
    const long = `generator-${"x".repeat(200)}`;
    const other = structuredClone(s);
    other.students = { [long]: s.students["gpt-4o-mini"]! };
    const opt = heatmapSpec(chartDataFromScores([s, other]), PRINT_THEME);
    const vm = opt.visualMap as { text: string[]; max: number };
    assert.deepEqual(vm.text, [`+${Math.round(vm.max)}`, `−${Math.round(vm.max)}`]);
    const label = (opt.yAxis as { axisLabel: { formatter: (v: string) => string } }).axisLabel.formatter(long);
    assert.ok(label.length <= 40 && label.endsWith("…"));
    assert.ok((opt.grid as { left: number }).left < 400, "the plot keeps its width");
  });

  it("heatmap values are black or white by their cell's colour", () => {
    assert.deepEqual(parseColour("#1f1f1f"), [31, 31, 31]);
    assert.deepEqual(parseColour("#abc"), [170, 187, 204]);
    assert.deepEqual(parseColour("#3794ffcc"), [55, 148, 255]);
    assert.deepEqual(parseColour("rgb(10, 20, 30)"), [10, 20, 30]);
    assert.equal(parseColour("var(--x)"), undefined);
    const print = PRINT_THEME.diverging;
    assert.equal(cellInk(print, 0), "#000000", "white paper in the middle: black");
    assert.equal(cellInk(print, 1), "#ffffff", "deep blue at the top: white");
    assert.equal(cellInk(print, -1), "#ffffff", "deep red at the bottom: white");
    const dark: [string, string, string] = ["#f14c4c", "#1f1f1f", "#3794ff"];
    assert.equal(cellInk(dark, 0.05), "#ffffff", "a dark theme's near-zero cell: white");
    assert.equal(cellInk(["#f00", "oops", "#00f"], 0.5), undefined);
    const data = chartDataFromScores([examples()]);
    const cells = ((heatmapSpec(data, PRINT_THEME).series as { data: { value: number[]; label?: { color: string } }[] }[])[0]!).data;
    const max = cells.reduce((a, c) => (c.value[2]! > a.value[2]! ? c : a));
    assert.equal(max.label?.color, "#ffffff");
  });

  it("collects scores from run folders and USD per 1K instances from the items' recorded cost", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agora-report-"));
    try {
      const run = join(dir, "r1");
      for (const [setting, costs] of [["math.instance_generation", [0.001, 0.003]], ["code.instance_generation", [0.002]]] as const) {
        mkdirSync(join(run, "data", setting), { recursive: true });
        const lines = costs.map((c, i) => JSON.stringify({ id: `${setting}-${i}`, generator: "gpt-4o-mini", status: "valid", costUsd: c }));
        // An item without a cost (a failed call) does not count as an instance that cost nothing.
        lines.push(JSON.stringify({ id: `${setting}-x`, generator: "gpt-4o-mini", status: "failed" }));
        writeFileSync(join(run, "data", setting, "gpt-4o-mini.jsonl"), `${lines.join("\n")}\n`);
      }
      copyFileSync(join(repoRoot, "examples", "scores.json"), join(run, "scores.json"));
      const inputs = await collectReportInputs([dir]);
      assert.deepEqual(inputs.errors, []);
      assert.equal(inputs.scores.length, 1);
      assert.ok(Math.abs(inputs.costPer1K["gpt-4o-mini"]! - ((0.001 + 0.003 + 0.002) / 3) * 1000) < 1e-6);
      const missing = await collectReportInputs([join(dir, "nope")]);
      assert.match(missing.errors[0]!, /not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
