/**
 * A run plan (`runs/<run-id>/plan.json`): the frozen, pure-data inputs of one run — spec snapshot, the
 * settings and generators chosen, seed file hashes, stages and hosts. Everything a run does is derived
 * from it, so a resumed run (possibly on another machine) does exactly what the first one planned.
 *
 * `planHash` covers what determines the generated data (not the run id or the time), and item ids are
 * derived from it: resuming the same plan never re-requests, and never re-pays for, a stored item.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { findSetting } from "../settings";
import { ExperimentSpec, Generator, type GeneratorSpec, SeedFields, settingId } from "../spec/model";
import { parseSeedText, type SpecFileSystem } from "../spec/semantic";
import { StageName } from "./events";

export const PlannedSetting = z.object({
  id: z.string(),
  domain: ExperimentSpec.shape.settings.element.shape.domain,
  method: ExperimentSpec.shape.settings.element.shape.method,
  instances: z.int().min(1),
  demonstrations: z.int().min(0),
  /** Absolute path of a meta-prompt override, if the spec sets one. */
  metaPrompt: z.string().optional(),
  seed: z.object({
    /** Absolute path at plan time; `sha256` detects a seed file that changed under a resumed run. */
    file: z.string(),
    sha256: z.string(),
    records: z.int().min(0),
    fields: SeedFields,
    limit: z.int().optional(),
  }),
  /** Ids of the generators run on this setting. */
  generators: z.array(z.string()).min(1),
  host: z.string(),
});
export type PlannedSetting = z.infer<typeof PlannedSetting>;

export const RunPlan = z.object({
  version: z.literal(1),
  runId: z.string(),
  createdAt: z.string(),
  spec: z.object({ path: z.string(), sha256: z.string(), name: z.string() }),
  /** The spec as validated, with defaults applied. */
  specSnapshot: ExperimentSpec,
  settings: z.array(PlannedSetting).min(1),
  generators: z.array(Generator).min(1),
  stages: z.array(StageName).min(1),
  hosts: z.object({ file: z.string(), generate: z.string(), train: z.string(), evaluate: z.string() }),
  planHash: z.string(),
});
export type RunPlan = z.infer<typeof RunPlan>;

export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** JSON with sorted keys, so equal plans hash equally whatever the key order in the spec. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Stable id of one item: hash of (plan, setting, generator, seed, index), as DESIGN.md prescribes. */
export function itemId(planHash: string, setting: string, generator: string, seedIndex: number | null, index: number): string {
  return sha256(`${planHash}\u0000${setting}\u0000${generator}\u0000${seedIndex ?? "-"}\u0000${index}`).slice(0, 24);
}

export class PlanError extends Error {}

export interface PlanRequest {
  spec: ExperimentSpec;
  specPath: string;
  specText: string;
  /** Setting refs: ids (`math.instance_generation`), `math/instance_generation`, or indices as strings. Empty = all. */
  settings?: string[];
  /** Generator ids; empty = each setting's own list (or all). */
  generators?: string[];
  stages?: z.infer<typeof StageName>[];
  /** Host override for the train and evaluate stages (generation always runs in the engine, on this machine). */
  host?: string;
  runId: string;
  now?: Date;
}

function pickSettings(spec: ExperimentSpec, refs: string[]): number[] {
  if (refs.length === 0) return spec.settings.map((_, i) => i);
  return refs.map((ref) => {
    const byId = spec.settings.findIndex((s) => settingId(s) === ref || s.id === ref);
    if (byId >= 0) return byId;
    const info = findSetting(ref);
    const byKind = info ? spec.settings.findIndex((s) => s.domain === info.domain && s.method === info.method) : -1;
    if (byKind >= 0) return byKind;
    if (/^\d+$/.test(ref) && Number(ref) < spec.settings.length) return Number(ref);
    throw new PlanError(`The spec has no setting "${ref}". Settings: ${spec.settings.map(settingId).join(", ")}.`);
  });
}

/** Resolves a validated spec into a run plan; reads and hashes the seed files through `fs`. */
export async function buildPlan(req: PlanRequest, fs: SpecFileSystem): Promise<RunPlan> {
  const { spec } = req;
  const byId = new Map(spec.generators.map((g) => [g.id, g]));
  for (const g of req.generators ?? []) {
    if (!byId.has(g)) throw new PlanError(`The spec has no generator "${g}". Generators: ${[...byId.keys()].join(", ")}.`);
  }
  const settings: PlannedSetting[] = [];
  const used = new Set<string>();
  for (const i of pickSettings(spec, req.settings ?? [])) {
    const s = spec.settings[i]!;
    const own = s.generators ?? spec.generators.map((g) => g.id);
    const chosen = req.generators?.length ? own.filter((g) => req.generators!.includes(g)) : own;
    if (chosen.length === 0) throw new PlanError(`None of the chosen generators runs on setting "${settingId(s)}" (it uses ${own.join(", ")}).`);
    const file = fs.resolve(req.specPath, s.seed.file);
    const text = await fs.readText(file);
    if (text === undefined) throw new PlanError(`Seed file "${s.seed.file}" of setting "${settingId(s)}" not found.`);
    const records = parseSeedText(text).records.length;
    chosen.forEach((g) => used.add(g));
    settings.push({
      id: settingId(s),
      domain: s.domain,
      method: s.method,
      instances: s.instances,
      demonstrations: s.demonstrations,
      metaPrompt: s.metaPrompt ? fs.resolve(req.specPath, s.metaPrompt) : undefined,
      seed: { file, sha256: sha256(text), records, fields: s.seed.fields, limit: s.seed.limit },
      generators: chosen,
      // Generation runs in the engine process, where the API keys are: only an explicit per-setting host
      // names another machine (and `agora run` refuses one that is not local).
      host: s.host ?? "local",
    });
  }
  const generators: GeneratorSpec[] = spec.generators.filter((g) => used.has(g.id));
  const stages = req.stages?.length ? req.stages : (["generate"] as const satisfies readonly z.infer<typeof StageName>[]).slice();
  const hosts = {
    file: fs.resolve(req.specPath, spec.hosts.file),
    generate: "local",
    train: req.host ?? spec.student.host ?? spec.hosts.default,
    evaluate: req.host ?? spec.evaluation.host ?? spec.hosts.default,
  };
  // The hash covers what shapes the data: sampling, models, seed contents, counts — not where files live
  // (a run resumed on another machine keeps its ids). The engine records each rendered prompt's own hash.
  const planHash = sha256(
    canonicalJson({
      settings: settings.map((s) => ({ ...s, host: undefined, metaPrompt: undefined, seed: { ...s.seed, file: undefined } })),
      generators: generators.map((g) => ({ provider: g.provider, model: g.model, id: g.id, sampling: g.sampling, baseUrl: g.baseUrl })),
    }),
  ).slice(0, 32);
  return RunPlan.parse({
    version: 1,
    runId: req.runId,
    createdAt: (req.now ?? new Date()).toISOString(),
    spec: { path: req.specPath, sha256: sha256(req.specText), name: spec.name },
    specSnapshot: spec,
    settings,
    generators,
    stages,
    hosts,
    planHash,
  });
}
