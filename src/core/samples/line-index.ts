/**
 * A line-offset index over a JSONL file: the byte offset where every line starts, built once by scanning
 * for '\n' in fixed-size chunks and cached on disk, so paging to any item is one positioned read and the
 * file is never held in memory. An append-only file (a run still writing) extends the cached index from
 * where it stopped instead of rescanning.
 *
 * Item n is line n of the file (0-based), blank lines included, so "reveal line" in the editor and the
 * browser's position always agree.
 */
import { createHash } from "node:crypto";
import { mkdir, open, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

const CHUNK = 4 * 1024 * 1024;
const HEAD_BYTES = 64 * 1024;
const NL = 0x0a;

export interface LineIndex {
  readonly file: string;
  /** File size the index covers (up to the end of the last complete line). */
  readonly size: number;
  readonly mtimeMs: number;
  /** `offsets[i]` is where line i starts; `offsets[count]` is the end of the last indexed line. */
  readonly offsets: Float64Array;
  readonly count: number;
  /** Hash of the first bytes: an appended file keeps it, a rewritten one almost never does. */
  readonly headHash: string;
}

/** Growable Float64Array: line counts are unknown up front and a plain number[] costs 4× the memory. */
class OffsetBuilder {
  private buf: Float64Array;
  length = 0;
  constructor(from?: Float64Array, count?: number) {
    this.buf = new Float64Array(Math.max(1024, (count ?? 0) * 2));
    if (from && count !== undefined) {
      this.buf.set(from.subarray(0, count + 1));
      this.length = count + 1;
    }
  }
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  last(): number {
    return this.length ? (this.buf[this.length - 1] ?? 0) : 0;
  }
  done(): Float64Array {
    return this.buf.slice(0, this.length);
  }
}

async function headHash(file: string, size: number): Promise<string> {
  const fh = await open(file, "r");
  try {
    const n = Math.min(HEAD_BYTES, size);
    const b = Buffer.alloc(n);
    await fh.read(b, 0, n, 0);
    return createHash("sha1").update(b).digest("hex");
  } finally {
    await fh.close();
  }
}

/**
 * Scans `file` for line starts. With `previous` (an index of an earlier, shorter version of the same
 * file) only the appended bytes are scanned. A last line without '\n' is indexed only when it parses as
 * JSON: otherwise it is a torn write that the engine is still finishing (DESIGN.md "Run folder").
 */
export async function buildLineIndex(file: string, previous?: LineIndex): Promise<LineIndex> {
  const st = await stat(file);
  const size = st.size;
  const startAt = previous ? previous.size : 0;
  const offsets = previous ? new OffsetBuilder(previous.offsets, previous.count) : new OffsetBuilder();
  if (!previous) offsets.push(0);
  const fh = await open(file, "r");
  let end = startAt;
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = startAt;
    while (pos < size) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, size - pos), pos);
      if (bytesRead === 0) break;
      let i = buf.indexOf(NL, 0);
      while (i !== -1 && i < bytesRead) {
        offsets.push(pos + i + 1);
        i = buf.indexOf(NL, i + 1);
      }
      pos += bytesRead;
    }
    end = offsets.last();
    // Unterminated tail: keep it only when complete JSON (a finished file without a final newline).
    if (end < size) {
      const tail = Buffer.alloc(size - end);
      await fh.read(tail, 0, tail.length, end);
      try {
        JSON.parse(tail.toString("utf8"));
        offsets.push(size);
        end = size;
      } catch {
        // torn: left out until the writer finishes the line
      }
    }
  } finally {
    await fh.close();
  }
  const all = offsets.done();
  return { file: resolve(file), size: end, mtimeMs: st.mtimeMs, offsets: all, count: all.length - 1, headHash: await headHash(file, size) };
}

/** Cache file name for a data file: one per absolute path, in a folder the caller owns. */
export function indexCachePath(cacheDir: string, file: string): string {
  return join(cacheDir, `${createHash("sha1").update(resolve(file)).digest("hex").slice(0, 20)}.lineidx`);
}

const MAGIC = "AGORA-LINEIDX-1";

/** Header (JSON) + padding to 8 bytes + the offsets as little-endian float64. Written temp-then-rename. */
export async function saveLineIndex(cacheDir: string, index: LineIndex): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const header = Buffer.from(
    JSON.stringify({ magic: MAGIC, file: index.file, size: index.size, mtimeMs: index.mtimeMs, count: index.count, headHash: index.headHash }),
    "utf8",
  );
  const pre = 4 + header.length;
  const pad = (8 - (pre % 8)) % 8;
  const body = Buffer.from(index.offsets.buffer, index.offsets.byteOffset, (index.count + 1) * 8);
  const lenBuf = Buffer.alloc(4);
  lenBuf.writeUInt32LE(header.length + pad);
  const out = Buffer.concat([lenBuf, header, Buffer.alloc(pad, 0x20), body]);
  const target = indexCachePath(cacheDir, index.file);
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, out);
  await rename(tmp, target);
}

export async function loadCachedLineIndex(cacheDir: string, file: string): Promise<LineIndex | undefined> {
  let raw: Buffer;
  try {
    raw = await readFile(indexCachePath(cacheDir, file));
  } catch {
    return undefined;
  }
  try {
    const hlen = raw.readUInt32LE(0);
    const header = JSON.parse(raw.subarray(4, 4 + hlen).toString("utf8")) as Omit<LineIndex, "offsets"> & { magic: string };
    if (header.magic !== MAGIC || header.file !== resolve(file)) return undefined;
    const bodyStart = 4 + hlen;
    if (raw.length - bodyStart !== (header.count + 1) * 8) return undefined;
    // Copy into an aligned buffer: the slice of a pooled Buffer need not start on an 8-byte boundary.
    const offsets = new Float64Array(header.count + 1);
    new Uint8Array(offsets.buffer).set(raw.subarray(bodyStart));
    return { file: header.file, size: header.size, mtimeMs: header.mtimeMs, count: header.count, headHash: header.headHash, offsets };
  } catch {
    return undefined;
  }
}

export interface OpenIndexResult {
  index: LineIndex;
  /** How the index was obtained, for logs and the benchmark. */
  source: "cache" | "extended" | "built";
}

/**
 * The index for `file`, from the cache when it still matches, extended when the file only grew, built
 * otherwise; the cache is refreshed whenever it was not used as is. Without `cacheDir` nothing is cached.
 */
export async function openLineIndex(file: string, cacheDir?: string): Promise<OpenIndexResult> {
  const st = await stat(file);
  const cached = cacheDir ? await loadCachedLineIndex(cacheDir, file) : undefined;
  if (cached && cached.mtimeMs === st.mtimeMs && cached.size <= st.size) {
    // Same mtime: unchanged (a torn tail that was left out is still left out).
    return { index: cached, source: "cache" };
  }
  let result: OpenIndexResult;
  if (cached && cached.size <= st.size && (await headHash(file, Math.min(st.size, HEAD_BYTES))) === cached.headHash && cached.size >= Math.min(st.size, HEAD_BYTES)) {
    result = { index: await buildLineIndex(file, cached), source: "extended" };
  } else {
    result = { index: await buildLineIndex(file), source: "built" };
  }
  if (cacheDir) await saveLineIndex(cacheDir, result.index).catch(() => undefined);
  return result;
}
