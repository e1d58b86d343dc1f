import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { allChartSpecs, PRINT_THEME } from "../../core/report/charts";
import { chartDataFromScores } from "../../core/report/data";
import { collectReportInputs } from "../../core/report/collect";
import { REPORT_SIZE, renderChartSvg } from "../../core/report/render";
import { type CliCommand, UsageError } from "../command";

/**
 * PNG is rasterised from the SVG with resvg (a Rust renderer shipped as a prebuilt binary inside its npm
 * package): no browser, no network, deterministic output. Loaded on demand so SVG needs nothing native.
 * Where the SVG's fonts (Helvetica/Arial) are missing, DejaVu Sans (Debian's default) stands in; it runs
 * wider than the widths ECharts' canvas-free layout assumed, so the specs leave generous legend gaps.
 */
async function svgToPng(svg: string): Promise<Buffer> {
  const { Resvg } = (await import("@resvg/resvg-js")) as typeof import("@resvg/resvg-js");
  const r = new Resvg(svg, { fitTo: { mode: "zoom", value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" }, background: "#ffffff" });
  return Buffer.from(r.render().asPng());
}

export const reportCommand: CliCommand = {
  name: "report",
  summary: "Write PGR charts (heatmap, per-domain bars, PGR vs. cost, benchmarks) as SVG/PNG",
  usage: `agora report <runs-dir|run-dir|scores.json>... --out <dir> [--format svg,png]

Reads scores.json of each run (or the scores files named) and the recorded item costs of their data
files, and writes the same charts the PGR charts view shows, in a print theme. With no scores at all it
charts the paper's Table 2.
  --out      folder to write into (created)
  --format   comma-separated: svg, png (default svg)`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: "string" }, format: { type: "string", default: "svg" } } });
    if (!values.out) throw new UsageError("--out <dir> is required.");
    const formats = values.format!.split(",").map((f) => f.trim()).filter(Boolean);
    for (const f of formats) if (f !== "svg" && f !== "png") throw new UsageError(`Unknown format "${f}" (svg, png).`);
    const inputs = await collectReportInputs(positionals.map((p) => resolve(io.cwd, p)));
    for (const e of inputs.errors) io.err(`error: ${e}`);
    if (positionals.length && inputs.scores.length === 0) {
      io.err("error: no scores found in the paths given");
      return 1;
    }
    const data = chartDataFromScores(inputs.scores, inputs.costPer1K);
    for (const p of data.problems) io.err(`warning: ${p}`);
    const out = resolve(io.cwd, values.out);
    await mkdir(out, { recursive: true });
    for (const { name, option, height } of allChartSpecs(data, PRINT_THEME)) {
      const svg = renderChartSvg(option, { width: REPORT_SIZE.width, height: height ?? REPORT_SIZE.height });
      if (formats.includes("svg")) await writeFile(join(out, `${name}.svg`), svg);
      if (formats.includes("png")) await writeFile(join(out, `${name}.png`), await svgToPng(svg));
      io.out(`${name}: ${formats.map((f) => `${name}.${f}`).join(", ")}`);
    }
    if (!Object.values(data.costPer1K).some((c) => c > 0)) {
      io.out("pgr-vs-cost: skipped (no recorded item costs: name run folders, whose data files carry them, not only scores files)");
    }
    io.out(`wrote ${formats.join("+")} charts from ${data.source === "paper" ? "the paper's Table 2" : `${inputs.scoreFiles.length} scores file(s)`} to ${out}`);
    return inputs.errors.length ? 1 : 0;
  },
};
