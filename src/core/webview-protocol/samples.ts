/**
 * The typed message protocol between the extension host and the samples browser webview. Both sides
 * import these types, so a renamed field fails the type-check on both ends instead of at run time; the
 * host additionally validates what the webview sends (`parseSamplesRequest` in ./validate), because a
 * webview is rendering model-generated text and is treated as untrusted input.
 *
 * This module is imported by the webview bundles, so it holds types and constants only: zod stays on the
 * host side (its eval feature probe would be a CSP violation in the webview).
 */

export const STATUS_FILTERS = ["valid", "invalid", "duplicate", "failed", "unparsable"] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export const SORT_KEYS = ["line", "judge", "cost", "latency", "length"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface SampleQuery {
  /** Full-text search over the item's string values, case-insensitive. */
  text: string;
  statuses: StatusFilter[];
  generators: string[];
  settings: string[];
  judgeMin?: number;
  judgeMax?: number;
  sort: SortKey;
  descending: boolean;
}

export const EMPTY_QUERY: SampleQuery = { text: "", statuses: [], generators: [], settings: [], sort: "line", descending: false };

/** One list row: enough to show and sort without the item's full text. */
export interface SampleRow {
  /** 0-based line in the file (= item position). */
  line: number;
  id: string;
  status: StatusFilter;
  generator: string;
  setting: string;
  domain: string;
  method: string;
  /** First characters of the instruction, whitespace collapsed. */
  preview: string;
  judge?: number;
  costUsd?: number;
  latencyMs?: number;
  reason?: string;
}

/** The item for the detail pane; strings past `DETAIL_STRING_LIMIT` are cut and `truncated` says so. */
export interface SampleDetail {
  line: number;
  bytes: number;
  truncated: boolean;
  invalidUtf8: boolean;
  /** The parsed item (any JSON object; the known fields of GeneratedItem are rendered specially). */
  item?: Record<string, unknown>;
  /** When the line is not a JSON object: why, and its first characters. */
  error?: string;
  rawPreview?: string;
  /** The run has a prompts.jsonl entry for this item's promptHash. */
  hasPrompt: boolean;
}

export const DETAIL_STRING_LIMIT = 200_000;

export interface FacetCount {
  value: string;
  count: number;
}

export interface SampleFacets {
  /** False while the background pass that reads every line is still running. */
  ready: boolean;
  statuses: Partial<Record<StatusFilter, number>>;
  generators: FacetCount[];
  settings: FacetCount[];
  judged: number;
}

export interface SamplesFileInfo {
  name: string;
  path: string;
  size: number;
  count: number;
}

/** State the webview keeps with `setState`, so a hidden-then-shown panel comes back where it was. */
export interface SamplesViewState {
  query: SampleQuery;
  selectedLine?: number;
  scrollTop?: number;
  showPrompt?: boolean;
}

export type SamplesHostMessage =
  | { type: "init"; file: SamplesFileInfo; revealLine?: number; locale?: string }
  | { type: "facets"; facets: SampleFacets }
  /** `located`: the position in this view of the query's `locate` line, absent when the view lacks it. */
  | { type: "view"; requestId: number; total: number; query: SampleQuery; tookMs: number; located?: number }
  | { type: "rows"; requestId: number; start: number; rows: SampleRow[] }
  | { type: "detail"; detail: SampleDetail }
  | { type: "prompt"; line: number; text: string | null }
  /** Select `line` (code lens, hover, tree); `position`: where it is in the current view, if it is there. */
  | { type: "reveal"; line: number; position?: number }
  | { type: "progress"; phase: "index" | "facets" | "search"; done: number; total: number }
  | { type: "notice"; level: "info" | "error"; message: string };

export type SamplesRequest =
  | { type: "ready"; state?: unknown }
  /**
   * `locate`: a line whose position in the new view the answer reports (the selection, so that it
   * survives filtering and sorting and comes back when the page is re-created).
   */
  | { type: "query"; requestId: number; query: SampleQuery; locate?: number }
  | { type: "rows"; requestId: number; start: number; end: number }
  | { type: "detail"; line: number }
  | { type: "prompt"; line: number }
  | { type: "revealInEditor"; line: number }
  | { type: "copyJson"; line: number }
  | { type: "export" };

/** Rows per request: small enough to answer in a few ms, large enough for a tall window. */
export const ROW_BLOCK = 100;
