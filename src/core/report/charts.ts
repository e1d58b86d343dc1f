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
  /** Outline of heatmap cells; the background by default (high-contrast themes outline them). */
  cellBorder?: string;
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

/**
 * A colour swatch for tooltips, styled by class: ECharts' own `marker` is a `style` attribute, which the
 * webview's CSP (no 'unsafe-inline' styles) blocks. The charts webview's stylesheet colours `tt-c<i>`
 * with the palette (VS Code's chart colours, in order), `tt-base` and `tt-ref` like their bars.
 */
const marker = (cls: string): string => `<span class="tt-marker ${cls}"></span>`;

/** Longest generator name shown in full on an axis or legend; longer ones are cut (the tooltip has it all). */
const LABEL_MAX = 40;
export const clipLabel = (s: string): string => (s.length > LABEL_MAX ? `${s.slice(0, LABEL_MAX - 1)}…` : s);

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

/** The raw scores behind a PGR, one line per benchmark (class `tt-raw`: indented under the generator). */
function rawScoresHtml(r: SettingResult): string {
  if (r.benchmarks.length === 0) return `<span class="tt-raw">paper value (no raw scores published)</span>`;
  return r.benchmarks
    .map((b) => `<span class="tt-raw">${escapeHtml(BENCHMARKS[b.benchmark].label)}: student ${fmt(b.student)} · base ${fmt(b.base)} · reference ${fmt(b.reference)} → PGR ${fmt(b.pgr)}</span>`)
    .join("<br/>");
}

