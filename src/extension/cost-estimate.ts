/**
 * A rough pre-run cost estimate for the Run Setting confirmation and "Estimate Cost": items × typical
 * prompt/response sizes × the generator's price (spec override, else the bundled dated table). It is an
 * order of magnitude to guard against surprises, not a bill; the engine enforces `budget.maxUsd` exactly.
 */
import { costOf, lookupPrice } from "../core/pricing";
import type { GeneratorSpec, SettingSpec } from "../core/spec/model";

/** Typical tokens per request, from the paper's meta-prompts (demonstrations dominate instance generation). */
const PROMPT_BASE_TOKENS = 350;
const TOKENS_PER_DEMONSTRATION = 300;
const TYPICAL_OUTPUT_TOKENS = 600;

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

export function estimateSettingCost(setting: SettingSpec, generators: readonly GeneratorSpec[], seedRecords?: number): CostEstimate {
  const perSeed = setting.method !== "instance_generation";
  let items = setting.instances;
  if (perSeed) {
    const seeds = setting.seed.limit !== undefined ? Math.min(setting.seed.limit, seedRecords ?? setting.seed.limit) : seedRecords;
    if (seeds !== undefined) items = Math.min(items, seeds);
  }
  const input = PROMPT_BASE_TOKENS + (perSeed ? 200 : setting.demonstrations * TOKENS_PER_DEMONSTRATION);
  const perGenerator = generators.map((g): GeneratorEstimate => {
    const price = g.price ? { ...g.price, source: "spec price override" } : lookupPrice(g.model);
    const output = Math.min(TYPICAL_OUTPUT_TOKENS, g.sampling.maxTokens);
    if (!price) return { generator: g.id, items, usd: undefined, priceSource: `no price known for ${g.model}` };
    return { generator: g.id, items, usd: costOf(price, { inputTokens: input * items, outputTokens: output * items }, g.batch), priceSource: price.source };
  });
  return {
    totalUsd: perGenerator.reduce((a, g) => a + (g.usd ?? 0), 0),
    incomplete: perGenerator.some((g) => g.usd === undefined),
    perGenerator,
  };
}
