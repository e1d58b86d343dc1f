/**
 * Messages between the extension host and the PGR charts webview. The host sends chart data (never chart
 * options: functions in options do not survive postMessage, and the webview builds them with the shared
 * specs and its own theme); the webview asks the host to save exports. Types only (imported by the
 * webview bundle); the host validates requests with ./validate.
 */
import type { ChartData } from "../report/charts";

export const CHART_VIEWS = ["heatmap", "bars", "cost", "benchmarks"] as const;
export type ChartView = (typeof CHART_VIEWS)[number];

export interface ChartsViewState {
  view: ChartView;
  domain: string;
  setting: string;
}

export type ChartsHostMessage = { type: "data"; data: ChartData; title: string; focus?: { view?: ChartView; setting?: string } };

export type ChartsRequest =
  | { type: "ready" }
  /** `content`: SVG text, or a PNG as base64. */
  | { type: "export"; format: "svg" | "png"; name: string; content: string };
