/**
 * Paths inside a run folder (DESIGN.md "Run folder"). Pure path arithmetic with POSIX separators so the
 * same layout works on a remote Linux host; callers join with their own root.
 */
export const RUN_FILES = {
  plan: "plan.json",
  events: "events.jsonl",
  scores: "scores.json",
  prompts: "prompts.jsonl",
  data: "data",
  stages: "stages",
} as const;

/** File names must not carry `/` or odd characters: setting and generator ids are identifiers already. */
const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, "_");

export function dataFile(setting: string, generator: string): string {
  return `${RUN_FILES.data}/${safe(setting)}/${safe(generator)}.jsonl`;
}

export function stageDir(stage: string, setting?: string, generator?: string): string {
  const parts = [RUN_FILES.stages, safe(stage)];
  if (setting) parts.push(safe(setting));
  if (generator) parts.push(safe(generator));
  return parts.join("/");
}

/** Run ids sort by time and stay readable: `20261125-015214-math.instance_generation-gpt-4o-ab12`. */
export function newRunId(now: Date, label: string, random: string): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${stamp}-${safe(label).slice(0, 60)}-${safe(random).slice(0, 6)}`;
}
