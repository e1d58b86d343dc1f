/**
 * Chart specs: pure functions from PGR data to Apache ECharts option objects. The charts webview renders
 * them live (themed from VS Code's colours) and `agora report` renders the very same objects to SVG/PNG
 * for papers (with the print theme), so a figure in a paper and in the editor cannot disagree.
 *
 * Every label that comes from user data goes through ECharts as plain text (it escapes tooltip strings
 * we build with `escapeHtml`), never as HTML we assemble unescaped.
 *
 * Pure and dependency-free (settings only) because the charts webview bundles it: the data side (scores,
 * PGR, the paper's table, all zod-validated) is in ./data and runs on the host.
 */
import type { EChartsOption } from "echarts";
import { BENCHMARKS, type BenchmarkId, DOMAIN_INFO, DOMAINS, type Domain, METHOD_INFO, METHODS, type Method, SETTINGS } from "../settings";

export interface ChartTheme {
  background: string;
  foreground: string;
  muted: string;
  grid: string;
  fontFamily: string;
  fontSize: number;
  /** Categorical palette for generators. */
  palette: string[];
  /** Diverging scale for PGR: negative, zero, positive. */
  diverging: [string, string, string];
}

/** The print theme of `agora report`: white paper, dark text, a colour-blind-safe palette (Okabe–Ito). */
export const PRINT_THEME: ChartTheme = {
  background: "#ffffff",
  foreground: "#1f1f1f",
  muted: "#6b6b6b",
  grid: "#e3e3e3",
  fontFamily: "Helvetica, Arial, sans-serif",
  fontSize: 12,
  palette: ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"],
  diverging: ["#c0392b", "#f7f7f7", "#2166ac"],
};

/** One generator × setting result: PGR of the setting's domain plus the raw benchmark scores. */
export interface SettingResult {
  generator: string;
  method: Method;
  domain: Domain;
  pgr: number;
  benchmarks: { benchmark: BenchmarkId; base: number; reference: number; student: number; pgr: number }[];
}

export interface ChartData {
  /** Where the numbers come from: the user's runs, or the paper's Table 2 when there are none. */
  source: "runs" | "paper";
  generators: string[];
  results: SettingResult[];
  /** USD per 1K generated instances, per generator, from the items' recorded cost. */
  costPer1K: Record<string, number>;
  /** The paper's Table 2 value for each charted generator the paper also measured (see ./data). */
  paper: Record<string, Partial<Record<Method, Partial<Record<Domain, number>>>>>;
  problems: string[];
}

export const SHORT_METHOD: Record<Method, string> = { instance_generation: "Instance gen.", response_generation: "Response gen.", quality_enhancement: "Quality enh." };
const SHORT_DOMAIN: Record<Domain, string> = { math: "Math", code: "Code", instruction_following: "Inst. follow." };
export const settingLabel = (method: Method, domain: Domain): string => `${SHORT_DOMAIN[domain]} · ${SHORT_METHOD[method]}`;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Room below the plot for a legend that wraps (about four entries a row). */
const legendRoom = (entries: number): number => 36 + Math.ceil(entries / 4) * 22;

const fmt = (x: number): string => (Math.round(x * 10) / 10).toFixed(1);

function base(theme: ChartTheme, title: string, subtitle?: string): EChartsOption {
  return {
    backgroundColor: theme.background,
    color: theme.palette,
    animation: false,
    textStyle: { color: theme.foreground, fontFamily: theme.fontFamily, fontSize: theme.fontSize },
    title: { text: title, subtext: subtitle, left: 8, top: 4, textStyle: { color: theme.foreground, fontSize: theme.fontSize + 3, fontWeight: 600 }, subtextStyle: { color: theme.muted } },
    tooltip: { confine: true, backgroundColor: theme.background, borderColor: theme.grid, textStyle: { color: theme.foreground } },
  };
}

const axisStyle = (theme: ChartTheme): Record<string, unknown> => ({
  axisLine: { lineStyle: { color: theme.muted } },
  axisLabel: { color: theme.foreground },
  splitLine: { lineStyle: { color: theme.grid } },
  nameTextStyle: { color: theme.muted },
});

