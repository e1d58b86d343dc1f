/**
 * Samples browser webview: a virtual list over the host's filtered view (rows fetched in blocks as they
 * scroll into sight, never the whole file), filters and search, and a detail pane that renders the item
 * by domain and method. Everything model-generated is either set as textContent or rendered through the
 * sanitising markdown pipeline in render.ts.
 */
import "@vscode/codicons/dist/codicon.css";
import "highlight.js/styles/vs2015.css";
import "./styles.css";
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-textfield/index.js";
import "@vscode-elements/elements/dist/vscode-single-select/index.js";
import "@vscode-elements/elements/dist/vscode-option/index.js";
import "@vscode-elements/elements/dist/vscode-badge/index.js";
import "@vscode-elements/elements/dist/vscode-progress-bar/index.js";
import {
  EMPTY_QUERY,
  ROW_BLOCK,
  type SampleDetail,
  type SampleFacets,
  type SampleQuery,
  type SampleRow,
  type SamplesHostMessage,
  type SamplesRequest,
  type SamplesViewState,
  SORT_KEYS,
  STATUS_FILTERS,
  type StatusFilter,
} from "../../core/webview-protocol/samples.js";
import { el, icon, vscodeApi } from "../shared/vscode-api.js";
import { renderCode, renderMarkdown, renderWordDiff } from "./render.js";

const vscode = vscodeApi<SamplesRequest, SamplesViewState>();
const ROW_H = 46;

interface Model {
  query: SampleQuery;
  requestId: number;
  total: number;
  rows: Map<number, SampleRow>;
  pendingBlocks: Set<number>;
  selected: number; // position in the view
  selectedLine?: number;
  detail?: SampleDetail;
  facets?: SampleFacets;
  fileCount: number;
  showPrompt: boolean;
  promptText?: string | null;
  qeMode: "diff" | "rendered";
}

const saved = vscode.getState();
const model: Model = {
  query: { ...EMPTY_QUERY, ...(saved?.query ?? {}) },
  requestId: 0,
  total: 0,
  rows: new Map(),
  pendingBlocks: new Set(),
  selected: -1,
  selectedLine: saved?.selectedLine,
  fileCount: 0,
  showPrompt: saved?.showPrompt ?? false,
  qeMode: "diff",
};
let restoreScroll = saved?.scrollTop;

function saveState(): void {
  vscode.setState({ query: model.query, selectedLine: model.selectedLine, scrollTop: listScroller.scrollTop, showPrompt: model.showPrompt });
}

// ---------- layout ----------
const app = el("div", "app");
const toolbar = el("div", "toolbar");
const search = document.createElement("vscode-textfield") as HTMLElement & { value: string };
search.setAttribute("placeholder", "Search instructions and responses  ( / )");
search.setAttribute("aria-label", "Search");
search.className = "search";
search.append(Object.assign(icon("search"), { slot: "content-before" }));
const statusChips = el("div", "chips");
statusChips.setAttribute("role", "group");
statusChips.setAttribute("aria-label", "Status filter");
const genSelect = makeSelect("Generator");
const setSelect = makeSelect("Setting");
const judgeSelect = makeSelect("Judge score");
const sortSelect = makeSelect("Sort");
const dirBtn = document.createElement("vscode-button") as HTMLElement;
dirBtn.setAttribute("secondary", "");
dirBtn.setAttribute("title", "Sort direction");
const exportBtn = document.createElement("vscode-button") as HTMLElement;
exportBtn.setAttribute("secondary", "");
exportBtn.append(icon("export"), " Export view");
exportBtn.title = "Export the filtered view to a JSONL file";
const countLabel = el("span", "count", "");
countLabel.setAttribute("aria-live", "polite");
const progress = document.createElement("vscode-progress-bar") as HTMLElement;
progress.className = "progress";
progress.hidden = true;

toolbar.append(search, statusChips, genSelect.wrap, setSelect.wrap, judgeSelect.wrap, sortSelect.wrap, dirBtn, el("span", "spacer"), countLabel, exportBtn);

