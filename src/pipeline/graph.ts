/**
 * The stage graph of a run (pure): generate → prepare → train → evaluate → score, unrolled into tasks.
 *
 * - generate: one task, the generation engine over every setting × generator of the plan.
 * - prepare / train: one task per setting × generator (its data → chat data → a trained student).
 * - evaluate: one task per student × benchmark of the setting's domain, plus the base and the reference
 *   model on every benchmark some student needs (PGR is measured against both).
 * - score: one task reading every evaluation's score and writing scores.json with PGR.
 *
 * Each task has a folder in the run folder (`stages/<stage>/…`) holding its state, recorded command, log
 * copy and results, so a resumed engine knows what is done, what is still running on a host, and what to
 * start again.
 */
import type { StageName } from "../core/run/events";
import type { PlannedSetting, RunPlan } from "../core/run/plan";
import { BENCHMARKS, type BenchmarkId, type Method } from "../core/settings";
import type { ModelRole } from "./recipes";

interface TaskBase {
  /** Stable id, also the task folder under the run folder: `train/<setting>/<generator>`. */
  id: string;
  stage: StageName;
  /** Ids of the tasks whose outputs this one reads. */
  deps: string[];
}

export interface GenerateTask extends TaskBase {
  stage: "generate";
}

export interface PrepareTask extends TaskBase {
  stage: "prepare";
  setting: PlannedSetting;
  generator: string;
}

export interface TrainTask extends TaskBase {
  stage: "train";
  setting: PlannedSetting;
  generator: string;
  host: string;
}

export interface EvaluateTask extends TaskBase {
  stage: "evaluate";
  role: ModelRole;
  benchmark: BenchmarkId;
  host: string;
  /** Students only. */
  setting?: PlannedSetting;
  generator?: string;
  /** Students only: the train task whose output is evaluated. */
  trainTask?: string;
}

export interface ScoreTask extends TaskBase {
  stage: "score";
}

export type PipelineTask = GenerateTask | PrepareTask | TrainTask | EvaluateTask | ScoreTask;

/**
 * What the graph reads of a plan. Structural, so the extension can unroll a plan.json it read leniently
 * without loading the zod model of a whole spec at activation.
 */
export type PlanForTasks = Pick<RunPlan, "stages" | "settings" | "hosts"> & {
  specSnapshot: { evaluation: Pick<RunPlan["specSnapshot"]["evaluation"], "benchmarks"> };
};

export const STAGE_ORDER: readonly StageName[] = ["generate", "prepare", "train", "evaluate", "score"];

/** Folder and file names must not carry `/` or odd characters (same rule as run-folder data files). */
export const safeSegment = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, "_");

/** The task folder, relative to the run folder (POSIX separators). */
export function taskDir(taskId: string): string {
  return `stages/${taskId.split("/").map(safeSegment).join("/")}`;
}

/** Benchmarks a setting's students are evaluated on: the spec's benchmarks of the setting's domain. */
export function benchmarksFor(plan: PlanForTasks, setting: Pick<PlannedSetting, "domain">): BenchmarkId[] {
  return plan.specSnapshot.evaluation.benchmarks.filter((b) => BENCHMARKS[b.id].domain === setting.domain).map((b) => b.id);
}

/** Every task of the run plan, in a dependency-respecting order. Stages not in the plan are left out. */
export function planTasks(plan: PlanForTasks): PipelineTask[] {
  const stages = new Set(plan.stages);
  const tasks: PipelineTask[] = [];
  if (stages.has("generate")) tasks.push({ id: "generate", stage: "generate", deps: [] });
  const needed = new Set<BenchmarkId>();
  for (const setting of plan.settings) {
    for (const generator of setting.generators) {
      const prep = `prepare/${setting.id}/${generator}`;
      const train = `train/${setting.id}/${generator}`;
      if (stages.has("prepare")) tasks.push({ id: prep, stage: "prepare", deps: ["generate"], setting, generator });
      if (stages.has("train")) tasks.push({ id: train, stage: "train", deps: [prep], setting, generator, host: plan.hosts.train });
      for (const benchmark of benchmarksFor(plan, setting)) {
        needed.add(benchmark);
        if (stages.has("evaluate")) {
          tasks.push({
            id: `evaluate/${setting.id}/${generator}/${benchmark}`,
            stage: "evaluate",
            deps: [train],
            role: "student",
            benchmark,
            host: plan.hosts.evaluate,
            setting,
            generator,
            trainTask: train,
          });
        }
      }
    }
  }
  if (stages.has("evaluate")) {
    for (const role of ["base", "reference"] as const) {
      for (const benchmark of needed) tasks.push({ id: `evaluate/${role}/${benchmark}`, stage: "evaluate", deps: [], role, benchmark, host: plan.hosts.evaluate });
    }
  }
  if (stages.has("score")) {
    const evaluations = tasksOfAllStages(plan).filter((t) => t.stage === "evaluate").map((t) => t.id);
    tasks.push({ id: "score", stage: "score", deps: evaluations });
  }
  return tasks;
}

/** The tasks the plan would have with every stage selected (to find prerequisites of a partial run). */
export function tasksOfAllStages(plan: PlanForTasks): PipelineTask[] {
  return planTasks({ ...plan, stages: ["generate", "prepare", "train", "evaluate"] });
}

/** The method of a student evaluation (scores.json groups students by generator × method). */
export function methodOf(task: EvaluateTask): Method | undefined {
  return task.setting?.method;
}
