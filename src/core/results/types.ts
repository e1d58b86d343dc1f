/**
 * The common score record every evaluator's output is parsed into: one record per benchmark, in percent
 * (the unit of `scores.json`), with where it came from so a surprising number can be traced to its file.
 */
import { z } from "zod";
import { BENCHMARK_IDS } from "../settings";

export const EvaluatorTool = z.enum(["lm-eval", "evalplus", "alpaca-eval", "arena-hard"]);
export type EvaluatorTool = z.infer<typeof EvaluatorTool>;

export const ScoreRecord = z.strictObject({
  benchmark: z.enum(BENCHMARK_IDS),
  tool: EvaluatorTool,
  /** Percent (0–100), whatever unit the tool wrote (lm-eval and evalplus write fractions). */
  score: z.number().refine(Number.isFinite, "score must be a finite number"),
  /** The tool's own metric name, e.g. `exact_match,strict-match`, `plus pass@1`, `length_controlled_winrate`. */
  metric: z.string().min(1),
  /** Standard error in percent, when the tool reports one. */
  stderr: z.number().optional(),
  /** Model name as the tool recorded it, when it records one. */
  model: z.string().optional(),
  /** Task / dataset name inside the tool (e.g. `gsm8k`, `minerva_math`, `humaneval`). */
  task: z.string().optional(),
  /** Number of scored examples, when known. */
  samples: z.int().min(0).optional(),
  /** File the score was read from (as given to the parser). */
  source: z.string(),
});
export type ScoreRecord = z.infer<typeof ScoreRecord>;

export type ResultsErrorCode = "malformed" | "missing-field" | "missing-task" | "missing-model" | "not-finite" | "no-files";

/** A result file that cannot be turned into a score; the message names the file and what is wrong. */
export class ResultsParseError extends Error {
  constructor(
    readonly code: ResultsErrorCode,
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = "ResultsParseError";
  }
}

/** Fractions (0–1) as the tools write them → percent; rejects values outside the tool's range. */
export function fractionToPercent(value: unknown, file: string, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new ResultsParseError("not-finite", file, `${what} is not a finite number (got ${JSON.stringify(value)}).`);
  }
  if (value < 0 || value > 1) throw new ResultsParseError("malformed", file, `${what} should be a fraction between 0 and 1, got ${value}.`);
  return value * 100;
}

export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ResultsParseError("malformed", file, `not valid JSON (${(e as Error).message}).`);
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