const main = el("div", "main");
const listScroller = el("div", "list");
listScroller.tabIndex = 0;
listScroller.setAttribute("role", "listbox");
listScroller.setAttribute("aria-label", "Generated items");
const listSpacer = el("div", "spacer-rows");
listScroller.append(listSpacer);
const detail = el("div", "detail");
detail.setAttribute("role", "region");
detail.setAttribute("aria-label", "Item detail");
detail.tabIndex = -1;
main.append(listScroller, detail);
app.append(toolbar, progress, main);
document.body.append(app);
detail.append(el("div", "empty", "Select an item to see it rendered."));

function makeSelect(label: string): { wrap: HTMLElement; select: HTMLElement & { value: string } } {
  const wrap = el("label", "sel");
  wrap.append(el("span", "sel-label", label));
  const select = document.createElement("vscode-single-select") as HTMLElement & { value: string };
  select.setAttribute("aria-label", label);
  wrap.append(select);
  return { wrap, select };
}

function setOptions(sel: HTMLElement & { value: string }, options: { value: string; label: string }[], value: string): void {
  sel.replaceChildren(
    ...options.map((o) => {
      const opt = document.createElement("vscode-option") as HTMLElement & { value: string; selected: boolean };
      opt.setAttribute("value", o.value);
      opt.textContent = o.label;
      if (o.value === value) opt.setAttribute("selected", "");
      return opt;
    }),
  );
  sel.value = value;
}

// ---------- query controls ----------
const STATUS_ICON: Record<StatusFilter, string> = { valid: "pass", invalid: "error", duplicate: "copy", failed: "close", unparsable: "warning" };

function renderChips(): void {
  statusChips.replaceChildren(
    ...STATUS_FILTERS.map((s) => {
      const b = el("button", `chip status-${s}`);
      b.type = "button";
      const on = model.query.statuses.includes(s);
      b.setAttribute("aria-pressed", String(on));
      const n = model.facets?.statuses[s];
      b.append(icon(STATUS_ICON[s]), ` ${s}`);
      if (n !== undefined) b.append(el("span", "chip-count", n.toLocaleString("en-US")));
      b.addEventListener("click", () => {
        const st = new Set(model.query.statuses);
        if (st.has(s)) st.delete(s);
        else st.add(s);
        updateQuery({ statuses: STATUS_FILTERS.filter((x) => st.has(x)) });
      });
      return b;
    }),
  );
}

function renderFacetSelects(): void {
  const f = model.facets;
  const any = { value: "", label: f ? "All" : "All (reading…)" };
  setOptions(genSelect.select, [any, ...(f?.generators ?? []).map((g) => ({ value: g.value, label: `${g.value} (${g.count.toLocaleString("en-US")})` }))], model.query.generators[0] ?? "");
  setOptions(setSelect.select, [any, ...(f?.settings ?? []).map((g) => ({ value: g.value, label: `${g.value} (${g.count.toLocaleString("en-US")})` }))], model.query.settings[0] ?? "");
  const j = model.query.judgeMin === undefined ? "" : String(model.query.judgeMin);
  setOptions(judgeSelect.select, [{ value: "", label: "Any" }, ...[1, 2, 3, 4, 5].map((x) => ({ value: String(x), label: `≥ ${x}` }))], j);
  setOptions(sortSelect.select, SORT_KEYS.map((k) => ({ value: k, label: k === "line" ? "File order" : k === "length" ? "Length" : k[0]!.toUpperCase() + k.slice(1) })), model.query.sort);
  dirBtn.replaceChildren(icon(model.query.descending ? "arrow-down" : "arrow-up"));
  dirBtn.setAttribute("aria-label", model.query.descending ? "Descending" : "Ascending");
}