/** `#rgb`, `#rrggbb(aa)` or `rgb(a)(r, g, b…)` → [r, g, b] (0–255); undefined for anything else. */
export function parseColour(c: string): [number, number, number] | undefined {
  const h = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(c.trim())?.[1];
  if (h) {
    const full = h.length === 3 ? h.replace(/./g, (x) => x + x) : h.slice(0, 6);
    return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as [number, number, number];
  }
  const m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(c.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** WCAG relative luminance of an sRGB colour. */
function luminance([r, g, b]: [number, number, number]): number {
  const lin = (v: number): number => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/**
 * Black or white text for a heatmap cell at `t` ∈ [-1, 1] on the diverging scale (linear between its
 * three colours, as ECharts' visualMap interpolates), whichever contrasts more; undefined when a scale
 * colour is not parseable.
 */
export function cellInk(scale: [string, string, string], t: number): string | undefined {
  const [neg, zero, pos] = scale.map(parseColour);
  if (!neg || !zero || !pos) return undefined;
  const to = t < 0 ? neg : pos;
  const k = Math.min(1, Math.abs(t));
  const mix = zero.map((z, i) => z + (to[i]! - z) * k) as [number, number, number];
  const l = luminance(mix);
  // Contrast with white (1.05 / (l + 0.05)) against contrast with black ((l + 0.05) / 0.05).
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? "#ffffff" : "#000000";
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
    ...base(theme, "PGR by generator and setting", `${data.source === "paper" ? "Kim et al. 2024, Table 2" : "your runs"} · colour: PGR (%), 0 neutral`),
    // ECharts measures text roughly without a canvas (SSR): reserve the row labels' width ourselves.
    // A few generators get rows of a readable height instead of stretching over the whole plot.
    grid: { left: 16 + Math.max(0, ...rows.map((r) => clipLabel(r).length)) * theme.fontSize * 0.62, right: 84, top: 70, containLabel: false, ...(rows.length <= 4 ? { height: rows.length * 64 } : { bottom: 120 }) },
    xAxis: { type: "category", data: cols, ...axisStyle(theme), axisLabel: { color: theme.foreground, rotate: 30, interval: 0 }, splitArea: { show: false } },
    yAxis: { type: "category", data: rows, ...axisStyle(theme), axisLabel: { color: theme.foreground, formatter: (v: string) => clipLabel(v) } },
    visualMap: {
      type: "continuous",
      min: -extent,
      max: extent,
      calculable: false,
      orient: "vertical",
      right: 4,
      top: "middle",
      itemHeight: 160,
      // The scale's ends as numbers (0 is the neutral middle): a colour alone says nothing about size.
      text: [`+${Math.round(extent)}`, `−${Math.round(extent)}`],
      textGap: 6,
      textStyle: { color: theme.foreground },
      inRange: { color: theme.diverging },
    },
    series: [
      {
        type: "heatmap",
        name: "PGR",
        // Each value in black or white, whichever reads better on its cell's colour; where a theme colour
        // cannot be parsed, text outlined in the background colour stays legible on any cell.
        data: cells.map((c) => {
          const ink = cellInk(theme.diverging, c.value[2] / extent);
          return { value: c.value, ...(ink ? { label: { color: ink, textBorderWidth: 0 } } : {}) };
        }),
        label: { show: true, color: theme.foreground, textBorderColor: theme.background, textBorderWidth: 2, fontSize: theme.fontSize - 1, formatter: (p) => fmt((p.value as number[])[2] ?? 0) },
        itemStyle: { borderColor: theme.cellBorder ?? theme.background, borderWidth: theme.cellBorder ? 1 : 2 },
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
  const byKey = new Map(data.results.filter((r) => r.domain === domain).map((r) => [`${r.generator}|${r.method}`, r]));
  let paperShown = 0;
  data.generators.forEach((g, gi) => {
    const rs = METHODS.map((m) => byKey.get(`${g}|${m}`));
    // Series ids carry the generator's index: the tooltip finds its results by id, never by parsing a name.
    series.push({ type: "bar", id: `run:${gi}`, name: g, data: rs.map((r) => (r ? Math.round(r.pgr * 10) / 10 : null)), barMaxWidth: 28, itemStyle: { color: theme.palette[gi % theme.palette.length] } });
    if (data.source === "runs") {
      const paper = METHODS.map((m) => data.paper[g]?.[m]?.[domain] ?? null);
      if (paper.some((v) => v !== null)) {
        paperShown++;
        series.push({
          // A dashed outline bar right beside the generator's own bar: the paper's number for the same
          // generator and setting, aligned with it (a marker on the category centre would sit elsewhere).
          type: "bar",
          id: `paper:${gi}`,
          name: `${g} (paper)`,
          data: paper,
          barMaxWidth: 28,
          itemStyle: { color: "transparent", borderColor: theme.palette[gi % theme.palette.length], borderWidth: 1.5, borderType: "dashed" },
        });
      }
    }
  });
  const subtitle =
    data.source === "paper"
      ? "Kim et al. 2024, Table 2"
      : paperShown
        ? "solid: your runs · dashed: the paper (Table 2) for the same generator"
        : "your runs · none of these generators is in the paper's Table 2";
  const opt: EChartsOption = {
    ...base(theme, `PGR — ${DOMAIN_INFO[domain].label}`, subtitle),
    // Generous gaps: text widths are estimated without a canvas (SSR), and fonts differ between viewers.
    legend: { type: "plain", bottom: 0, left: "center", itemGap: 22, textStyle: { color: theme.foreground }, formatter: (n: string) => clipLabel(n) },
    grid: { left: 8, right: 16, top: 88, bottom: legendRoom(series.length), containLabel: true },
    xAxis: { type: "category", data: cats, ...axisStyle(theme) },
    yAxis: { type: "value", name: "PGR (%)", ...axisStyle(theme) },
    series,
  };
  opt.tooltip = {
    ...(opt.tooltip as object),
    trigger: "axis",
    axisPointer: { type: "shadow" },
    // Per generator: its PGR, the paper's number for it, and the raw scores the PGR comes from.
    formatter: (prm: unknown) => {
      const list = prm as { seriesId?: string; dataIndex: number }[];
      const method = METHODS[list[0]?.dataIndex ?? 0]!;
      const lines = [`<b>${escapeHtml(DOMAIN_INFO[domain].label)} · ${escapeHtml(METHOD_INFO[method].label)}</b>`];
      for (const p of list) {
        const m = /^run:(\d+)$/.exec(p.seriesId ?? "");
        if (!m) continue;
        const g = data.generators[Number(m[1])]!;
        const r = byKey.get(`${g}|${method}`);
        const paper = data.source === "runs" ? data.paper[g]?.[method]?.[domain] : undefined;
        const head = `${marker(`tt-c${Number(m[1]) % theme.palette.length}`)}<b>${escapeHtml(g)}</b>: PGR ${r ? fmt(r.pgr) : "—"}${paper !== undefined ? ` · paper ${fmt(paper)}` : ""}`;
        lines.push(r ? `${head}<br/>${rawScoresHtml(r)}` : head);
      }
      return lines.join("<br/>");
    },
  };
  return opt;
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
  const empty = points.length === 0;
  const opt: EChartsOption = {
    ...base(theme, "PGR vs. cost per 1K instances", empty ? "no recorded item costs" : "mean PGR over the generator's settings · USD per 1K instances from the items' recorded cost"),
    grid: { left: 8, right: 24, top: 88, bottom: 40, containLabel: true },
    // Empty axes would look like a chart of nothing: without points the plot says why instead.
    xAxis: { type: "log", name: "USD per 1K instances", nameLocation: "middle", nameGap: 28, show: !empty, ...axisStyle(theme) },
    yAxis: { type: "value", name: "mean PGR (%)", show: !empty, ...axisStyle(theme), nameTextStyle: { color: theme.muted, align: "left" } },
    ...(empty
      ? {
          graphic: {
            type: "text",
            left: "center",
            top: "middle",
            style: {
              text: "No cost data yet: costs come from the generated items (costUsd) in the runs' data files.\nRun generation, then open this view again.",
              fill: theme.muted,
              font: `${theme.fontSize + 1}px ${theme.fontFamily}`,
              align: "center",
            },
          },
        }
      : {}),
    series: points.map((p, i) => ({
      type: "scatter",
      name: p.g,
      data: [[p.cost, Math.round(p.pgr * 10) / 10]],
      symbolSize: 14,
      itemStyle: { color: theme.palette[data.generators.indexOf(p.g) % theme.palette.length] ?? theme.palette[i % theme.palette.length] },
      label: { show: true, position: "right", color: theme.foreground, formatter: () => clipLabel(p.g) },
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
  const colourIndex = (g: string, i: number): number => {
    const k = data.generators.indexOf(g);
    return (k >= 0 ? k : i) % theme.palette.length;
  };
  const series: NonNullable<EChartsOption["series"]> = [
    { type: "bar", id: "base", name: "base (Llama-3.1-8B)", data: baseVals, itemStyle: { color: theme.muted }, barMaxWidth: 26 },
    { type: "bar", id: "reference", name: "reference (8B-Instruct)", data: refVals, itemStyle: { color: theme.grid, borderColor: theme.muted, borderWidth: 1 }, barMaxWidth: 26 },
    ...rs.map((r, i) => ({
      type: "bar" as const,
      id: `run:${i}`,
      name: r.generator,
      data: ids.map((b) => r.benchmarks.find((y) => y.benchmark === b)?.student ?? null),
      itemStyle: { color: theme.palette[colourIndex(r.generator, i)] },
      barMaxWidth: 26,
    })),
  ];
  const opt: EChartsOption = {
    ...base(theme, `Benchmarks — ${settingLabel(method, domain)}`, rs.length ? "raw scores (%); PGR in the tooltip" : "no raw scores for this setting"),
    // Generous gaps: text widths are estimated without a canvas (SSR), and fonts differ between viewers.
    legend: { type: "plain", bottom: 0, left: "center", itemGap: 22, textStyle: { color: theme.foreground }, formatter: (n: string) => clipLabel(n) },
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
      const list = prm as { seriesId?: string; value: unknown; dataIndex: number }[];
      const b = ids[list[0]?.dataIndex ?? 0]!;
      const lines = [`<b>${escapeHtml(BENCHMARKS[b].label)}</b>`];
      const v = (x: unknown): string => (typeof x === "number" ? fmt(x) : "—");
      for (const p of list) {
        if (p.seriesId === "base") lines.push(`${marker("tt-base")}base: ${v(p.value)}`);
        else if (p.seriesId === "reference") lines.push(`${marker("tt-ref")}reference: ${v(p.value)}`);
        else {
          const m = /^run:(\d+)$/.exec(p.seriesId ?? "");
          const r = m ? rs[Number(m[1])] : undefined;
          if (!r) continue;
          const x = r.benchmarks.find((y) => y.benchmark === b);
          lines.push(`${marker(`tt-c${colourIndex(r.generator, Number(m![1]))}`)}${escapeHtml(r.generator)}: ${v(x?.student)}${x ? ` → PGR <b>${fmt(x.pgr)}</b>` : ""}`);
        }
      }
      return lines.join("<br/>");
    },
  };
  return opt;
}

export type ChartKind = "heatmap" | `bars-${Domain}` | "cost" | `benchmarks-${Domain}.${Method}`;

/** Every chart `agora report` writes, with a file-safe name. */
export function allChartSpecs(data: ChartData, theme: ChartTheme): { name: string; option: EChartsOption; height?: number }[] {
  const out: { name: string; option: EChartsOption; height?: number }[] = [{ name: "pgr-heatmap", option: heatmapSpec(data, theme), height: heatmapHeight(data.generators.length) }];
  for (const d of DOMAINS) out.push({ name: `pgr-bars-${d}`, option: domainBarsSpec(data, d, theme) });
  // A figure of nothing has no place in a paper: without recorded costs the chart is left out.
  if (Object.values(data.costPer1K).some((c) => c > 0)) out.push({ name: "pgr-vs-cost", option: costSpec(data, theme) });
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
