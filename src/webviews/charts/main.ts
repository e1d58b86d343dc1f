/**
 * PGR charts webview: the shared chart specs (src/core/report/charts.ts) rendered with ECharts' SVG
 * renderer, themed from VS Code's CSS variables, with SVG and PNG export through the host.
 */
import "@vscode/codicons/dist/codicon.css";
import "./styles.css";
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-single-select/index.js";
import "@vscode-elements/elements/dist/vscode-option/index.js";
import { BarChart, HeatmapChart, ScatterChart } from "echarts/charts";
import { GraphicComponent, GridComponent, LegendComponent, TitleComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import { benchmarkSpec, type ChartData, type ChartTheme, costSpec, domainBarsSpec, heatmapSpec, settingLabel } from "../../core/report/charts.js";
import { DOMAIN_INFO, DOMAINS, type Domain, METHODS, SETTINGS } from "../../core/settings.js";
import type { ChartsHostMessage, ChartsRequest, ChartsViewState, ChartView } from "../../core/webview-protocol/charts.js";
import { el, icon, vscodeApi } from "../shared/vscode-api.js";

echarts.use([BarChart, HeatmapChart, ScatterChart, GraphicComponent, GridComponent, LegendComponent, TitleComponent, TooltipComponent, VisualMapComponent, SVGRenderer]);

const vscode = vscodeApi<ChartsRequest, ChartsViewState>();
const state: ChartsViewState = { view: "heatmap", domain: "math", setting: SETTINGS[0]!.id, ...(vscode.getState() ?? {}) };
let data: ChartData | undefined;

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim() || getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

/** VS Code's chart colours (`--vscode-charts-*`) and editor colours, read at render time. */
function themeFromVsCode(): ChartTheme {
  const hc = document.body.classList.contains("vscode-high-contrast");
  // A high-contrast light page has both high-contrast classes (VS Code adds both).
  const dark = document.body.classList.contains("vscode-dark") || (hc && !document.body.classList.contains("vscode-high-contrast-light"));
  return {
    background: cssVar("--vscode-editor-background", dark ? "#1e1e1e" : "#ffffff"),
    foreground: cssVar("--vscode-editor-foreground", dark ? "#cccccc" : "#333333"),
    muted: cssVar("--vscode-descriptionForeground", "#808080"),
    grid: cssVar("--vscode-editorWidget-border", dark ? "#454545" : "#e0e0e0"),
    fontFamily: cssVar("--vscode-font-family", "sans-serif"),
    fontSize: 12,
    palette: ["blue", "orange", "green", "purple", "red", "yellow"].map((c, i) => cssVar(`--vscode-charts-${c}`, ["#3794ff", "#d18616", "#89d185", "#b180d7", "#f14c4c", "#cca700"][i]!)),
    diverging: [cssVar("--vscode-charts-red", "#f14c4c"), cssVar("--vscode-editor-background", dark ? "#1e1e1e" : "#ffffff"), cssVar("--vscode-charts-blue", "#3794ff")],
    // High contrast: cells near 0 have the background's colour, so they need an outline to be seen at all.
    cellBorder: hc ? cssVar("--vscode-contrastBorder", dark ? "#6fc3df" : "#0f4a85") : undefined,
  };
}

const toolbar = el("div", "toolbar");
const tabs = el("div", "tabs");
tabs.setAttribute("role", "tablist");
const VIEW_LABEL: Record<ChartView, string> = { heatmap: "Heatmap", bars: "By domain", cost: "PGR vs. cost", benchmarks: "Benchmarks" };
const sub = el("span", "sub");
const exportSvg = document.createElement("vscode-button");
exportSvg.setAttribute("secondary", "");
exportSvg.append(icon("file-media"), " SVG");
exportSvg.title = "Export this chart as SVG";
const exportPng = document.createElement("vscode-button");
exportPng.setAttribute("secondary", "");
exportPng.append(icon("device-camera"), " PNG");
exportPng.title = "Export this chart as PNG";
toolbar.append(tabs, sub, el("span", "spacer"), exportSvg, exportPng);
const chartEl = el("div", "chart");
chartEl.setAttribute("role", "img");
const problems = el("div", "problems");
document.body.append(toolbar, chartEl, problems);
let chart: echarts.ECharts | undefined;

function select(options: { value: string; label: string }[], value: string, onChange: (v: string) => void, label: string): HTMLElement {
  const s = document.createElement("vscode-single-select") as HTMLElement & { value: string };
  s.setAttribute("aria-label", label);
  for (const o of options) {
    const opt = document.createElement("vscode-option");
    opt.setAttribute("value", o.value);
    opt.textContent = o.label;
    if (o.value === value) opt.setAttribute("selected", "");
    s.append(opt);
  }
  s.addEventListener("change", () => onChange(s.value));
  return s;
}

function renderToolbar(): void {
  tabs.replaceChildren(
    ...(Object.keys(VIEW_LABEL) as ChartView[]).map((v) => {
      const b = el("button", "tab", VIEW_LABEL[v]);
      b.type = "button";
      b.setAttribute("role", "tab");
      b.setAttribute("aria-selected", String(state.view === v));
      b.addEventListener("click", () => {
        state.view = v;
        update();
      });
      return b;
    }),
  );
  sub.replaceChildren();
  if (state.view === "bars") sub.append(select(DOMAINS.map((d) => ({ value: d, label: DOMAIN_INFO[d].label })), state.domain, (v) => ((state.domain = v), update()), "Domain"));
  if (state.view === "benchmarks") sub.append(select(SETTINGS.map((s) => ({ value: s.id, label: settingLabel(s.method, s.domain) })), state.setting, (v) => ((state.setting = v), update()), "Setting"));
}

function option(): echarts.EChartsCoreOption | undefined {
  if (!data) return undefined;
  const theme = themeFromVsCode();
  switch (state.view) {
    case "heatmap":
      return heatmapSpec(data, theme);
    case "bars":
      return domainBarsSpec(data, (DOMAINS as readonly string[]).includes(state.domain) ? (state.domain as Domain) : "math", theme);
    case "cost":
      return costSpec(data, theme);
    case "benchmarks": {
      const s = SETTINGS.find((x) => x.id === state.setting) ?? SETTINGS[0]!;
      return benchmarkSpec(data, s.method, s.domain, theme);
    }
  }
}

function update(): void {
  vscode.setState(state);
  renderToolbar();
  const opt = option();
  if (!opt) return;
  chart?.dispose();
  chart = echarts.init(chartEl, undefined, { renderer: "svg" });
  chart.setOption(opt);
  chart.on("click", drillDown);
  chartEl.setAttribute("aria-label", `${VIEW_LABEL[state.view]} chart`);
}

/**
 * Clicking a heatmap cell or a bar opens that setting's per-benchmark view (raw scores behind the PGR).
 * The paper publishes no raw scores, so its table has nothing to drill into.
 */
function drillDown(p: { seriesType?: string; value?: unknown; dataIndex?: number }): void {
  if (!data || data.source !== "runs") return;
  let setting: (typeof SETTINGS)[number] | undefined;
  if (state.view === "heatmap" && p.seriesType === "heatmap" && Array.isArray(p.value)) setting = SETTINGS[Number(p.value[0])];
  else if (state.view === "bars" && p.seriesType === "bar" && p.dataIndex !== undefined) {
    const method = METHODS[p.dataIndex];
    setting = SETTINGS.find((x) => x.method === method && x.domain === state.domain);
  }
  if (!setting) return;
  state.view = "benchmarks";
  state.setting = setting.id;
  update();
}

function fileName(): string {
  const suffix = state.view === "bars" ? `-${state.domain}` : state.view === "benchmarks" ? `-${state.setting}` : "";
  return `pgr-${state.view}${suffix}`;
}

exportSvg.addEventListener("click", () => {
  if (!chart) return;
  const svg = chartEl.querySelector("svg");
  if (!svg) return;
  vscode.postMessage({ type: "export", format: "svg", name: fileName(), content: new XMLSerializer().serializeToString(svg) });
});

exportPng.addEventListener("click", () => {
  const svg = chartEl.querySelector("svg");
  if (!svg) return;
  // Rasterise our own SVG in the page (2× for print): a blob URL of local markup never taints the canvas.
  const text = new XMLSerializer().serializeToString(svg);
  const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
  const img = new Image();
  img.onload = () => {
    const w = chartEl.clientWidth;
    const h = chartEl.clientHeight;
    const canvas = document.createElement("canvas");
    canvas.width = w * 2;
    canvas.height = h * 2;
    const ctx = canvas.getContext("2d")!;
    ctx.scale(2, 2);
    ctx.drawImage(img, 0, 0, w, h);
    URL.revokeObjectURL(url);
    const b64 = canvas.toDataURL("image/png").replace(/^data:image\/png;base64,/, "");
    vscode.postMessage({ type: "export", format: "png", name: fileName(), content: b64 });
  };
  img.src = url;
});

new ResizeObserver(() => chart?.resize()).observe(chartEl);
// Theme switches change body classes: re-render with the new colours.
new MutationObserver(() => update()).observe(document.body, { attributes: true, attributeFilter: ["class"] });

window.addEventListener("message", (ev: MessageEvent<ChartsHostMessage>) => {
  const m = ev.data;
  if (m.type !== "data") return;
  data = m.data;
  if (m.focus?.view) state.view = m.focus.view;
  if (m.focus?.setting) state.setting = m.focus.setting;
  problems.replaceChildren(...m.data.problems.slice(0, 20).map((p) => el("div", "problem", p)));
  update();
});

renderToolbar();
vscode.postMessage({ type: "ready" });