genSelect.select.addEventListener("change", () => updateQuery({ generators: genSelect.select.value ? [genSelect.select.value] : [] }));
setSelect.select.addEventListener("change", () => updateQuery({ settings: setSelect.select.value ? [setSelect.select.value] : [] }));
judgeSelect.select.addEventListener("change", () => updateQuery({ judgeMin: judgeSelect.select.value ? Number(judgeSelect.select.value) : undefined }));
sortSelect.select.addEventListener("change", () => updateQuery({ sort: sortSelect.select.value as SampleQuery["sort"] }));
dirBtn.addEventListener("click", () => updateQuery({ descending: !model.query.descending }));
exportBtn.addEventListener("click", () => vscode.postMessage({ type: "export" }));
let searchTimer: number | undefined;
search.addEventListener("input", () => {
  window.clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => updateQuery({ text: search.value ?? "" }), 250);
});

function updateQuery(patch: Partial<SampleQuery>): void {
  model.query = { ...model.query, ...patch };
  sendQuery();
  renderChips();
  renderFacetSelects();
  saveState();
}

/**
 * The selected line travels with every query: the host says where it is in the new view, so the
 * selection survives filtering and sorting, a re-created page, and a reveal into a filtered view.
 */
function sendQuery(): void {
  model.requestId++;
  progress.hidden = false;
  vscode.postMessage({ type: "query", requestId: model.requestId, query: model.query, ...(model.selectedLine !== undefined ? { locate: model.selectedLine } : {}) });
}

/** The query of the view shown, to tell a new view from the same one re-run. */
let lastQueryKey = "";
/** A reveal (code lens, hover, tree) is being answered: centre the item rather than just show it. */
let revealing = false;
/** `model.selected` is set, but its row had not arrived: select it (and fetch its detail) when it does. */
let awaitingRow = false;

/** Selects view position `pos`, scrolling it into sight, whether or not its row has arrived yet. */
function goTo(pos: number, how: "nearest" | "center"): void {
  if (pos < 0 || pos >= model.total) return;
  model.selected = pos;
  scrollToPos(pos, how);
  if (model.rows.has(pos)) {
    awaitingRow = false;
    select(pos);
  } else {
    awaitingRow = true;
    renderList();
  }
}

// ---------- virtual list ----------
/**
 * Browsers cap an element's height (Chromium at about 33.5M px, i.e. ~730K rows of 46 px), so past 8M px
 * (~174K rows) the spacer stays at that height and the scrollbar's range is mapped onto the full list: a
 * file of any length stays reachable to its last row. Below it, scrollTop and the list offset agree.
 */
const MAX_SPACER_PX = 8_000_000;
/** The exact list offset last scrolled to in code (scrollTop itself is rounded by the browser). */
let anchor: { scrollTop: number; offset: number } | undefined;

function listGeometry(): { h: number; full: number; ratio: number } {
  const h = listScroller.clientHeight || 600;
  const full = model.total * ROW_H;
  const spacer = Math.min(full, MAX_SPACER_PX);
  return { h, full, ratio: spacer > h && full > spacer ? (full - h) / (spacer - h) : 1 };
}

/** Offset of the list (in full-list pixels) at the top of the viewport. */
function listOffset(): number {
  const top = listScroller.scrollTop;
  if (anchor && Math.abs(anchor.scrollTop - top) < 1) return anchor.offset;
  anchor = undefined;
  return top * listGeometry().ratio;
}

/** Scrolls so that the list offset `offset` is at the top of the viewport. */
function scrollToOffset(offset: number): void {
  // The spacer first: a scrollTop past its current height would be clamped.
  listSpacer.style.height = `${Math.min(model.total * ROW_H, MAX_SPACER_PX)}px`;
  const g = listGeometry();
  const o = Math.max(0, Math.min(offset, Math.max(0, g.full - g.h)));
  listScroller.scrollTop = o / g.ratio;
  anchor = { scrollTop: listScroller.scrollTop, offset: o };
}

/** Brings view position `pos` into sight: the nearest edge, or the middle of the viewport. */
function scrollToPos(pos: number, how: "nearest" | "center"): void {
  const h = listScroller.clientHeight || 600;
  const top = pos * ROW_H;
  if (how === "center") return scrollToOffset(top - h / 2 + ROW_H / 2);
  const cur = listOffset();
  if (top < cur) scrollToOffset(top);
  else if (top + ROW_H > cur + h) scrollToOffset(top + ROW_H - h);
}

