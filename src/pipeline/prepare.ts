/**
 * The prepare stage: generated items (`data/<setting>/<generator>.jsonl`, src/core/run/record.ts) →
 * the chat data each trainer reads. Streams line by line (a 50K-item file never sits in memory; only
 * 32-byte hashes of what was written do, to drop duplicates) and writes temp-then-rename.
 *
 * Formats (file names in PREPARED_FILES):
 * - TRL: conversational prompt–completion records, `{"prompt":[{role:"user"}],"completion":[{role:"assistant"}]}`;
 *   TRL then computes the loss on the completion only (the paper's "loss on responses only").
 * - LLaMA-Factory: alpaca records `{"instruction","input","output"}` + `dataset_info.json` naming them.
 * - axolotl (and custom trainers): `{"messages":[user, assistant]}` for axolotl's `chat_template` type.
 *
 * Kept: items with status `valid` (the paper trains on unfiltered generated data: every parsed item) and
 * non-empty instruction and response. Skipped and counted: other statuses, malformed lines (a torn last
 * line included), empty texts, and exact duplicates of an instruction+response already written.
 */
import { createHash } from "node:crypto";
import { closeSync, createReadStream, createWriteStream, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { once } from "node:events";
import { writeJsonAtomic } from "../core/io/atomic-json";
import { PREPARED_FILES } from "./prepare-files";
import type { Trainer } from "./recipes/train";

export { PREPARED_FILES };

export type PrepareFormat = Trainer | "custom";

export interface PrepareSeed {
  /** Seed file: JSONL, or a JSON array (read whole; seed sets are small). */
  file: string;
  fields: { instruction: string; response: string };
  limit?: number;
}

export interface PrepareRequest {
  format: PrepareFormat;
  /** Generated JSONL files to convert (usually one: the setting × generator data file). */
  inputs: readonly string[];
  /** Instance generation: the seed set is added to the training data, as in the paper. */
  seed?: PrepareSeed;
  /** Folder to write into (created). */
  outDir: string;
}

export interface PrepareCounts {
  /** Records written. */
  written: number;
  /** Of those, from the seed set. */
  fromSeed: number;
  /** Items whose status is not `valid` (invalid / duplicate / failed). */
  notValid: number;
  /** Exact instruction+response repeats of a record already written. */
  duplicates: number;
  /** Empty instruction or response. */
  empty: number;
  /** Lines that are not a JSON object with string instruction/response (a torn last line included). */
  malformed: number;
}

export interface PrepareResult {
  counts: PrepareCounts;
  /** Files written, relative to outDir. */
  files: string[];
}

type Pair = { instruction: string; response: string };

function formatRecord(format: PrepareFormat, p: Pair): unknown {
  switch (format) {
    case "trl":
      return { prompt: [{ role: "user", content: p.instruction }], completion: [{ role: "assistant", content: p.response }] };
    case "llama-factory":
      return { instruction: p.instruction, input: "", output: p.response };
    case "axolotl":
    case "custom":
      return { messages: [{ role: "user", content: p.instruction }, { role: "assistant", content: p.response }] };
  }
}

async function* jsonLines(file: string): AsyncGenerator<unknown | typeof MALFORMED> {
  const rl = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    try {
      yield JSON.parse(line) as unknown;
    } catch {
      yield MALFORMED;
    }
  }
}
const MALFORMED = Symbol("malformed");

async function* seedRecords(seed: PrepareSeed): AsyncGenerator<unknown | typeof MALFORMED> {
  let n = 0;
  const source: AsyncIterable<unknown> | Iterable<unknown> =
    firstChar(seed.file) === "[" ? (JSON.parse(readFileSync(seed.file, "utf8")) as unknown[]) : jsonLines(seed.file);
  for await (const r of source) {
    if (seed.limit !== undefined && n >= seed.limit) return;
    n++;
    yield r;
  }
}

/** First non-blank character of a file, read from its head only. */
function firstChar(file: string): string {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.toString("utf8", 0, n).replace(/^\uFEFF/, "").trimStart().charAt(0);
  } finally {
    closeSync(fd);
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export async function prepareTrainingData(request: PrepareRequest): Promise<PrepareResult> {
  const files = PREPARED_FILES[request.format === "custom" ? "axolotl" : request.format];
  mkdirSync(request.outDir, { recursive: true });
  const target = join(request.outDir, files.train);
  const temp = `${target}.tmp-${process.pid}`;
  const out = createWriteStream(temp, { encoding: "utf8" });
  const counts: PrepareCounts = { written: 0, fromSeed: 0, notValid: 0, duplicates: 0, empty: 0, malformed: 0 };
  const seen = new Set<string>();
  const write = async (p: Pair, fromSeed: boolean): Promise<void> => {
    if (!p.instruction.trim() || !p.response.trim()) {
      counts.empty++;
      return;
    }
    const key = createHash("sha256").update(p.instruction).update("\u0000").update(p.response).digest("base64");
    if (seen.has(key)) {
      counts.duplicates++;
      return;
    }
    seen.add(key);
    counts.written++;
    if (fromSeed) counts.fromSeed++;
    if (!out.write(`${JSON.stringify(formatRecord(request.format, p))}\n`)) await once(out, "drain");
  };
  try {
    for (const input of request.inputs) {
      for await (const r of jsonLines(input)) {
        if (!isObj(r) || typeof r.instruction !== "string" || typeof r.response !== "string") {
          counts.malformed++;
          continue;
        }
        if (r.status !== "valid") {
          counts.notValid++;
          continue;
        }
        await write({ instruction: r.instruction, response: r.response }, false);
      }
    }
    if (request.seed) {
      const { instruction, response } = request.seed.fields;
      for await (const r of seedRecords(request.seed)) {
        if (!isObj(r) || typeof r[instruction] !== "string" || typeof r[response] !== "string") {
          counts.malformed++;
          continue;
        }
        await write({ instruction: r[instruction] as string, response: r[response] as string }, true);
      }
    }
    out.end();
    await once(out, "finish");
  } catch (e) {
    out.destroy();
    rmSync(temp, { force: true });
    throw e;
  }
  renameSync(temp, target);
  const written: string[] = [files.train];
  if (request.format === "llama-factory") {
    const lf = PREPARED_FILES["llama-factory"];
    const info = {
      [lf.datasetName]: { file_name: lf.train, formatting: "alpaca", columns: { prompt: "instruction", query: "input", response: "output" } },
    };
    writeJsonAtomic(join(request.outDir, lf.info), info);
    written.push(lf.info);
  }
  return { counts, files: written };
}
