/**
 * Paging, facets, search, filter, sort and export over a JSONL data file of any size, shared by the
 * samples browser (through the extension host) and `agora samples`. Memory stays proportional to the
 * number of lines (a few typed arrays), never to the file size: every read is a positioned read of the
 * lines asked for, and whole-file passes stream in fixed-size chunks.
 */
import { isUtf8 } from "node:buffer";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { RUN_FILES } from "../run/layout";
import {
  DETAIL_STRING_LIMIT,
  type FacetCount,
  type SampleDetail,
  type SampleFacets,
  type SampleQuery,
  type SampleRow,
  STATUS_FILTERS,
  type StatusFilter,
} from "../webview-protocol/samples";
import { type LineIndex, openLineIndex } from "./line-index";

const CHUNK = 4 * 1024 * 1024;
/** Lines longer than this are listed but not parsed for the list row (the detail pane still shows them). */
const ROW_PARSE_LIMIT = 16 * 1024 * 1024;
const PREVIEW_CHARS = 160;
const BLANK = 254;
const UNKNOWN = 255;
const STATUS_CODE = new Map<string, number>(STATUS_FILTERS.map((s, i) => [s, i]));

/** Per-line facts from one streaming pass, in typed arrays (about 24 bytes a line). */
interface LineMeta {
  status: Uint8Array;
  generator: Uint16Array;
  setting: Uint16Array;
  judge: Float32Array;
  cost: Float32Array;
  latency: Float32Array;
  length: Uint32Array;
  generators: string[];
  settings: string[];
}

type Json = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === "string" ? v : "");
/**
 * Names in rows and facets (id, generator, setting, …) are cut: a row is sent for every visible line and
 * a facet value for every distinct one, so a hostile 1 MB "generator" must not ride along with each.
 */
const NAME_CHARS = 200;
const name = (v: unknown): string => str(v).slice(0, NAME_CHARS);
/** All strings of one detail together: a line of many long strings is still never sent whole. */
const DETAIL_TOTAL_CHARS = 1_000_000;
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

function judgeOf(o: Json): number | undefined {
  const j = o.judge;
  return j && typeof j === "object" ? num((j as Json).score) : undefined;
}