function renderList(): void {
  listSpacer.style.height = `${Math.min(model.total * ROW_H, MAX_SPACER_PX)}px`;
  const top = listOffset();
  const shift = listScroller.scrollTop - top;
  const h = listScroller.clientHeight || 600;
  const first = Math.max(0, Math.floor(top / ROW_H) - 5);
  const last = Math.min(model.total, Math.ceil((top + h) / ROW_H) + 5);
  evictFarRows(first, last);
  const nodes: HTMLElement[] = [];
  for (let i = first; i < last; i++) {
    const r = model.rows.get(i);
    if (!r) requestBlock(Math.floor(i / ROW_BLOCK));
    nodes.push(rowNode(i, r, shift));
  }
  listSpacer.replaceChildren(...nodes);
}

/** Rows kept around the viewport; dragging the scrollbar through a huge file must not keep them all. */
const KEEP_ROWS = 30 * ROW_BLOCK;
function evictFarRows(first: number, last: number): void {
  if (model.rows.size <= KEEP_ROWS) return;
  const lo = Math.floor(first / ROW_BLOCK) - 5;
  const hi = Math.floor(last / ROW_BLOCK) + 5;
  for (const pos of model.rows.keys()) {
    const b = Math.floor(pos / ROW_BLOCK);
    if ((b < lo || b > hi) && pos !== model.selected) {
      model.rows.delete(pos);
      model.pendingBlocks.delete(b);
    }
  }
}

function requestBlock(b: number): void {
  if (model.pendingBlocks.has(b)) return;
  model.pendingBlocks.add(b);
  vscode.postMessage({ type: "rows", requestId: model.requestId, start: b * ROW_BLOCK, end: (b + 1) * ROW_BLOCK });
}

function fmtCost(x: number | undefined): string {
  return x === undefined ? "" : x < 0.01 ? `$${x.toFixed(5)}` : `$${x.toFixed(3)}`;
}

function rowNode(pos: number, r: SampleRow | undefined, shift: number): HTMLElement {
  const d = el("div", "row");
  // Through the CSSOM, which the CSP allows (a style attribute in markup it would not).
  d.style.transform = `translateY(${pos * ROW_H + shift}px)`;
  d.setAttribute("role", "option");
  d.dataset.pos = String(pos);
  if (pos === model.selected) {
    d.classList.add("selected");
    d.setAttribute("aria-selected", "true");
  }
  if (!r) {
    d.append(el("div", "preview loading", "…"));
    return d;
  }
  d.classList.add(`status-${r.status}`);
  const line1 = el("div", "preview", r.preview || r.id || "(empty)");
  const meta = el("div", "meta");
  meta.append(el("span", `badge status-${r.status}`, r.status), el("span", "ln", `#${r.line + 1}`));
  if (r.generator) meta.append(el("span", "gen", r.generator));
  if (r.setting) meta.append(el("span", "set", r.setting));
  if (r.judge !== undefined) meta.append(el("span", "judge", `★ ${r.judge}`));
  if (r.costUsd !== undefined) meta.append(el("span", "cost", fmtCost(r.costUsd)));
  d.append(line1, meta);
  d.title = r.reason ? `${r.status}: ${r.reason}` : "";
  return d;
}

listScroller.addEventListener("scroll", () => {
  renderList();
  saveState();
});
listScroller.addEventListener("click", (e) => {
  const row = (e.target as HTMLElement).closest<HTMLElement>(".row");
  if (row?.dataset.pos) select(Number(row.dataset.pos));
});
listScroller.addEventListener("dblclick", () => model.selectedLine !== undefined && vscode.postMessage({ type: "revealInEditor", line: model.selectedLine }));

