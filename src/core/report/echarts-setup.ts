/**
 * The one ECharts import shared by the charts webview and `agora report`, so a spec that renders in one
 * renders in the other. The package's CommonJS entry (full build) is used because the tree-shakeable
 * `echarts/core` entry points are ESM-only and this project compiles as CommonJS (Node16 resolution).
 */
import * as echarts from "echarts";

export { echarts };
