/**
 * The pre-run cost estimate for the Run Setting confirmation and "Estimate Cost": the very estimator the
 * language server shows in its hover and code lens (`estimateSettingCost` in core/models, over the one
 * bundled dated model table plus `agorabench.models`), so the numbers in the editor and in the confirmation
 * agree. It is an order of magnitude to guard against surprises, not a bill; the engine enforces
 * `budget.maxUsd` exactly.
 */
import { estimateSettingCost as coreEstimate, FALLBACK_SEED_CHARS, ModelCatalog, type SeedStats, seedStatsOf, type SettingCostEstimate } from "../core/models";
import { parseSeedText } from "../core/spec/semantic";
import type { GeneratorSpec, SettingSpec } from "../core/spec/model";

export interface GeneratorEstimate {
  generator: string;
  items: number;
  usd: number | undefined;
  /** Where the price came from, or why there is none. */
  priceSource: string;
}

export interface CostEstimate {
  totalUsd: number;
  /** True when some generator has no known price (its cost is not in the total). */
  incomplete: boolean;
  perGenerator: GeneratorEstimate[];
}

/** The bundled table plus the user's `agorabench.models` entries (invalid entries are skipped). */
export function catalogFrom(extraModels: unknown): ModelCatalog {
  return new ModelCatalog(ModelCatalog.parseExtra(extraModels).entries);
}

/** Seed statistics from a seed file's text (JSONL, or a JSON array), or undefined when it cannot be used. */
export function seedStatsFromText(text: string, setting: SettingSpec): SeedStats | undefined {
  const t = text.trim();
  let records: Record<string, unknown>[];
  if (t.startsWith("[")) {
    try {
      const arr = JSON.parse(t) as unknown;
      if (!Array.isArray(arr)) return undefined;
      records = arr.filter((r): r is Record<string, unknown> => typeof r === "object" && r !== null && !Array.isArray(r));
    } catch {
      return undefined;
    }
  } else records = parseSeedText(text).records;
  return records.length ? seedStatsOf(records, setting.seed.fields) : undefined;
}

/**
 * `seed`: the seed file's statistics, or only its record count (typical lengths are assumed then), or
 * nothing when it could not be read.
 */
export function estimateSettingCost(
  setting: SettingSpec,
  generators: readonly GeneratorSpec[],
  seed?: number | SeedStats,
  catalog?: ModelCatalog,
): CostEstimate & SettingCostEstimate {
  const stats: SeedStats | undefined =
    typeof seed === "number" ? { records: seed, avgInstructionChars: FALLBACK_SEED_CHARS.instruction, avgResponseChars: FALLBACK_SEED_CHARS.response } : seed;
  return coreEstimate(setting, generators, stats, catalog);
}
