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

export function resolveRecipe(request: RecipeRequest): ResolvedRecipe {
  if (request.stage === "train") {
    const training = request.spec.student.training;
    const values = trainValues(request.spec.student, request.paths);
    let template: string;
    let files: RecipeFile[] = [];
    if (training.recipe === "custom") {
      if (!training.command) throw new RecipeError('student.training.recipe is "custom" but student.training.command is not set.');
      template = training.command;
    } else {
      const d = trainDefaults(training.recipe, request.spec.student, values);
      template = training.command ?? d.template;
      files = d.files;
    }
    const origin = training.command ? "spec" : "default";
    const command = renderCommand(template, values, origin === "spec" ? "student.training.command" : `default ${training.recipe} recipe`);
    return {
      stage: "train",
      tool: training.recipe,
      origin,
      template,
      values,
      command,
      script: script(request.paths.stageDir, command, [`mkdir -p ${shellQuote(request.paths.output)}`]),
      files,
    };
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
  let template: string;
  let files: RecipeFile[] = [];
  if (tool === "custom") {
    if (!entry.command) throw new RecipeError(`evaluation.benchmarks[${request.benchmark}]: tool is "custom" but no command is set.`);
    template = entry.command;
  } else {
    const d = evaluateDefaults(tool, request.role, values);
    template = entry.command ?? d.template;
    files = d.files;
  }
  const origin = entry.command ? "spec" : "default";
  const command = renderCommand(template, values, origin === "spec" ? `evaluation.benchmarks[${request.benchmark}].command` : `default ${tool} recipe`);
  // A custom command must leave its scores in the format of the benchmark's usual tool.
  const resultsTool = tool === "custom" ? info.tool : tool;
  return {
    stage: "evaluate",
    tool,
    origin,
    template,
    values,
    command,
    script: script(request.paths.stageDir, command, [`mkdir -p ${shellQuote(request.paths.output)}`]),
    files,
    results: { tool: resultsTool, benchmark: request.benchmark, dir: request.paths.output, model: modelName },
  };
}

const BENCHMARK_PORT_OFFSET: Record<BenchmarkId, number> = { gsm8k: 0, math: 1, mbpp: 2, humaneval: 3, alpacaeval2: 4, arenahard: 5 };
