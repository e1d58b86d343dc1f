/**
 * Cancelling a run's jobs: every task whose `task.json` says it is running on a host gets `Host.cancel`
 * (the whole process group on local/SSH hosts, `scancel` on Slurm), then the task is marked cancelled so a
 * resume starts it again. Used by `agora cancel` after the engine process is stopped: the engine only
 * follows jobs, so stopping it alone would leave them running (which is what a dropped link should do).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { EventSink } from "../core/run/event-log";
import type { HostDefinition } from "../core/spec/hosts";
import { createHost, type Host, type JobHandle } from "../hosts";
import { readTaskState, TASK_FILE, type TaskState, writeTaskState } from "./task-state";

/** Task folders (those with a task.json) under `runDir/stages`, depth-first. */
export function taskFolders(runDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 6 || !existsSync(dir)) return;
    if (existsSync(join(dir, TASK_FILE))) out.push(dir);
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name), depth + 1);
  };
  walk(join(runDir, "stages"), 0);
  return out;
}

/** Every task state of a run folder. */
export function readTaskStates(runDir: string): { dir: string; state: TaskState }[] {
  return taskFolders(runDir).flatMap((dir) => {
    const state = readTaskState(dir);
    return state ? [{ dir, state }] : [];
  });
}

export interface CancelResult {
  cancelled: string[];
  /** Tasks whose host could not be reached or refused: the job may still run there. */
  errors: { task: string; message: string }[];
}

export async function cancelRunJobs(runDir: string, defs: readonly HostDefinition[], events: EventSink): Promise<CancelResult> {
  const result: CancelResult = { cancelled: [], errors: [] };
  const hosts = new Map<string, Host>();
  try {
    for (const { dir, state } of readTaskStates(runDir)) {
      if (state.state !== "running" || !state.handle) continue;
      const handle = state.handle as JobHandle;
      try {
        let host = hosts.get(handle.host);
        if (!host) {
          host = createHost(handle.host, defs);
          hosts.set(handle.host, host);
        }
        await host.cancel(handle);
        const message = `${state.id} cancelled on ${handle.host}${handle.jobId ? ` (scancel ${handle.jobId})` : handle.pid ? ` (process group ${handle.pid})` : ""}`;
        writeTaskState(dir, { ...state, state: "cancelled", exitCode: null, finishedAt: new Date().toISOString(), message });
        events.emit({ type: "stage.finished", stage: state.stage, task: state.id, host: handle.host, exitCode: null, ok: false, message });
        result.cancelled.push(state.id);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        result.errors.push({ task: state.id, message });
        events.emit({ type: "error", stage: state.stage, task: state.id, host: handle.host, message: `${state.id}: could not cancel on ${handle.host}: ${message}` });
      }
    }
  } finally {
    await Promise.allSettled([...hosts.values()].map((h) => h.close()));
  }
  return result;
}