function select(pos: number, scroll = false): void {
  if (model.total === 0) return;
  pos = Math.max(0, Math.min(model.total - 1, pos));
  model.selected = pos;
  const r = model.rows.get(pos);
  if (scroll) scrollToPos(pos, "nearest");
  renderList();
  if (r) {
    model.selectedLine = r.line;
    model.promptText = undefined;
    vscode.postMessage({ type: "detail", line: r.line });
    if (model.showPrompt) vscode.postMessage({ type: "prompt", line: r.line });
  }
  saveState();
}

// ---------- keyboard ----------
/**
 * Text the user selected in the list or the detail pane: then Ctrl+C copies that, as in any page. A
 * selection left in the search field (focusing it selects its text) does not count, or Ctrl+C would do
 * nothing after "/" and Escape.
 */
function selectedTextInPage(): boolean {
  const sel = window.getSelection();
  if (!sel || sel.isCollapsed || !sel.anchorNode) return false;
  return (detail.contains(sel.anchorNode) || listScroller.contains(sel.anchorNode)) && sel.toString() !== "";
}

document.addEventListener("keydown", (e) => {
  const inField = (e.target as HTMLElement).closest("vscode-textfield, vscode-single-select, input, select, textarea");
  if (e.key === "/" && !inField) {
    e.preventDefault();
    search.focus();
    return;
  }
  if (e.key === "Escape" && inField) {
    listScroller.focus();
    return;
  }
  if (inField) return;
  const page = Math.max(1, Math.floor(listScroller.clientHeight / ROW_H) - 1);
  const moves: Record<string, number> = { ArrowDown: 1, j: 1, ArrowUp: -1, k: -1, PageDown: page, PageUp: -page };
  if (e.key in moves) {
    e.preventDefault();
    select((model.selected < 0 ? -1 : model.selected) + moves[e.key]!, true);
  } else if (e.key === "Home") {
    e.preventDefault();
    select(0, true);
  } else if (e.key === "End") {
    e.preventDefault();
    select(model.total - 1, true);
  } else if (e.key === "Enter" && model.selectedLine !== undefined) {
    e.preventDefault();
    vscode.postMessage({ type: "revealInEditor", line: model.selectedLine });
  } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "c" && !selectedTextInPage() && model.selectedLine !== undefined) {
    e.preventDefault();
    vscode.postMessage({ type: "copyJson", line: model.selectedLine });
  }
});

// ---------- detail ----------
type Item = Record<string, unknown>;
const s = (v: unknown): string => (typeof v === "string" ? v : "");
const n = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

function section(title: string, body: HTMLElement, extra?: HTMLElement): HTMLElement {
  const sec = el("section", "sec");
  const h = el("h3", "", title);
  if (extra) h.append(extra);
  sec.append(h, body);
  return sec;
}

function textBlock(text: string, domain: string, role: "instruction" | "response"): HTMLElement {
  const div = el("div", "md");
  // Code answers are one fenced block by the output rules; a bare code response still gets numbered lines.
  if (domain === "code" && role === "response" && !text.includes("```") && /\n/.test(text)) renderCode(div, text, "python");
  else renderMarkdown(div, text, { math: domain === "math" });
  return div;
}

