/**
 * Stage recipes: the exact command (and files) a train or evaluate stage runs, from the bundled defaults
 * or the spec's `command` override. The runner writes `files` and `script` into the stage folder, records
 * them in the run folder, and runs `bash <script>` on the stage's host. Prepare and score run in-process
 * (src/pipeline/prepare.ts, src/pipeline/score.ts); they have no command to override.
 */
import { BENCHMARKS, type BenchmarkId } from "../../core/settings";
import type { ExperimentSpec } from "../../core/spec/model";
import { evaluateDefaults, evaluateValues, type ModelRole } from "./evaluate";
import { RecipeError, renderCommand, shellQuote } from "./template";
import { trainDefaults, trainValues } from "./train";
import type { RecipeFile, ResolvedRecipe } from "./types";
import type { Trainer } from "./train";

export { RecipeError, renderCommand, shellQuote, placeholdersOf, toYaml, type YamlValue } from "./template";
export { TOOL_TASK, type ModelRole } from "./evaluate";
export type { Trainer } from "./train";
export type { RecipeFile, RecipeResults, ResolvedRecipe } from "./types";

export interface TrainRecipeRequest {
  stage: "train";
  spec: ExperimentSpec;
  /** Paths on the host that runs the stage (POSIX for remote Linux hosts). */
  paths: {
    /** The stage folder; the script `cd`s here and `files` are written here. */
    stageDir: string;
    /** The prepared data folder (prepare.ts output for the spec's trainer). */
    data: string;
    /** Where the trained model goes. */
    output: string;
  };
}

export interface EvaluateRecipeRequest {
  stage: "evaluate";
  spec: ExperimentSpec;
  benchmark: BenchmarkId;
  role: ModelRole;
  /** Model to evaluate: a hub id or a folder on the host (the train stage's output for students). */
  model: string;
  /** Name the tools record the model under (AlpacaEval `--name`, Arena-Hard model list); default: derived from `model`. */
  modelName?: string;
  paths: { stageDir: string; output: string };
  /** Port for the vLLM server Arena-Hard talks to (default 8000 + a stable offset per benchmark/role). */
  port?: number;
}

export type RecipeRequest = TrainRecipeRequest | EvaluateRecipeRequest;

/** A model name the tools accept in file names and leaderboards: the last path segment, tidied. */
export function modelNameFor(model: string): string {
  const last = model.replace(/[\\/]+$/, "").split(/[\\/]/).pop() || "model";
  return last.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 80);
}

function script(stageDir: string, command: string, extra: string[] = []): string {
  return ["#!/usr/bin/env bash", "# Written by AgoraBench Studio; recorded in the run folder.", "set -euo pipefail", `cd ${shellQuote(stageDir)}`, ...extra, command, ""].join("\n");
}

const ROLE_PORT: Record<ModelRole, number> = { base: 0, reference: 1, student: 2 };

/**
 * The part both stages share: the spec's `command` override or the tool's default template (a `custom`
 * tool has only the override), rendered with shell-quoted values into the command and its script.
 */
function resolveCommand(
  stage: ResolvedRecipe["stage"],
  tool: string,
  override: { command?: string; field: string },
  defaults: (() => { template: string; files: RecipeFile[] }) | undefined,
  values: Record<string, string>,
  paths: { stageDir: string; output: string },
): Omit<ResolvedRecipe, "results"> {
  if (!defaults && !override.command) throw new RecipeError(`The ${stage} tool is "custom" but ${override.field} is not set.`);
  const d = defaults?.();
  const template = override.command ?? d!.template;
  const origin = override.command ? "spec" : "default";
  const command = renderCommand(template, values, origin === "spec" ? override.field : `default ${tool} recipe`);
  return { stage, tool, origin, template, values, command, script: script(paths.stageDir, command, [`mkdir -p ${shellQuote(paths.output)}`]), files: d?.files ?? [] };
}

export function resolveRecipe(request: RecipeRequest): ResolvedRecipe {
  if (request.stage === "train") {
    const training = request.spec.student.training;
    const values = trainValues(request.spec.student, request.paths);
    const defaults = training.recipe === "custom" ? undefined : () => trainDefaults(training.recipe as Trainer, request.spec.student, values);
    return resolveCommand("train", training.recipe, { command: training.command, field: "student.training.command" }, defaults, values, request.paths);
  }
  const entry = request.spec.evaluation.benchmarks.find((b) => b.id === request.benchmark) ?? { id: request.benchmark };
  const info = BENCHMARKS[request.benchmark];
  const tool = entry.tool ?? info.tool;
  const modelName = request.modelName ?? modelNameFor(request.model);
  const port = request.port ?? 8000 + BENCHMARK_PORT_OFFSET[request.benchmark] * 3 + ROLE_PORT[request.role];
  const values = evaluateValues(request.benchmark, request.spec.evaluation.inference, {
    model: request.model,
    modelName,
    stageDir: request.paths.stageDir,
    output: request.paths.output,
    port,
  });
  const defaults = tool === "custom" ? undefined : () => evaluateDefaults(tool, request.role, values);
  const resolved = resolveCommand("evaluate", tool, { command: entry.command, field: `evaluation.benchmarks[${request.benchmark}].command` }, defaults, values, request.paths);
  // A custom command must leave its scores in the format of the benchmark's usual tool.
  const resultsTool = tool === "custom" ? info.tool : tool;
  return { ...resolved, results: { tool: resultsTool, benchmark: request.benchmark, dir: request.paths.output, model: modelName } };
}

const BENCHMARK_PORT_OFFSET: Record<BenchmarkId, number> = { gsm8k: 0, math: 1, mbpp: 2, humaneval: 3, alpacaeval2: 4, arenahard: 5 };
