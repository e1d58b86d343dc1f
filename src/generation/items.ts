/**
 * What a setting × generator asks for: the list of items (stable ids, seed indices, demonstrations) and
 * the rendered prompt of each. Everything here is a pure function of the plan and the seed file, so a
 * resumed run — in another process, on another day — renders byte-identical prompts for the same ids.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { itemId, sha256, type PlannedSetting, type RunPlan } from "../core/run/plan";
import { SETTINGS } from "../core/settings";
import { parseSeedText } from "../core/spec/semantic";
import { bundledTemplate } from "./prompts/bundled";
import { THEMES } from "./prompts/themes";
import { checkTemplate, parseTemplate, renderTemplate, type ParsedTemplate } from "./prompts/template";

export interface Seed {
  instruction: string;
  response: string;
  config: string;
}

export interface PlannedItem {
  id: string;
  index: number;
  seedIndex: number | null;
  demonstrationIndices?: number[];
}

export interface SettingContext {
  plan: RunPlan;
  setting: PlannedSetting;
  seeds: Seed[];
  template: ParsedTemplate;
  /** Path of the template file used, or `bundled:<name>`. */
  templateSource: string;
  defaultConfig: string;
}

export class SeedError extends Error {}

const str = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v));

export async function loadSettingContext(plan: RunPlan, setting: PlannedSetting): Promise<SettingContext> {
  let text: string;
  try {
    text = await readFile(setting.seed.file, "utf8");
  } catch (e) {
    throw new SeedError(`Cannot read seed file ${setting.seed.file}: ${(e as Error).message}`);
  }
  if (sha256(text) !== setting.seed.sha256) {
    throw new SeedError(`Seed file ${setting.seed.file} changed since the run was planned (sha256 differs); start a new run instead of resuming.`);
  }
  const info = SETTINGS.find((s) => s.domain === setting.domain && s.method === setting.method);
  const defaultConfig = info?.seedConfig ?? setting.id;
  const f = setting.seed.fields;
  let records = parseSeedText(text).records;
  if (setting.seed.limit) records = records.slice(0, setting.seed.limit);
  const seeds = records.map((r) => ({ instruction: str(r[f.instruction]), response: str(r[f.response]), config: str(r[f.config]) || defaultConfig }));
  let source: string;
  let templateSource: string;
  if (setting.metaPrompt) {
    try {
      source = await readFile(setting.metaPrompt, "utf8");
    } catch (e) {
      throw new SeedError(`Cannot read meta-prompt ${setting.metaPrompt}: ${(e as Error).message}`);
    }
    templateSource = setting.metaPrompt;
  } else {
    source = bundledTemplate(setting.domain, setting.method);
    templateSource = `bundled:${setting.domain}.${setting.method}.prompt.md`;
  }
  const template = parseTemplate(source);
  checkTemplate(template, setting.method);
  return { plan, setting, seeds, template, templateSource, defaultConfig };
}

/** Number of items of a setting: `instances`, capped at one per seed record for the per-seed methods. */
export function itemCount(setting: PlannedSetting, seedCount: number): number {
  if (setting.method === "instance_generation") return seedCount > 0 ? setting.instances : 0;
  return Math.min(setting.instances, seedCount);
}

/** Deterministic pseudo-random stream for one item (demonstrations and theme must not change on resume). */
function itemRandom(planHash: string, setting: string, generator: string, index: number): () => number {
  let counter = 0;
  let pool = Buffer.alloc(0);
  let pos = 0;
  return () => {
    if (pos + 4 > pool.length) {
      pool = createHash("sha256").update(`${planHash}|${setting}|${generator}|${index}|${counter++}`).digest();
      pos = 0;
    }
    const v = pool.readUInt32BE(pos);
    pos += 4;
    return v / 0x1_0000_0000;
  };
}

export function planItem(ctx: SettingContext, generator: string, index: number): PlannedItem {
  const { plan, setting } = ctx;
  if (setting.method !== "instance_generation") {
    return { id: itemId(plan.planHash, setting.id, generator, index, index), index, seedIndex: index };
  }
  const rnd = itemRandom(plan.planHash, setting.id, generator, index);
  const k = Math.min(setting.demonstrations, ctx.seeds.length);
  const chosen = new Set<number>();
  while (chosen.size < k) chosen.add(Math.floor(rnd() * ctx.seeds.length));
  return { id: itemId(plan.planHash, setting.id, generator, null, index), index, seedIndex: null, demonstrationIndices: [...chosen] };
}

export function renderDemonstrations(seeds: readonly Seed[], indices: readonly number[]): string {
  return indices
    .map((i, n) => `### Example ${n + 1}\nINPUT: ${seeds[i]!.instruction.trim()}\nOUTPUT: ${seeds[i]!.response.trim()}\n[END]`)
    .join("\n\n");
}

export function renderItemPrompt(ctx: SettingContext, generator: string, item: PlannedItem): string {
  const { setting, seeds } = ctx;
  if (setting.method === "instance_generation") {
    const rnd = itemRandom(ctx.plan.planHash, setting.id, generator, item.index);
    for (let i = 0; i < (item.demonstrationIndices?.length ?? 0) + 8; i++) rnd(); // decorrelate from the demonstration draw
    const themes = THEMES[setting.domain];
    return renderTemplate(ctx.template, {
      demonstrations: renderDemonstrations(seeds, item.demonstrationIndices ?? []),
      theme: themes[Math.floor(rnd() * themes.length)]!,
      domain: setting.domain,
      k: String(item.demonstrationIndices?.length ?? 0),
    });
  }
  const seed = seeds[item.seedIndex!]!;
  return renderTemplate(ctx.template, { instruction: seed.instruction.trim(), response: seed.response.trim(), domain: setting.domain });
}

export const promptHash = (prompt: string): string => sha256(prompt).slice(0, 24);
