/**
 * lm-evaluation-harness: `lm_eval ... --output_path DIR` writes `DIR/<model>/results_<timestamp>.json`
 * whose `results` maps each task (and group) to metrics keyed `"<metric>,<filter>"` with fractions as
 * values, e.g. `"exact_match,strict-match": 0.56` and `"exact_match_stderr,strict-match": 0.013`.
 * Group scores (e.g. `minerva_math` over its seven subjects) appear under `results` in older versions and
 * under `groups` in newer ones; both are read.
 */
import type { BenchmarkId } from "../settings";
import { fractionToPercent, isObject, parseJson, ResultsParseError, type ScoreRecord } from "./types";

export interface LmEvalTaskMapping {
  /** Task names that measure the benchmark, most preferred first. */
  tasks: readonly string[];
  /** `metric,filter` keys, most preferred first. */
  metrics: readonly string[];
}

/**
 * Which lm-eval tasks and metrics stand for our benchmarks. GSM8K: strict answer extraction first (the
 * paper scores exact match of the final answer); MATH: the Minerva-style task (answer equivalence), then
 * Hendrycks' original.
 */
export const LM_EVAL_TASKS: Readonly<Partial<Record<BenchmarkId, LmEvalTaskMapping>>> = {
  gsm8k: {
    tasks: ["gsm8k", "gsm8k_cot_zeroshot", "gsm8k_cot", "gsm8k_cot_llama"],
    metrics: ["exact_match,strict-match", "exact_match,flexible-extract", "exact_match,none"],
  },
  math: {
    tasks: ["minerva_math", "hendrycks_math", "leaderboard_math_hard", "minerva_math500"],
    metrics: ["exact_match,none", "math_verify,none", "exact_match,flexible-extract"],
  },
};

export interface LmEvalOptions {
  /** Benchmarks to read; default: every benchmark the file has a task for. */
  benchmarks?: readonly BenchmarkId[];
  /** Overrides of the task / metric preferences per benchmark. */
  mapping?: Partial<Record<BenchmarkId, LmEvalTaskMapping>>;
}

/** Parses one `results_*.json`; throws ResultsParseError when a requested benchmark is not in it. */
export function parseLmEvalResults(text: string, file: string, options: LmEvalOptions = {}): ScoreRecord[] {
  const doc = parseJson(text, file);
  if (!isObject(doc) || !isObject(doc.results)) {
    throw new ResultsParseError("missing-field", file, 'no "results" object: is this an lm-evaluation-harness results_*.json?');
  }
  const tables = [doc.results, isObject(doc.groups) ? doc.groups : {}];
  const config = isObject(doc.config) ? doc.config : {};
  const modelArgs = typeof config.model_args === "string" ? config.model_args : undefined;
  const model = typeof doc.model_name === "string" ? doc.model_name : /pretrained=([^,]+)/.exec(modelArgs ?? "")?.[1];
  const nSamples = isObject(doc["n-samples"]) ? doc["n-samples"] : {};
  const mapping = { ...LM_EVAL_TASKS, ...options.mapping };
  const wanted = options.benchmarks ?? (Object.keys(mapping) as BenchmarkId[]);
  const records: ScoreRecord[] = [];
  for (const benchmark of wanted) {
    const m = mapping[benchmark];
    if (!m) throw new ResultsParseError("missing-task", file, `lm-evaluation-harness has no task mapping for benchmark "${benchmark}".`);
    let found: ScoreRecord | undefined;
    for (const task of m.tasks) {
      const entry = tables.map((t) => t[task]).find(isObject);
      if (!entry) continue;
      const metric = m.metrics.find((k) => typeof entry[k] === "number");
      if (!metric) {
        throw new ResultsParseError(
          "missing-field",
          file,
          `task "${task}" has none of the metrics ${m.metrics.map((k) => `"${k}"`).join(", ")} (it has ${Object.keys(entry).join(", ")}).`,
        );
      }
      const [name, filter] = metric.split(",");
      const stderrValue = entry[`${name}_stderr,${filter}`];
      const samples = isObject(nSamples[task]) ? nSamples[task].effective : undefined;
      found = {
        benchmark,
        tool: "lm-eval",
        score: fractionToPercent(entry[metric], file, `${task} ${metric}`),
        metric,
        ...(typeof stderrValue === "number" && Number.isFinite(stderrValue) ? { stderr: stderrValue * 100 } : {}),
        ...(model ? { model } : {}),
        task,
        ...(typeof samples === "number" && Number.isInteger(samples) && samples >= 0 ? { samples } : {}),
        source: file,
      };
      break;
    }
    if (found) records.push(found);
    else if (options.benchmarks) {
      throw new ResultsParseError(
        "missing-task",
        file,
        `no result for ${benchmark}: expected one of the tasks ${m.tasks.join(", ")} (the file has ${Object.keys(doc.results).join(", ") || "no tasks"}).`,
      );
    }
  }
  return records;
}
