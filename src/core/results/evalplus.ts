/**
 * EvalPlus: `evalplus.evaluate --dataset humaneval|mbpp ...` writes `<samples>.eval_results.json` (or
 * `eval_results.json` in a samples folder) with `eval: { task_id: [{ base_status, plus_status, ... }] }`
 * and, since v0.2, `pass_at_k: { base: { "pass@1": f }, plus: { "pass@1": f } }` (fractions). Older files
 * lack `pass_at_k`; pass@1 is then recomputed from the per-sample statuses, as EvalPlus itself does
 * (the mean over tasks of the fraction of passing samples; "plus" passes only when base passes too).
 */
import type { BenchmarkId } from "../settings";
import { fractionToPercent, isObject, parseJson, ResultsParseError, type ScoreRecord } from "./types";

/** `base` = the original HumanEval / MBPP tests (what the paper reports as HumanEval and MBPP); `plus` = EvalPlus' extended tests. */
export type EvalplusVariant = "base" | "plus";

export interface EvalplusOptions {
  /** Which benchmark the file is for; default: guessed from the task ids (`HumanEval/…`, `Mbpp/…`). */
  benchmark?: "humaneval" | "mbpp";
  variant?: EvalplusVariant;
}

const PASS = "pass";

export function parseEvalplusResults(text: string, file: string, options: EvalplusOptions = {}): ScoreRecord {
  const doc = parseJson(text, file);
  if (!isObject(doc) || !isObject(doc.eval)) {
    throw new ResultsParseError("missing-field", file, 'no "eval" object: is this an EvalPlus eval_results.json?');
  }
  const taskIds = Object.keys(doc.eval);
  if (taskIds.length === 0) throw new ResultsParseError("malformed", file, "the file has no evaluated tasks.");
  const guessed: BenchmarkId | undefined = taskIds[0].startsWith("HumanEval/") ? "humaneval" : taskIds[0].startsWith("Mbpp/") ? "mbpp" : undefined;
  const benchmark = options.benchmark ?? guessed;
  if (!benchmark) throw new ResultsParseError("missing-task", file, `cannot tell HumanEval from MBPP by the task id "${taskIds[0]}"; say which benchmark this file is for.`);
  if (guessed && options.benchmark && guessed !== options.benchmark) {
    throw new ResultsParseError("missing-task", file, `expected ${options.benchmark} results but the tasks are ${guessed} (${taskIds[0]}).`);
  }
  const variant = options.variant ?? "base";
  const metric = `${variant} pass@1`;
  const passAtK = isObject(doc.pass_at_k) ? doc.pass_at_k : undefined;
  const reported = passAtK && isObject(passAtK[variant]) ? passAtK[variant]["pass@1"] : undefined;
  let score: number;
  if (reported !== undefined) score = fractionToPercent(reported, file, `pass_at_k.${variant}["pass@1"]`);
  else {
    let sum = 0;
    for (const id of taskIds) {
      const samples = doc.eval[id];
      if (!Array.isArray(samples) || samples.length === 0) throw new ResultsParseError("malformed", file, `task ${id} has no samples.`);
      let passed = 0;
      for (const s of samples) {
        if (!isObject(s) || typeof s.base_status !== "string") {
          throw new ResultsParseError("missing-field", file, `a sample of ${id} has no "base_status".`);
        }
        if (variant === "plus" && s.plus_status === null) {
          throw new ResultsParseError("missing-field", file, `${id} was evaluated with --base-only: there is no plus score.`);
        }
        if (s.base_status === PASS && (variant === "base" || s.plus_status === PASS)) passed++;
      }
      sum += passed / samples.length;
    }
    score = (sum / taskIds.length) * 100;
  }
  return { benchmark, tool: "evalplus", score, metric, task: benchmark, samples: taskIds.length, source: file };
}