function rawScoresHtml(r: SettingResult): string {
  if (r.benchmarks.length === 0) return "paper value (no raw scores published)";
  return r.benchmarks
    .map((b) => `${escapeHtml(BENCHMARKS[b.benchmark].label)}: student ${fmt(b.student)} · base ${fmt(b.base)} · reference ${fmt(b.reference)} → PGR ${fmt(b.pgr)}`)
    .join("<br/>");
}

/** Generators × the nine settings, coloured by PGR on a diverging scale centred on 0. */
export function heatmapSpec(data: ChartData, theme: ChartTheme): EChartsOption {
  const cols = SETTINGS.map((s) => settingLabel(s.method, s.domain));
  const rows = [...data.generators].reverse();
  const byKey = new Map(data.results.map((r) => [`${r.generator}|${r.method}|${r.domain}`, r]));
  const cells: { value: [number, number, number]; result: SettingResult }[] = [];
  SETTINGS.forEach((s, x) =>
    rows.forEach((g, y) => {
      const r = byKey.get(`${g}|${s.method}|${s.domain}`);
      if (r) cells.push({ value: [x, y, Math.round(r.pgr * 10) / 10], result: r });
    }),
  );
  const values = cells.map((c) => c.value[2]);
  const extent = Math.max(10, ...values.map(Math.abs));
  const opt: EChartsOption = {
    ...base(theme, "PGR by generator and setting", data.source === "paper" ? "Kim et al. 2024, Table 2" : "your runs"),
    // ECharts measures text roughly without a canvas (SSR): reserve the row labels' width ourselves.
    // A few generators get rows of a readable height instead of stretching over the whole plot.
    grid: { left: 16 + Math.max(0, ...rows.map((r) => r.length)) * theme.fontSize * 0.62, right: 70, top: 70, containLabel: false, ...(rows.length <= 4 ? { height: rows.length * 64 } : { bottom: 120 }) },
    xAxis: { type: "category", data: cols, ...axisStyle(theme), axisLabel: { color: theme.foreground, rotate: 30, interval: 0 }, splitArea: { show: false } },
    yAxis: { type: "category", data: rows, ...axisStyle(theme) },
    visualMap: {
      type: "continuous",
      min: -extent,
      max: extent,
      calculable: false,
      orient: "vertical",
      right: 4,
      top: "middle",
      itemHeight: 160,
      text: ["PGR +", "−"],
      textStyle: { color: theme.foreground },
      inRange: { color: theme.diverging },
    },
    series: [
      {
        type: "heatmap",
        name: "PGR",
        data: cells.map((c) => ({ value: c.value })),
        // Text outlined in the background colour stays legible on every cell of the diverging scale.
        label: { show: true, color: theme.foreground, textBorderColor: theme.background, textBorderWidth: 2, fontSize: theme.fontSize - 1, formatter: (p) => fmt((p.value as number[])[2] ?? 0) },
        itemStyle: { borderColor: theme.background, borderWidth: 2 },
        emphasis: { itemStyle: { borderColor: theme.foreground, borderWidth: 1 } },
      },
    ],
  };
  opt.tooltip = {
    ...(opt.tooltip as object),
    formatter: (p: unknown) => {
      const v = (p as { value: number[] }).value;
      const cell = cells.find((c) => c.value[0] === v[0] && c.value[1] === v[1]);
      if (!cell) return "";
      const r = cell.result;
      return `<b>${escapeHtml(r.generator)}</b><br/>${escapeHtml(settingLabel(r.method, r.domain))}: PGR <b>${fmt(r.pgr)}</b><br/>${rawScoresHtml(r)}`;
    },
  };
  return opt;
}

