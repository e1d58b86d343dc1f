/**
 * The crash-safe item store: `data/<setting>/<generator>.jsonl`, append-only, one GeneratedItem a line.
 *
 * - Each record goes out in one write(2) on an O_APPEND descriptor, so a kill leaves whole lines or, at
 *   worst, one torn last line. `open` detects a torn tail, reports it and truncates it away before
 *   appending, so the next record starts on its own line.
 * - The last record of an id wins. Ids with a paid result (valid / invalid / duplicate) are never
 *   requested again; ids whose last record is `failed` (no usable response, nothing paid) are retried.
 * - Opening streams the file line by line: memory holds ids and counters, not the records. The ids are
 *   kept in compact typed-array sets (./idset), so that memory stays a few MB at 100K items.
 */
import { closeSync, createReadStream, existsSync, ftruncateSync, mkdirSync, openSync, readSync, statSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { dataFile, RUN_FILES } from "../core/run/layout";
import type { GeneratedItem, ItemStatus } from "../core/run/record";
import { IdSet } from "./idset";

export interface StoreCounts {
  valid: number;
  invalid: number;
  duplicate: number;
  failed: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

export const emptyCounts = (): StoreCounts => ({ valid: 0, invalid: 0, duplicate: 0, failed: 0, costUsd: 0, inputTokens: 0, outputTokens: 0 });

export interface OpenedStore {
  store: ItemStore;
  /** Bytes of a torn last line that were cut off (0 when the file ended cleanly). */
  tornBytes: number;
  /** Lines that did not parse (other than the torn tail). */
  badLines: number;
}

/** Finds the offset just after the last newline, reading the file backwards in blocks. */
function lastNewlineEnd(fd: number, size: number): number {
  const block = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - block.length);
    const n = readSync(fd, block, 0, end - start, start);
    const i = block.subarray(0, n).lastIndexOf(0x0a);
    if (i >= 0) return start + i + 1;
    end = start;
  }
  return 0;
}

export class ItemStore {
  /** Ids with a paid, final record. */
  private readonly done = new IdSet();
  /** Ids whose last record is `failed`. */
  private readonly failedIds = new IdSet(16);
  readonly counts = emptyCounts();
  private fd: number;

  private constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, "a");
  }

  static async open(runDir: string, setting: string, generator: string, onItem?: (item: GeneratedItem) => void): Promise<OpenedStore> {
    const path = join(runDir, dataFile(setting, generator));
    let tornBytes = 0;
    if (existsSync(path)) {
      const size = statSync(path).size;
      const fd = openSync(path, "r+");
      try {
        const keep = lastNewlineEnd(fd, size);
        if (keep < size) {
          tornBytes = size - keep;
          ftruncateSync(fd, keep);
        }
      } finally {
        closeSync(fd);
      }
    }
    const store = new ItemStore(path);
    let badLines = 0;
    if (existsSync(path)) {
      const rl = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
      for await (const line of rl) {
        if (!line.trim()) continue;
        let rec: GeneratedItem;
        try {
          rec = JSON.parse(line) as GeneratedItem;
        } catch {
          badLines++;
          continue;
        }
        if (typeof rec.id !== "string" || typeof rec.status !== "string") {
          badLines++;
          continue;
        }
        store.account(rec);
        onItem?.(rec);
      }
    }
    return { store, tornBytes, badLines };
  }

  private account(rec: GeneratedItem): void {
    const c = this.counts;
    if (this.done.has(rec.id)) return; // a second paid record of an id never counts twice
    if (this.failedIds.delete(rec.id)) c.failed--;
    c.costUsd += rec.costUsd ?? 0;
    c.inputTokens += rec.usage?.inputTokens ?? 0;
    c.outputTokens += rec.usage?.outputTokens ?? 0;
    const s: ItemStatus = rec.status;
    if (s === "failed") {
      if (this.failedIds.add(rec.id)) c.failed++;
      return;
    }
    this.done.add(rec.id);
    c[s]++;
  }

  /** True when the id has a paid result and must not be requested again. */
  has(id: string): boolean {
    return this.done.has(id);
  }

  get doneCount(): number {
    return this.done.size;
  }

  append(rec: GeneratedItem): void {
    if (this.done.has(rec.id)) return;
    writeSync(this.fd, `${JSON.stringify(rec)}\n`);
    this.account(rec);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** `prompts.jsonl`: each rendered prompt once per process, keyed by its hash (items reference the hash). */
export class PromptLog {
  private readonly seen = new IdSet();
  private fd: number;
  constructor(runDir: string) {
    const path = join(runDir, RUN_FILES.prompts);
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, "a");
  }
  write(hash: string, setting: string, generator: string, template: string, prompt: string): void {
    if (!this.seen.add(hash)) return;
    writeSync(this.fd, `${JSON.stringify({ hash, setting, generator, template, prompt })}\n`);
  }
  close(): void {
    closeSync(this.fd);
  }
}
