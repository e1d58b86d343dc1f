/**
 * Evaluator result parsers: each tool's real output file → ScoreRecord (percent). Pure functions over
 * file text; finding the files in a stage folder is the pipeline's job (src/pipeline/score.ts).
 */
import type { BenchmarkId } from "../settings";
import { parseAlpacaEvalLeaderboard } from "./alpaca-eval";
import { parseArenaHardLeaderboard, parseArenaHardOutput } from "./arena-hard";
import { parseEvalplusResults, type EvalplusVariant } from "./evalplus";
import { parseLmEvalResults } from "./lm-eval";
import { type EvaluatorTool, ResultsParseError, type ScoreRecord } from "./types";

export * from "./types";
export { parseCsv, csvRecords } from "./csv";
export { parseLmEvalResults, LM_EVAL_TASKS, type LmEvalOptions, type LmEvalTaskMapping } from "./lm-eval";
export { parseEvalplusResults, type EvalplusOptions, type EvalplusVariant } from "./evalplus";
export { parseAlpacaEvalLeaderboard, type AlpacaEvalOptions } from "./alpaca-eval";
export { parseArenaHardLeaderboard, parseArenaHardOutput, type ArenaHardOptions } from "./arena-hard";

/** File names (basename patterns) each tool writes its scores to, most authoritative first. */
export const RESULT_FILE_PATTERNS: Readonly<Record<EvaluatorTool, readonly RegExp[]>> = {
  "lm-eval": [/^results_.*\.json$/],
  evalplus: [/(^|[._])eval_results\.json$/],
  "alpaca-eval": [/^leaderboard\.csv$/],
  "arena-hard": [/^arena_hard_leaderboard_.*\.csv$/, /^show_result\.txt$/],
};

export interface ParseResultOptions {
  /** The benchmark the file is expected to hold. */
  benchmark: BenchmarkId;
  /** Model name the tool recorded (AlpacaEval `--name`, Arena-Hard model); required for those two. */
  model?: string;
  evalplusVariant?: EvalplusVariant;
}

/** Parses one result file of `tool` for one benchmark. `file` names it in errors and in the record. */
export function parseResultFile(tool: EvaluatorTool, text: string, file: string, options: ParseResultOptions): ScoreRecord {
  const base = file.split(/[\\/]/).pop() ?? file;
  switch (tool) {
    case "lm-eval": {
      const [record] = parseLmEvalResults(text, file, { benchmarks: [options.benchmark] });
      return record;
    }
    case "evalplus": {
      if (options.benchmark !== "humaneval" && options.benchmark !== "mbpp") {
        throw new ResultsParseError("missing-task", file, `EvalPlus scores HumanEval and MBPP, not ${options.benchmark}.`);
      }
      return parseEvalplusResults(text, file, { benchmark: options.benchmark, variant: options.evalplusVariant });
    }
    case "alpaca-eval":
      return parseAlpacaEvalLeaderboard(text, file, { model: options.model });
    case "arena-hard": {
      if (options.model === undefined) throw new ResultsParseError("missing-model", file, "Arena-Hard leaderboards list several models; say which one to read.");
      return base.endsWith(".csv") ? parseArenaHardLeaderboard(text, file, { model: options.model }) : parseArenaHardOutput(text, file, { model: options.model });
    }
  }
}