function parseObject(text: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

export function statusOf(o: Json | undefined): StatusFilter {
  if (!o) return "unparsable";
  const s = str(o.status);
  return (STATUS_CODE.has(s) ? s : "valid") as StatusFilter;
}

/**
 * Cuts every string over `limit` characters, and all of them once `cut.budget` characters are spent,
 * recursively; reports whether anything was cut.
 */
function truncateStrings(v: unknown, limit: number, cut: { any: boolean; budget: number }): unknown {
  if (typeof v === "string") {
    const keep = Math.max(0, Math.min(limit, cut.budget));
    cut.budget -= Math.min(v.length, keep);
    if (v.length <= keep) return v;
    cut.any = true;
    return `${v.slice(0, keep)}…`;
  }
  if (Array.isArray(v)) return v.map((x) => truncateStrings(x, limit, cut));
  if (v && typeof v === "object") {
    const out: Json = {};
    // defineProperty, not assignment: a key named "__proto__" (JSON.parse makes it an own property) must
    // stay a plain key instead of replacing the copy's prototype.
    for (const [k, x] of Object.entries(v as Json)) Object.defineProperty(out, k, { value: truncateStrings(x, limit, cut), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

function containsText(v: unknown, needle: string): boolean {
  if (typeof v === "string") return v.toLowerCase().includes(needle);
  if (Array.isArray(v)) return v.some((x) => containsText(x, needle));
  if (v && typeof v === "object") return Object.values(v as Json).some((x) => containsText(x, needle));
  return typeof v === "number" && String(v).includes(needle);
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The needle as it can appear inside raw JSON text: as written, and with non-ASCII as \uXXXX escapes. */
function jsonNeedlePattern(text: string): RegExp {
  const plain = JSON.stringify(text).slice(1, -1);
  const ascii = plain.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const alts = [...new Set([plain, ascii])].map(escapeRegExp);
  return new RegExp(alts.join("|"), "gi");
}

export interface ProgressFn {
  (done: number, total: number): void;
}

export interface QueryResult {
  /** Line numbers in view order. */
  lines: Uint32Array;
  tookMs: number;
}

export class SampleFile {
  private meta: LineMeta | undefined;
  private metaPromise: Promise<LineMeta> | undefined;

  private constructor(
    private idx: LineIndex,
    private readonly cacheDir: string | undefined,
    readonly indexSource: "cache" | "extended" | "built",
  ) {}

  /** Opens a data file: loads or builds its line index (cached under `cacheDir` when given). */
  static async open(file: string, opts: { cacheDir?: string } = {}): Promise<SampleFile> {
    const { index, source } = await openLineIndex(file, opts.cacheDir);
    return new SampleFile(index, opts.cacheDir, source);
  }

  get file(): string {
    return this.idx.file;
  }
  get count(): number {
    return this.idx.count;
  }
  get index(): LineIndex {
    return this.idx;
  }
  get facetsReady(): boolean {
    return this.meta !== undefined;
  }

  /** Re-reads the index when the file changed on disk (a run appending items). True when it grew. */
  async refresh(): Promise<boolean> {
    const st = await stat(this.idx.file);
    if (st.mtimeMs === this.idx.mtimeMs && st.size === this.idx.size) return false;
    const before = this.idx.count;
    this.idx = (await openLineIndex(this.idx.file, this.cacheDir)).index;
    this.meta = undefined;
    this.metaPromise = undefined;
    return this.idx.count !== before;
  }

  /** The raw bytes of lines [from, to), one buffer each, read with a single positioned read. */
  async readLines(from: number, to: number): Promise<Buffer[]> {
    const o = this.idx.offsets;
    to = Math.min(to, this.idx.count);
    if (from >= to) return [];
    const start = o[from]!;
    const end = o[to]!;
    const fh = await open(this.idx.file, "r");
    try {
      const buf = Buffer.allocUnsafe(end - start);
      await fh.read(buf, 0, buf.length, start);
      const out: Buffer[] = [];
      for (let i = from; i < to; i++) {
        let a = o[i]! - start;
        let b = o[i + 1]! - start;
        if (b > a && buf[b - 1] === 0x0a) b--;
        if (b > a && buf[b - 1] === 0x0d) b--;
        if (a > b) a = b;
        out.push(buf.subarray(a, b));
      }
      return out;
    } finally {
      await fh.close();
    }
  }

  async readLine(line: number): Promise<Buffer | undefined> {
    if (line < 0 || line >= this.idx.count) return undefined;
    return (await this.readLines(line, line + 1))[0];
  }

  /** List rows for the given lines; adjacent lines are read together. */
  async rows(lines: ArrayLike<number>): Promise<SampleRow[]> {
    const out: SampleRow[] = [];
    let i = 0;
    while (i < lines.length) {
      let j = i + 1;
      while (j < lines.length && lines[j] === lines[j - 1]! + 1 && j - i < 500) j++;
      const bufs = await this.readLines(lines[i]!, lines[j - 1]! + 1);
      bufs.forEach((b, k) => out.push(this.row(lines[i]! + k, b)));
      i = j;
    }
    return out;
  }

  private row(line: number, buf: Buffer): SampleRow {
    if (buf.length === 0 || buf.every((c) => c === 0x20 || c === 0x09 || c === 0x0d)) {
      return { line, id: "", status: "unparsable", generator: "", setting: "", domain: "", method: "", preview: "(blank line)" };
    }
    if (buf.length > ROW_PARSE_LIMIT) {
      return { line, id: "", status: "unparsable", generator: "", setting: "", domain: "", method: "", preview: `(line of ${(buf.length / 1048576).toFixed(1)} MB)` };
    }
    const text = buf.toString("utf8");
    const o = parseObject(text);
    if (!o) return { line, id: "", status: "unparsable", generator: "", setting: "", domain: "", method: "", preview: text.slice(0, PREVIEW_CHARS), reason: "not a JSON object" };
    const instruction = str(o.instruction) || str((o.original as Json | undefined)?.instruction) || str(o.raw);
    return {
      line,
      id: name(o.id),
      status: statusOf(o),
      generator: name(o.generator) || name(o.model),
      setting: name(o.setting) || name(o.config),
      domain: name(o.domain),
      method: name(o.method),
      preview: instruction.slice(0, PREVIEW_CHARS * 2).replace(/\s+/g, " ").trim().slice(0, PREVIEW_CHARS),
      judge: judgeOf(o),
      costUsd: num(o.costUsd),
      latencyMs: num(o.latencyMs),
      reason: o.reason === undefined ? undefined : str(o.reason).slice(0, 300),
    };
  }

  /** Everything the detail pane shows for one line. */
  async detail(line: number): Promise<SampleDetail | undefined> {
    const buf = await this.readLine(line);
    if (!buf) return undefined;
    const invalidUtf8 = !isUtf8(buf);
    const text = buf.toString("utf8");
    const o = parseObject(text);
    if (!o) {
      return {
        line,
        bytes: buf.length,
        truncated: text.length > 4000,
        invalidUtf8,
        error: text.trim() === "" ? "blank line" : "not a JSON object",
        rawPreview: text.slice(0, 4000),
        hasPrompt: false,
      };
    }
    const cut = { any: false, budget: DETAIL_TOTAL_CHARS };
    const item = truncateStrings(o, DETAIL_STRING_LIMIT, cut) as Json;
    return { line, bytes: buf.length, truncated: cut.any, invalidUtf8, item, hasPrompt: typeof o.promptHash === "string" && this.promptsFile() !== undefined };
  }

  /** `prompts.jsonl` of the run this data file belongs to (runs/<id>/data/<setting>/<generator>.jsonl). */
  private promptsFile(): string | undefined {
    let dir = dirname(this.idx.file);
    for (let i = 0; i < 4; i++) {
      const p = join(dir, RUN_FILES.prompts);
      if (existsSync(p)) return p;
      dir = dirname(dir);
    }
    return undefined;
  }

  /** The rendered prompt of an item, streamed out of prompts.jsonl on demand; null when unknown. */
  async prompt(line: number): Promise<string | null> {
    const buf = await this.readLine(line);
    const o = buf ? parseObject(buf.toString("utf8")) : undefined;
    const hash = o ? str(o.promptHash) : "";
    const file = this.promptsFile();
    if (!hash || !file) return null;
    const needle = `"hash":${JSON.stringify(hash)}`;
    const rl = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
    try {
      for await (const l of rl) {
        if (!l.includes(needle)) continue;
        const p = parseObject(l);
        if (p && p.hash === hash) return str(p.prompt);
      }
    } finally {
      rl.close();
    }
    return null;
  }

  /**
   * Streams every line once to collect status, generator, setting, judge score, cost, latency and length;
   * shared by concurrent callers and kept until the file changes.
   */
  facetsTable(progress?: ProgressFn, signal?: AbortSignal): Promise<LineMeta> {
    if (this.meta) return Promise.resolve(this.meta);
    this.metaPromise ??= this.buildMeta(progress, signal).then(
      (m) => {
        this.meta = m;
        return m;
      },
      (e: unknown) => {
        this.metaPromise = undefined;
        throw e;
      },
    );
    return this.metaPromise;
  }

  private async buildMeta(progress?: ProgressFn, signal?: AbortSignal): Promise<LineMeta> {
    const n = this.idx.count;
    const m: LineMeta = {
      status: new Uint8Array(n),
      generator: new Uint16Array(n),
      setting: new Uint16Array(n),
      judge: new Float32Array(n).fill(NaN),
      cost: new Float32Array(n).fill(NaN),
      latency: new Float32Array(n).fill(NaN),
      length: new Uint32Array(n),
      generators: [""],
      settings: [""],
    };
    const genIds = new Map<string, number>([["", 0]]);
    const setIds = new Map<string, number>([["", 0]]);
    const intern = (map: Map<string, number>, list: string[], v: string): number => {
      let id = map.get(v);
      if (id === undefined) {
        // Uint16 ids: past 65k distinct values the rest share the last bucket (never happens in practice).
        id = Math.min(list.length, 65535);
        if (id === list.length) list.push(v);
        map.set(v, id);
      }
      return id;
    };
    await this.scan(
      (line, text) => {
        if (text.trim() === "") {
          m.status[line] = BLANK;
          return;
        }
        const o = parseObject(text);
        if (!o) {
          m.status[line] = STATUS_CODE.get("unparsable")!;
          return;
        }
        m.status[line] = STATUS_CODE.get(statusOf(o)) ?? UNKNOWN;
        m.generator[line] = intern(genIds, m.generators, name(o.generator) || name(o.model));
        m.setting[line] = intern(setIds, m.settings, name(o.setting) || name(o.config));
        m.judge[line] = judgeOf(o) ?? NaN;
        m.cost[line] = num(o.costUsd) ?? NaN;
        m.latency[line] = num(o.latencyMs) ?? NaN;
        m.length[line] = str(o.instruction).length + str(o.response).length;
      },
      progress,
      signal,
    );
    return m;
  }

  /** Calls `each(line, text)` for every line, reading the file in chunks cut at line boundaries. */
  private async scan(each: (line: number, text: string) => void, progress?: ProgressFn, signal?: AbortSignal, lineFilter?: (line: number) => boolean): Promise<void> {
    const o = this.idx.offsets;
    const n = this.idx.count;
    const fh = await open(this.idx.file, "r");
    try {
      let line = 0;
      while (line < n) {
        signal?.throwIfAborted();
        let last = line + 1;
        while (last < n && o[last + 1]! - o[line]! <= CHUNK) last++;
        const start = o[line]!;
        const buf = Buffer.allocUnsafe(o[last]! - start);
        await fh.read(buf, 0, buf.length, start);
        for (let i = line; i < last; i++) {
          if (lineFilter && !lineFilter(i)) continue;
          each(i, buf.toString("utf8", o[i]! - start, o[i + 1]! - start));
        }
        line = last;
        progress?.(line, n);
        // Yield to the event loop between chunks so the extension host stays responsive.
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      await fh.close();
    }
  }

  /** Recorded cost per generator (items with a cost only), for the PGR-vs-cost chart. */
  async costByGenerator(): Promise<Record<string, { items: number; costUsd: number }>> {
    const m = await this.facetsTable();
    const out: Record<string, { items: number; costUsd: number }> = {};
    for (let i = 0; i < m.cost.length; i++) {
      const c = m.cost[i]!;
      if (Number.isNaN(c)) continue;
      const g = m.generators[m.generator[i]!] ?? "";
      const e = (out[g] ??= { items: 0, costUsd: 0 });
      e.items++;
      e.costUsd += c;
    }
    return out;
  }

  /** Aggregated facet counts for the filter controls. */
  async facets(progress?: ProgressFn, signal?: AbortSignal): Promise<SampleFacets> {
    const m = await this.facetsTable(progress, signal);
    const statuses: Partial<Record<StatusFilter, number>> = {};
    const gens = new Map<number, number>();
    const sets = new Map<number, number>();
    let judged = 0;
    for (let i = 0; i < m.status.length; i++) {
      const s = m.status[i]!;
      if (s === BLANK) continue;
      const name = STATUS_FILTERS[s];
      if (name) statuses[name] = (statuses[name] ?? 0) + 1;
      gens.set(m.generator[i]!, (gens.get(m.generator[i]!) ?? 0) + 1);
      sets.set(m.setting[i]!, (sets.get(m.setting[i]!) ?? 0) + 1);
      if (!Number.isNaN(m.judge[i]!)) judged++;
    }
    const list = (counts: Map<number, number>, names: string[]): FacetCount[] =>
      [...counts].filter(([id]) => names[id]).map(([id, count]) => ({ value: names[id]!, count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
    return { ready: true, statuses, generators: list(gens, m.generators), settings: list(sets, m.settings), judged };
  }

  /**
   * The lines matching `q`, in its sort order. A query with no filter, no search and line order needs no
   * pass over the file at all; filters and sorts use the facets table; text search streams the file once,
   * matching the JSON-escaped needle on raw text and confirming candidates on the parsed string values.
   */
  async query(q: SampleQuery, progress?: ProgressFn, signal?: AbortSignal): Promise<QueryResult> {
    const t0 = performance.now();
    const n = this.idx.count;
    const needsMeta = q.statuses.length > 0 || q.generators.length > 0 || q.settings.length > 0 || q.judgeMin !== undefined || q.judgeMax !== undefined || q.sort !== "line";
    const m = needsMeta || this.meta ? await this.facetsTable(undefined, signal) : undefined;
    let keep: ((i: number) => boolean) | undefined;
    if (m) {
      const st = new Set(q.statuses.map((s) => STATUS_CODE.get(s)!));
      const gens = new Set(q.generators.map((g) => m.generators.indexOf(g)).filter((x) => x >= 0));
      const sets = new Set(q.settings.map((g) => m.settings.indexOf(g)).filter((x) => x >= 0));
      const gOn = q.generators.length > 0;
      const sOn = q.settings.length > 0;
      const jMin = q.judgeMin;
      const jMax = q.judgeMax;
      keep = (i) => {
        const s = m.status[i]!;
        if (s === BLANK) return false;
        if (st.size && !st.has(s)) return false;
        if (gOn && !gens.has(m.generator[i]!)) return false;
        if (sOn && !sets.has(m.setting[i]!)) return false;
        if (jMin !== undefined || jMax !== undefined) {
          const j = m.judge[i]!;
          if (Number.isNaN(j) || (jMin !== undefined && j < jMin) || (jMax !== undefined && j > jMax)) return false;
        }
        return true;
      };
    }
    let lines: Uint32Array;
    const text = q.text.trim();
    if (text) {
      lines = await this.search(text, keep, progress, signal);
    } else if (keep) {
      const out = new Uint32Array(n);
      let k = 0;
      for (let i = 0; i < n; i++) if (keep(i)) out[k++] = i;
      lines = out.slice(0, k);
    } else {
      lines = new Uint32Array(n);
      for (let i = 0; i < n; i++) lines[i] = i;
    }
    if (q.sort !== "line" && m) {
      const key = q.sort === "judge" ? m.judge : q.sort === "cost" ? m.cost : q.sort === "latency" ? m.latency : m.length;
      const dir = q.descending ? -1 : 1;
      // Missing values (NaN) sort last in both directions; ties keep file order.
      const arr = Array.from(lines);
      arr.sort((a, b) => {
        const x = key[a]!;
        const y = key[b]!;
        const xn = Number.isNaN(x);
        const yn = Number.isNaN(y);
        if (xn || yn) return xn === yn ? a - b : xn ? 1 : -1;
        return x === y ? a - b : (x - y) * dir;
      });
      lines = Uint32Array.from(arr);
    } else if (q.descending) {
      lines.reverse();
    }
    return { lines, tookMs: performance.now() - t0 };
  }

  private async search(text: string, keep: ((i: number) => boolean) | undefined, progress?: ProgressFn, signal?: AbortSignal): Promise<Uint32Array> {
    const pattern = jsonNeedlePattern(text);
    const needle = text.toLowerCase();
    // An ASCII needle (the usual case) is matched on the bytes read as latin1, which skips UTF-8 decoding
    // of the whole file (~40% of a search): UTF-8 never puts an ASCII byte inside a multi-byte character,
    // and string positions are then byte positions. Candidates are decoded as UTF-8 to be confirmed.
    const bytewise = !/[^\x20-\x7e]/.test(JSON.stringify(text));
    const o = this.idx.offsets;
    const n = this.idx.count;
    const hits: number[] = [];
    const fh = await open(this.idx.file, "r");
    try {
      let line = 0;
      while (line < n) {
        signal?.throwIfAborted();
        let last = line + 1;
        while (last < n && o[last + 1]! - o[line]! <= CHUNK) last++;
        const start = o[line]!;
        const buf = Buffer.allocUnsafe(o[last]! - start);
        await fh.read(buf, 0, buf.length, start);
        const chunk = buf.toString(bytewise ? "latin1" : "utf8");
        // Walk matches; map a match to its line by counting '\n' since the previous match.
        let cur = line;
        let curEnd = chunk.indexOf("\n");
        let lineStart = 0;
        pattern.lastIndex = 0;
        let mt: RegExpExecArray | null;
        while ((mt = pattern.exec(chunk)) !== null) {
          while (curEnd !== -1 && mt.index > curEnd) {
            lineStart = curEnd + 1;
            cur++;
            curEnd = chunk.indexOf("\n", lineStart);
          }
          const lineEnd = curEnd === -1 ? chunk.length : curEnd;
          const lineText = bytewise ? buf.toString("utf8", lineStart, lineEnd) : chunk.slice(lineStart, lineEnd);
          if (cur < last && (!keep || keep(cur))) {
            const parsed = parseObject(lineText);
            // Unparsable lines match on raw text; objects only when a value (not a key) contains the text.
            if (!parsed || containsText(parsed, needle)) hits.push(cur);
          }
          if (curEnd === -1) break;
          pattern.lastIndex = curEnd + 1;
        }
        line = last;
        progress?.(line, n);
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      await fh.close();
    }
    return Uint32Array.from(hits);
  }

  /** Writes the lines of a view, in order, to a new JSONL file (streamed; returns the line count). */
  async exportLines(lines: ArrayLike<number>, outFile: string): Promise<number> {
    const out = createWriteStream(outFile);
    const write = (b: Buffer | string): Promise<void> => new Promise((res) => (out.write(b) ? res() : out.once("drain", () => res())));
    let i = 0;
    while (i < lines.length) {
      let j = i + 1;
      while (j < lines.length && lines[j] === lines[j - 1]! + 1 && j - i < 1000) j++;
      for (const b of await this.readLines(lines[i]!, lines[j - 1]! + 1)) {
        await write(b);
        await write("\n");
      }
      i = j;
    }
    await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
    return lines.length;
  }

  get name(): string {
    return basename(this.idx.file);
  }
}