/** PGR per method for one domain, a bar per generator, with the paper's numbers beside them as dashed bars. */
export function domainBarsSpec(data: ChartData, domain: Domain, theme: ChartTheme): EChartsOption {
  const cats = METHODS.map((m) => METHOD_INFO[m].label);
  const series: NonNullable<EChartsOption["series"]> = [];
  data.generators.forEach((g, gi) => {
    const rs = METHODS.map((m) => data.results.find((r) => r.generator === g && r.method === m && r.domain === domain));
    series.push({ type: "bar", name: g, data: rs.map((r) => (r ? Math.round(r.pgr * 10) / 10 : null)), barMaxWidth: 28, itemStyle: { color: theme.palette[gi % theme.palette.length] } });
    if (data.source === "runs") {
      const paper = METHODS.map((m) => data.paper[g]?.[m]?.[domain] ?? null);
      if (paper.some((v) => v !== null)) {
        series.push({
          // A dashed outline bar right beside the generator's own bar: the paper's number for the same
          // generator and setting, aligned with it (a marker on the category centre would sit elsewhere).
          type: "bar",
          name: `${g} (paper)`,
          data: paper,
          barMaxWidth: 28,
          itemStyle: { color: "transparent", borderColor: theme.palette[gi % theme.palette.length], borderWidth: 1.5, borderType: "dashed" },
        });
      }
    }
  });
  return {
    ...base(theme, `PGR — ${DOMAIN_INFO[domain].label}`, data.source === "paper" ? "Kim et al. 2024, Table 2" : "solid: your runs · dashed: the paper (Table 2)"),
    // Generous gaps: text widths are estimated without a canvas (SSR), and fonts differ between viewers.
    legend: { type: "plain", bottom: 0, left: "center", itemGap: 22, textStyle: { color: theme.foreground } },
    grid: { left: 8, right: 16, top: 88, bottom: legendRoom(series.length), containLabel: true },
    xAxis: { type: "category", data: cats, ...axisStyle(theme) },
    yAxis: { type: "value", name: "PGR (%)", ...axisStyle(theme) },
    tooltip: { ...(base(theme, "").tooltip as object), trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v) => (typeof v === "number" ? fmt(v) : "—") },
    series,
  };
}

/** Mean PGR over the settings a generator has, against its cost per 1K instances (log axis). */
export function costSpec(data: ChartData, theme: ChartTheme): EChartsOption {
  const points = data.generators
    .filter((g) => data.costPer1K[g] !== undefined && data.costPer1K[g]! > 0)
    .map((g) => {
      const rs = data.results.filter((r) => r.generator === g);
      const mean = rs.length ? rs.reduce((a, r) => a + r.pgr, 0) / rs.length : NaN;
      return { g, cost: data.costPer1K[g]!, pgr: mean, n: rs.length };
    })
    .filter((p) => Number.isFinite(p.pgr));
  const opt: EChartsOption = {
    ...base(theme, "PGR vs. cost per 1K instances", points.length ? "mean PGR over the generator's settings" : "no cost data: run generation to record item costs"),
    grid: { left: 8, right: 24, top: 88, bottom: 40, containLabel: true },
    xAxis: { type: "log", name: "USD per 1K instances", nameLocation: "middle", nameGap: 28, ...axisStyle(theme) },
    yAxis: { type: "value", name: "mean PGR (%)", ...axisStyle(theme), nameTextStyle: { color: theme.muted, align: "left" } },
    series: points.map((p, i) => ({
      type: "scatter",
      name: p.g,
      data: [[p.cost, Math.round(p.pgr * 10) / 10]],
      symbolSize: 14,
      itemStyle: { color: theme.palette[i % theme.palette.length] },
      label: { show: true, position: "right", color: theme.foreground, formatter: () => p.g },
    })),
  };
  opt.tooltip = {
    ...(opt.tooltip as object),
    formatter: (prm: unknown) => {
      const s = (prm as { seriesName: string }).seriesName;
      const p = points.find((x) => x.g === s);
      return p ? `<b>${escapeHtml(p.g)}</b><br/>$${p.cost.toFixed(3)} per 1K instances<br/>mean PGR ${fmt(p.pgr)} over ${p.n} setting(s)` : "";
    },
  };
  return opt;
}

