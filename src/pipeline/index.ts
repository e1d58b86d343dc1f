/**
 * The pipeline: the stage graph of a run (graph.ts), its engine (runner.ts), cancelling jobs (cancel.ts),
 * and the building blocks — prepare (generated JSONL → trainer chat data), recipes (train / evaluate
 * commands), score (evaluator results → scores.json with PGR).
 */
export { planTasks, taskDir, benchmarksFor, STAGE_ORDER, type PipelineTask } from "./graph";
export { runPipeline, PipelineError, type PipelineOptions, type PipelineResult, logExcerpt, forwardedSecretNames } from "./runner";
export { cancelRunJobs, readTaskStates, taskFolders, type CancelResult } from "./cancel";
export { readTaskState, TaskState, type TaskStateName } from "./task-state";
export { prepareTrainingData, PREPARED_FILES } from "./prepare";
export { resolveRecipe, modelNameFor, RecipeError } from "./recipes";
export { scoreRun, readResult, ScoreError } from "./score";
