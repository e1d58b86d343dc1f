/**
 * The event log of a run, `runs/<run-id>/events.jsonl`: append-only, one JSON object a line, and the
 * source of truth for a run's status. The engine and stages write it; the extension, `agora status` and the
 * Runs view read it (tailing, locally or over SSH). Readers ignore a torn last line and unknown types.
 */
import { z } from "zod";

export const StageName = z.enum(["generate", "prepare", "train", "evaluate", "score"]);
export type StageName = z.infer<typeof StageName>;

const base = {
  /** ISO-8601 time the event was written. */
  t: z.string(),
  stage: StageName.optional(),
  setting: z.string().optional(),
  generator: z.string().optional(),
  /** Pipeline task the event belongs to: `train/<setting>/<generator>`, `evaluate/base/<benchmark>`, … */
  task: z.string().optional(),
  benchmark: z.string().optional(),
  /** Host the task runs on. */
  host: z.string().optional(),
};

export const RunEvent = z.discriminatedUnion("type", [
  z.object({ ...base, type: z.literal("run.started"), runId: z.string(), pid: z.int().optional(), host: z.string().optional(), resumed: z.boolean().optional() }),
  z.object({ ...base, type: z.literal("stage.started"), command: z.string().optional(), jobId: z.string().optional() }),
  z.object({
    ...base,
    type: z.literal("progress"),
    done: z.int().min(0),
    total: z.int().min(0),
    valid: z.int().min(0).optional(),
    invalid: z.int().min(0).optional(),
    duplicate: z.int().min(0).optional(),
    failed: z.int().min(0).optional(),
    /** Items per minute over the last window. */
    throughputPerMin: z.number().min(0).optional(),
    costUsd: z.number().min(0).optional(),
    inputTokens: z.int().min(0).optional(),
    outputTokens: z.int().min(0).optional(),
  }),
  z.object({ ...base, type: z.literal("log"), level: z.enum(["debug", "info", "warning", "error"]), message: z.string() }),
  z.object({ ...base, type: z.literal("error"), message: z.string(), code: z.string().optional(), retryable: z.boolean().optional() }),
  z.object({ ...base, type: z.literal("rate-limited"), retryAfterMs: z.number().min(0), message: z.string().optional() }),
  z.object({ ...base, type: z.literal("paused"), reason: z.string() }),
  z.object({ ...base, type: z.literal("budget.exceeded"), costUsd: z.number(), maxUsd: z.number() }),
  z.object({ ...base, type: z.literal("batch.submitted"), batchId: z.string(), items: z.int().min(0) }),
  z.object({ ...base, type: z.literal("batch.status"), batchId: z.string(), status: z.string(), completed: z.int().optional(), failed: z.int().optional() }),
  z.object({ ...base, type: z.literal("stage.finished"), exitCode: z.int().nullable(), ok: z.boolean(), message: z.string().optional() }),
  z.object({ ...base, type: z.literal("scores"), scoresFile: z.string() }),
  /** A pipeline task not started because a task it depends on did not finish. */
  z.object({ ...base, type: z.literal("task.skipped"), reason: z.string() }),
  z.object({ ...base, type: z.literal("run.finished"), ok: z.boolean(), costUsd: z.number().min(0).optional(), message: z.string().optional() }),
  z.object({ ...base, type: z.literal("run.cancelled"), by: z.string().optional() }),
]);
export type RunEvent = z.infer<typeof RunEvent>;
export type RunEventType = RunEvent["type"];

/**
 * Parses the text of an events file. Unknown or malformed lines are skipped (counted), and a last line
 * without its newline — a write torn by a kill — is ignored, never half-read.
 */
export function parseEvents(text: string): { events: RunEvent[]; skipped: number; tornTail: boolean } {
  const events: RunEvent[] = [];
  let skipped = 0;
  const tornTail = text.length > 0 && !text.endsWith("\n");
  const lines = text.split("\n");
  const complete = tornTail ? lines.slice(0, -1) : lines;
  for (const line of complete) {
    if (!line.trim()) continue;
    try {
      const parsed = RunEvent.safeParse(JSON.parse(line));
      if (parsed.success) events.push(parsed.data);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { events, skipped, tornTail };
}

export type RunState = "running" | "paused" | "finished" | "failed" | "cancelled" | "unknown";

export interface RunSummary {
  runId?: string;
  state: RunState;
  stage?: StageName;
  done: number;
  total: number;
  costUsd: number;
  lastError?: string;
  startedAt?: string;
  updatedAt?: string;
}

/** Folds an event log into what the UI shows. Pure, so the tree view and `agora status` agree. */
export function summarizeEvents(events: readonly RunEvent[]): RunSummary {
  const s: RunSummary = { state: "unknown", done: 0, total: 0, costUsd: 0 };
  const progress = new Map<string, { done: number; total: number; cost: number }>();
  for (const e of events) {
    s.updatedAt = e.t;
    switch (e.type) {
      case "run.started":
        s.runId = e.runId;
        s.state = "running";
        s.startedAt ??= e.t;
        break;
      case "stage.started":
        s.stage = e.stage;
        s.state = "running";
        break;
      case "progress":
        // Item counts are the generate stage's; pipeline tasks are counted by stage views.
        if (e.stage && e.stage !== "generate") break;
        progress.set(`${e.stage ?? ""}|${e.setting ?? ""}|${e.generator ?? ""}`, { done: e.done, total: e.total, cost: e.costUsd ?? 0 });
        break;
      case "error":
        s.lastError = e.message;
        break;
      case "paused":
        s.state = "paused";
        s.lastError = e.reason;
        break;
      case "budget.exceeded":
        s.state = "paused";
        s.lastError = `Budget of $${e.maxUsd} reached ($${e.costUsd.toFixed(2)} spent).`;
        break;
      case "stage.finished":
        if (!e.ok) {
          // One failed pipeline task does not end the run (independent tasks go on); run.finished does.
          if (!e.task) s.state = "failed";
          s.lastError = e.message ?? `Stage ${e.task ?? e.stage ?? ""} failed (exit code ${e.exitCode}).`;
        }
        break;
      case "run.finished":
        s.state = e.ok ? "finished" : "failed";
        if (e.costUsd !== undefined) s.costUsd = e.costUsd;
        if (!e.ok && e.message) s.lastError = e.message;
        break;
      case "run.cancelled":
        s.state = "cancelled";
        break;
      default:
        break;
    }
  }
  let cost = 0;
  for (const p of progress.values()) {
    s.done += p.done;
    s.total += p.total;
    cost += p.cost;
  }
  s.costUsd = Math.max(s.costUsd, cost);
  return s;
}