/** One setting's raw benchmark scores: base, reference and each generator's student, PGR in the tooltip. */
export function benchmarkSpec(data: ChartData, method: Method, domain: Domain, theme: ChartTheme): EChartsOption {
  const ids = DOMAIN_INFO[domain].benchmarks;
  const rs = data.results.filter((r) => r.method === method && r.domain === domain && r.benchmarks.length);
  const first = rs[0];
  const baseVals = ids.map((b) => first?.benchmarks.find((x) => x.benchmark === b)?.base ?? null);
  const refVals = ids.map((b) => first?.benchmarks.find((x) => x.benchmark === b)?.reference ?? null);
  const series: NonNullable<EChartsOption["series"]> = [
    { type: "bar", name: "base (Llama-3.1-8B)", data: baseVals, itemStyle: { color: theme.muted }, barMaxWidth: 26 },
    { type: "bar", name: "reference (8B-Instruct)", data: refVals, itemStyle: { color: theme.grid, borderColor: theme.muted, borderWidth: 1 }, barMaxWidth: 26 },
    ...rs.map((r, i) => ({
      type: "bar" as const,
      name: r.generator,
      data: ids.map((b) => {
        const x = r.benchmarks.find((y) => y.benchmark === b);
        return x ? { value: x.student, pgr: x.pgr } : null;
      }),
      itemStyle: { color: theme.palette[data.generators.indexOf(r.generator) % theme.palette.length] ?? theme.palette[i % theme.palette.length] },
      barMaxWidth: 26,
    })),
  ];
  const opt: EChartsOption = {
    ...base(theme, `Benchmarks — ${settingLabel(method, domain)}`, rs.length ? "raw scores (%); PGR in the tooltip" : "no raw scores for this setting"),
    // Generous gaps: text widths are estimated without a canvas (SSR), and fonts differ between viewers.
    legend: { type: "plain", bottom: 0, left: "center", itemGap: 22, textStyle: { color: theme.foreground } },
    grid: { left: 8, right: 16, top: 88, bottom: legendRoom(series.length), containLabel: true },
    xAxis: { type: "category", data: ids.map((b) => BENCHMARKS[b].label), ...axisStyle(theme) },
    yAxis: { type: "value", name: "score (%)", ...axisStyle(theme) },
    series,
  };
  opt.tooltip = {
    ...(opt.tooltip as object),
    trigger: "axis",
    axisPointer: { type: "shadow" },
    formatter: (prm: unknown) => {
      const list = prm as { seriesName: string; value: number | null; data: unknown; axisValue: string; marker: string }[];
      const head = `<b>${escapeHtml(list[0]?.axisValue ?? "")}</b>`;
      const lines = list.map((p) => {
        const pgr = p.data && typeof p.data === "object" && "pgr" in p.data ? ` (PGR ${fmt((p.data as { pgr: number }).pgr)})` : "";
        return `${p.marker}${escapeHtml(p.seriesName)}: ${typeof p.value === "number" ? fmt(p.value) : "—"}${pgr}`;
      });
      return [head, ...lines].join("<br/>");
    },
  };
  return opt;
}

export type ChartKind = "heatmap" | `bars-${Domain}` | "cost" | `benchmarks-${Domain}.${Method}`;

/** Every chart `agora report` writes, with a file-safe name. */
export function allChartSpecs(data: ChartData, theme: ChartTheme): { name: string; option: EChartsOption; height?: number }[] {
  const out: { name: string; option: EChartsOption; height?: number }[] = [{ name: "pgr-heatmap", option: heatmapSpec(data, theme), height: heatmapHeight(data.generators.length) }];
  for (const d of DOMAINS) out.push({ name: `pgr-bars-${d}`, option: domainBarsSpec(data, d, theme) });
  out.push({ name: "pgr-vs-cost", option: costSpec(data, theme) });
  if (data.source === "runs") {
    for (const s of SETTINGS) {
      if (data.results.some((r) => r.method === s.method && r.domain === s.domain && r.benchmarks.length)) {
        out.push({ name: `benchmarks-${s.domain}.${s.method}`, option: benchmarkSpec(data, s.method, s.domain, theme) });
      }
    }
  }
  return out;
}

/** Figure height for the heatmap file: title + rows + rotated setting labels, no empty paper below. */
export function heatmapHeight(rows: number): number {
  return rows <= 4 ? 70 + rows * 64 + 170 : Math.max(520, 70 + rows * 44 + 130);
}