function renderDetail(): void {
  const d = model.detail;
  if (!d) return;
  const root = el("div", "detail-inner");
  const head = el("div", "detail-head");
  const actions = el("div", "actions");
  const copy = document.createElement("vscode-button");
  copy.setAttribute("secondary", "");
  copy.append(icon("copy"), " Copy JSON");
  copy.addEventListener("click", () => vscode.postMessage({ type: "copyJson", line: d.line }));
  const reveal = document.createElement("vscode-button");
  reveal.setAttribute("secondary", "");
  reveal.append(icon("go-to-file"), " Reveal line");
  reveal.addEventListener("click", () => vscode.postMessage({ type: "revealInEditor", line: d.line }));
  actions.append(copy, reveal);
  const item = d.item;
  if (!item) {
    head.append(el("h2", "", `Line ${d.line + 1}`), el("span", "badge status-unparsable", d.error ?? "unparsable"));
    root.append(head, actions);
    if (d.invalidUtf8) root.append(el("p", "warn", "This line is not valid UTF-8; undecodable bytes are shown as �."));
    root.append(section("Raw line", el("pre", "plain", d.rawPreview ?? "")));
    detail.replaceChildren(root);
    return;
  }
  // The status names a CSS class: only the known ones may, whatever the file says.
  const status = (STATUS_FILTERS as readonly string[]).includes(s(item.status)) ? s(item.status) : s(item.status) ? "unparsable" : "valid";
  const domain = s(item.domain);
  const method = s(item.method);
  head.append(el("h2", "", `#${d.line + 1}  ${s(item.id)}`), el("span", `badge status-${status}`, status));
  const facts = el("dl", "facts");
  const fact = (k: string, v: string | undefined): void => {
    if (!v) return;
    facts.append(el("dt", "", k), el("dd", "", v));
  };
  fact("Generator", s(item.generator));
  fact("Model", s(item.model) !== s(item.generator) ? s(item.model) : "");
  fact("Setting", s(item.setting));
  fact("Seed source", s(item.config));
  const usage = item.usage as Item | undefined;
  if (usage) fact("Tokens", `${n(usage.inputTokens) ?? "?"} in · ${n(usage.outputTokens) ?? "?"} out${n(usage.cachedInputTokens) ? ` · ${n(usage.cachedInputTokens)} cached` : ""}`);
  fact("Cost", n(item.costUsd) !== undefined ? `${fmtCost(n(item.costUsd))}${item.batch ? " (batch)" : ""}` : "");
  fact("Latency", n(item.latencyMs) !== undefined ? `${(n(item.latencyMs)! / 1000).toFixed(2)} s` : "");
  fact("Attempts", n(item.attempts) !== undefined && n(item.attempts)! > 1 ? String(n(item.attempts)) : "");
  const judge = item.judge as Item | undefined;
  fact("Judge", judge && n(judge.score) !== undefined ? `${n(judge.score)} / 5` : "");
  fact("Created", s(item.createdAt));
  root.append(head, actions, facts);
  if (d.invalidUtf8) root.append(el("p", "warn", "This line is not valid UTF-8; undecodable bytes are shown as �."));
  if (d.truncated) root.append(el("p", "warn", "Very long strings were cut for display; Copy JSON copies the full item."));
  if (s(item.reason)) root.append(el("p", `reason status-${status}`, `${status}: ${s(item.reason)}`));
  if (judge && s(judge.rationale)) root.append(section("Judge rationale", el("p", "prose", s(judge.rationale))));

  const original = item.original as Item | undefined;
  if (method === "quality_enhancement" && original) {
    const toggle = el("button", "link-btn", model.qeMode === "diff" ? "Show rendered" : "Show word diff");
    toggle.type = "button";
    toggle.addEventListener("click", () => {
      model.qeMode = model.qeMode === "diff" ? "rendered" : "diff";
      renderDetail();
    });
    for (const role of ["instruction", "response"] as const) {
      const grid = el("div", "side-by-side");
      const l = el("div", "pane");
      const r = el("div", "pane");
      const lb = el("div", model.qeMode === "diff" ? "diff" : "md");
      const rb = el("div", model.qeMode === "diff" ? "diff" : "md");
      if (model.qeMode === "diff") renderWordDiff(lb, rb, s(original[role]), s(item[role]));
      else {
        lb.replaceChildren(textBlock(s(original[role]), domain, role));
        rb.replaceChildren(textBlock(s(item[role]), domain, role));
      }
      l.append(el("div", "pane-title", "Original"), lb);
      r.append(el("div", "pane-title", "Enhanced"), rb);
      grid.append(l, r);
      root.append(section(role === "instruction" ? "Instruction" : "Response", grid, role === "instruction" ? toggle : undefined));
    }
  } else {
    root.append(section("Instruction", textBlock(s(item.instruction), domain, "instruction")));
    root.append(section("Response", textBlock(s(item.response), domain, "response")));
  }
  if (s(item.raw) && status !== "valid") root.append(section("Raw model output", el("pre", "plain", s(item.raw))));

  if (d.hasPrompt) {
    const btn = el("button", "link-btn", model.showPrompt ? "Hide prompt" : "Show rendered prompt");
    btn.type = "button";
    btn.addEventListener("click", () => {
      model.showPrompt = !model.showPrompt;
      if (model.showPrompt && model.promptText === undefined) vscode.postMessage({ type: "prompt", line: d.line });
      saveState();
      renderDetail();
    });
    const body = el("pre", "plain prompt", model.showPrompt ? (model.promptText === undefined ? "Loading…" : (model.promptText ?? "Prompt not found in prompts.jsonl.")) : "");
    body.hidden = !model.showPrompt;
    root.append(section("Prompt", body, btn));
  }
  detail.replaceChildren(root);
}

