import type { EvaluatorTool } from "../../core/results/types";
import type { BenchmarkId } from "../../core/settings";

/** A file the runner writes into the stage folder before running the command. */
export interface RecipeFile {
  /** POSIX path relative to the stage folder. */
  path: string;
  content: string;
}

/** Where the score stage finds this evaluation's results (relative paths are relative to the stage folder). */
export interface RecipeResults {
  tool: EvaluatorTool;
  benchmark: BenchmarkId;
  /** Folder searched (recursively) for files matching RESULT_FILE_PATTERNS[tool]. */
  dir: string;
  /** Model name the tool records (AlpacaEval `--name`, Arena-Hard model list). */
  model: string;
}

/** A recipe resolved to exact text: what the runner writes, runs and records in the run folder. */
export interface ResolvedRecipe {
  stage: "train" | "evaluate";
  /** `trl` | `llama-factory` | `axolotl` | `custom` for train; the evaluator (or `custom`) for evaluate. */
  tool: string;
  /** `default` = our bundled template; `spec` = the spec's `command` override. */
  origin: "default" | "spec";
  /** The template before substitution (recorded so a user sees what produced `command`). */
  template: string;
  /** Placeholder values (unquoted), as substituted. */
  values: Record<string, string>;
  /** The main command line, every value shell-quoted. */
  command: string;
  /** A complete bash script (shebang, `set -euo pipefail`, `cd` to the stage folder, the command). */
  script: string;
  /** Files to write under the stage folder first (trainer YAML, model configs). */
  files: RecipeFile[];
  /** Evaluate only: where the result files will be. */
  results?: RecipeResults;
}
