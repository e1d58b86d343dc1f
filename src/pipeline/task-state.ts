/**
 * `stages/<task>/task.json`: what the engine knows about one pipeline task — its state, the host, the
 * detached job's handle (so a later engine reattaches), the folder on the host and how it ended. Written
 * temp-then-rename (core/io/atomic-json), so a kill leaves the previous version, never half a file.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { writeJsonAtomic } from "../core/io/atomic-json";
import { StageName } from "../core/run/events";

export const JobHandleRecord = z.object({
  kind: z.enum(["process", "slurm"]),
  host: z.string(),
  dir: z.string(),
  pid: z.int().optional(),
  jobId: z.string().optional(),
  log: z.string(),
  startedAt: z.string(),
});

export const TaskStateName = z.enum(["running", "finished", "failed", "cancelled"]);
export type TaskStateName = z.infer<typeof TaskStateName>;

export const TaskState = z.object({
  id: z.string(),
  stage: StageName,
  state: TaskStateName,
  /** 1 for the first start; a resumed failed task starts again with the next attempt. */
  attempt: z.int().min(1),
  host: z.string().optional(),
  /** The task's folder on the host (equal to the local task folder for the local host without workDir). */
  remoteDir: z.string().optional(),
  handle: JobHandleRecord.optional(),
  exitCode: z.int().nullable().optional(),
  message: z.string().optional(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
});
export type TaskState = z.infer<typeof TaskState>;

export const TASK_FILE = "task.json";

/** The task's state, or undefined when it never started (or its file is unreadable: then it starts again). */
export function readTaskState(dir: string): TaskState | undefined {
  const file = join(dir, TASK_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = TaskState.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function writeTaskState(dir: string, state: TaskState): void {
  writeJsonAtomic(join(dir, TASK_FILE), TaskState.parse(state));
}