// ---------- messages ----------
window.addEventListener("message", (ev: MessageEvent<SamplesHostMessage>) => {
  const m = ev.data;
  switch (m.type) {
    case "init":
      model.fileCount = m.file.count;
      document.title = m.file.name;
      if (m.revealLine !== undefined) {
        model.selectedLine = m.revealLine;
        revealing = true;
      }
      sendQuery();
      break;
    case "facets":
      model.facets = m.facets;
      renderChips();
      renderFacetSelects();
      break;
    case "view": {
      if (m.requestId !== model.requestId) return;
      progress.hidden = true;
      model.total = m.total;
      model.rows.clear();
      model.pendingBlocks.clear();
      model.selected = -1;
      awaitingRow = false;
      countLabel.textContent = `${m.total.toLocaleString("en-US")} of ${model.fileCount.toLocaleString("en-US")} items`;
      const queryKey = JSON.stringify(m.query);
      if (restoreScroll !== undefined) {
        // A re-created page: back to where the list was (the selection is then kept in sight below).
        listSpacer.style.height = `${Math.min(m.total * ROW_H, MAX_SPACER_PX)}px`;
        listScroller.scrollTop = restoreScroll;
        restoreScroll = undefined;
      } else if (m.located === undefined && queryKey !== lastQueryKey) {
        // A different view without the selection in it starts at its top (the same view re-run, e.g.
        // because a running generation appended items, stays where it was).
        scrollToOffset(0);
      }
      lastQueryKey = queryKey;
      if (m.located !== undefined) goTo(m.located, revealing ? "center" : "nearest");
      else renderList();
      revealing = false;
      break;
    }
    case "rows": {
      if (m.requestId !== model.requestId) return;
      m.rows.forEach((r, i) => model.rows.set(m.start + i, r));
      const inBlock = model.selected >= m.start && model.selected < m.start + m.rows.length;
      // The selection (a reveal, a restore, or a keyboard move) is on a row that had not arrived yet:
      // show it, and its detail, now that it has.
      if (inBlock && (awaitingRow || model.rows.get(model.selected)?.line !== model.selectedLine)) {
        awaitingRow = false;
        select(model.selected);
        break;
      }
      renderList();
      break;
    }
    case "detail":
      model.detail = m.detail;
      renderDetail();
      break;
    case "prompt":
      if (m.line === model.detail?.line) {
        model.promptText = m.text;
        renderDetail();
      }
      break;
    case "reveal":
      model.selectedLine = m.line;
      if (m.position !== undefined && m.position < model.total) {
        goTo(m.position, "center");
      } else {
        // Not in this view (filtered out): clear the filters, and the answer says where it is then.
        revealing = true;
        search.value = "";
        updateQuery({ ...EMPTY_QUERY });
      }
      break;
    case "progress":
      progress.hidden = m.done >= m.total;
      break;
    case "notice": {
      const t = el("div", `toast ${m.level}`, m.message);
      t.setAttribute("role", m.level === "error" ? "alert" : "status");
      document.body.append(t);
      window.setTimeout(() => t.remove(), 4000);
      break;
    }
  }
});

search.value = model.query.text;
renderChips();
renderFacetSelects();
vscode.postMessage({ type: "ready" });
