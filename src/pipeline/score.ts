/**
 * The score stage: find each evaluation's result files, parse them into ScoreRecords
 * (src/core/results), assemble `scores.json` (the ScoresFile model of src/core/pgr.ts: base, reference,
 * students[generator][method][benchmark], in percent), compute PGR, and write the file temp-then-rename.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeJsonAtomic } from "../core/io/atomic-json";
import { computePgr, type PgrTable, ScoresFile } from "../core/pgr";
import { parseResultFile, RESULT_FILE_PATTERNS, ResultsParseError, type ScoreRecord } from "../core/results";
import type { EvalplusVariant } from "../core/results/evalplus";
import type { BenchmarkId, Method } from "../core/settings";
import type { RecipeResults } from "./recipes/types";

export class ScoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScoreError";
  }
}

/** Every file under `dir` (recursively), as absolute paths. */
function walk(dir: string, out: string[] = [], depth = 0): string[] {
  if (depth > 8) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out, depth + 1);
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/**
 * The result file for one evaluation: the first pattern of the tool that matches anything wins (e.g. the
 * Arena-Hard CSV over the printed output), and among its matches the newest file (lm-eval and Arena-Hard
 * stamp file names with the time, so a re-run leaves older files behind).
 */
export function findResultFile(results: Pick<RecipeResults, "tool" | "dir">): string {
  if (!existsSync(results.dir)) throw new ResultsParseError("no-files", results.dir, `the ${results.tool} output folder does not exist.`);
  const files = walk(results.dir);
  for (const pattern of RESULT_FILE_PATTERNS[results.tool]) {
    const hits = files.filter((f) => pattern.test(f.split(/[\\/]/).pop() ?? f));
    if (hits.length > 0) return hits.map((f) => ({ f, t: statSync(f).mtimeMs })).sort((a, b) => b.t - a.t || (a.f < b.f ? 1 : -1))[0].f;
  }
  throw new ResultsParseError(
    "no-files",
    results.dir,
    `no ${results.tool} result file (looked for ${RESULT_FILE_PATTERNS[results.tool].map(String).join(" or ")}).`,
  );
}

/** Finds and parses the result of one evaluation (as described by `ResolvedRecipe.results`). */
export function readResult(results: RecipeResults, options: { evalplusVariant?: EvalplusVariant } = {}): ScoreRecord {
  const file = findResultFile(results);
  return parseResultFile(results.tool, readFileSync(file, "utf8"), file, {
    benchmark: results.benchmark,
    model: results.model,
    evalplusVariant: options.evalplusVariant,
  });
}

export interface StudentRecords {
  generator: string;
  method: Method;
  records: readonly ScoreRecord[];
}

export interface ScoreInputs {
  base: readonly ScoreRecord[];
  reference: readonly ScoreRecord[];
  students: readonly StudentRecords[];
}

function byBenchmark(records: readonly ScoreRecord[], who: string): Partial<Record<BenchmarkId, number>> {
  const out: Partial<Record<BenchmarkId, number>> = {};
  for (const r of records) {
    const prev = out[r.benchmark];
    if (prev !== undefined && prev !== r.score) {
      throw new ScoreError(`${who} has two different ${r.benchmark} scores (${prev} and ${r.score}, the latter from ${r.source}).`);
    }
    out[r.benchmark] = r.score;
  }
  return out;
}

/**
 * Builds a ScoresFile from score records, on top of `existing` (a previous scores.json of the same run):
 * new records replace old values per benchmark, everything else is kept.
 */
export function buildScores(inputs: ScoreInputs, existing?: ScoresFile): ScoresFile {
  const scores: ScoresFile = {
    unit: "percent",
    base: { ...existing?.base, ...byBenchmark(inputs.base, "The base model") },
    reference: { ...existing?.reference, ...byBenchmark(inputs.reference, "The reference model") },
    students: structuredClone(existing?.students ?? {}),
  };
  for (const s of inputs.students) {
    const byMethod = (scores.students[s.generator] ??= {});
    byMethod[s.method] = { ...byMethod[s.method], ...byBenchmark(s.records, `The student of ${s.generator} / ${s.method}`) };
  }
  return ScoresFile.parse(scores);
}

/** Reads an existing scores.json, or undefined when there is none; a malformed one is an error, not silently replaced. */
export function readScoresFile(path: string): ScoresFile | undefined {
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ScoreError(`${path}: not valid JSON (${(e as Error).message}).`);
  }
  const parsed = ScoresFile.safeParse(json);
  if (!parsed.success) throw new ScoreError(`${path}: not a scores file (${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}).`);
  return parsed.data;
}

/** Writes scores.json atomically (temp file in the same folder, then rename). */
export function writeScoresFile(path: string, scores: ScoresFile): void {
  writeJsonAtomic(path, ScoresFile.parse(scores));
}

export interface ScoreStageResult {
  scores: ScoresFile;
  /** PGR per generator / method / domain; `problems` lists cells PGR is undefined for (missing or degenerate scores). */
  pgr: PgrTable;
}

/** The whole score stage for one run: merge with the run's scores.json, write it, return scores and PGR. */
export function scoreRun(scoresPath: string, inputs: ScoreInputs): ScoreStageResult {
  const scores = buildScores(inputs, readScoresFile(scoresPath));
  writeScoresFile(scoresPath, scores);
  return { scores, pgr: computePgr(scores) };
}
