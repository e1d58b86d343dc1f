/**
 * Server-side rendering of chart specs to SVG with ECharts' own SSR mode (no DOM, no browser), for
 * `agora report`. PNG is rasterised from this SVG by the CLI (see src/cli/commands/report.ts).
 */
import type { EChartsOption } from "echarts";
import { echarts } from "./echarts-setup";

export const REPORT_SIZE = { width: 900, height: 520 } as const;

export function renderChartSvg(option: EChartsOption, size: { width: number; height: number } = REPORT_SIZE): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: size.width, height: size.height });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
