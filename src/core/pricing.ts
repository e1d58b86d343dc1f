/**
 * Bundled, dated API price table (USD per 1M tokens) for cost estimates and the per-item cost the
 * generation engine records. Prices change: every entry carries the date it was checked, the engine
 * records the table date with each run, and a spec can override any model with `generators[].price`.
 *
 * NOTE for merging: a colleague is writing `src/core/models.ts` (model table with lookupModel/estimateCost)
 * for the language server. When it lands, this table should move there and `lookupPrice` delegate to it.
 */
import referencePgr from "./data/reference-pgr.json";

export interface ModelPrice {
  inputPer1M: number;
  outputPer1M: number;
  /** Fraction of the price paid through the provider's batch API (OpenAI Batch, Anthropic Message Batches). */
  batchDiscount: number;
  /** Prompt-cache reads, where the provider bills them differently. */
  cachedInputPer1M?: number;
  /** Where the price comes from and when it was checked. */
  source: string;
}

export const PRICE_TABLE_DATE = "2024-12-05";

const PAPER = "Kim et al. 2024 (AgoraBench), prices used in the paper";
const LIST = `provider list price, checked ${PRICE_TABLE_DATE}`;

const paperPrices = (referencePgr as { pricesUsdPer1MTokens: Record<string, { input: number; output: number }> }).pricesUsdPer1MTokens;

const TABLE: Record<string, ModelPrice> = {
  ...Object.fromEntries(
    Object.entries(paperPrices).map(([model, p]) => [model, { inputPer1M: p.input, outputPer1M: p.output, batchDiscount: 0.5, source: PAPER }]),
  ),
  "gpt-4o": { inputPer1M: 2.5, outputPer1M: 10, cachedInputPer1M: 1.25, batchDiscount: 0.5, source: LIST },
  "gpt-4o-2024-11-20": { inputPer1M: 2.5, outputPer1M: 10, cachedInputPer1M: 1.25, batchDiscount: 0.5, source: LIST },
  "gpt-4o-2024-05-13": { inputPer1M: 5, outputPer1M: 15, batchDiscount: 0.5, source: LIST },
  "gpt-4o-mini": { inputPer1M: 0.15, outputPer1M: 0.6, cachedInputPer1M: 0.075, batchDiscount: 0.5, source: LIST },
  "claude-3-5-sonnet-20241022": { inputPer1M: 3, outputPer1M: 15, cachedInputPer1M: 0.3, batchDiscount: 0.5, source: LIST },
  "claude-3-5-haiku-20241022": { inputPer1M: 0.8, outputPer1M: 4, cachedInputPer1M: 0.08, batchDiscount: 0.5, source: LIST },
  "claude-3-opus-20240229": { inputPer1M: 15, outputPer1M: 75, batchDiscount: 0.5, source: LIST },
  "claude-3-haiku-20240307": { inputPer1M: 0.25, outputPer1M: 1.25, batchDiscount: 0.5, source: LIST },
};

/** `meta-llama/Meta-Llama-3.1-8B-Instruct` and `llama-3.1-8b-instruct` are the same model for pricing. */
function normalize(model: string): string {
  return model
    .toLowerCase()
    .replace(/^.*\//, "")
    .replace(/^meta-llama-/, "llama-")
    .replace(/-turbo$/, "");
}

const NORMALIZED = new Map(Object.entries(TABLE).map(([k, v]) => [normalize(k), v]));

/** The bundled price of a model, or undefined when the table does not know it. */
export function lookupPrice(model: string): ModelPrice | undefined {
  return TABLE[model] ?? NORMALIZED.get(normalize(model));
}

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
}

/** Cost in USD of one request's usage; `batch` applies the batch discount. */
export function costOf(price: Pick<ModelPrice, "inputPer1M" | "outputPer1M" | "batchDiscount" | "cachedInputPer1M">, usage: TokenCounts, batch = false): number {
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  const cachedRate = price.cachedInputPer1M ?? price.inputPer1M;
  const usd = ((usage.inputTokens - cached) * price.inputPer1M + cached * cachedRate + usage.outputTokens * price.outputPer1M) / 1_000_000;
  return batch ? usd * price.batchDiscount : usd;
}
