/**
 * The generation engine's view of the bundled, dated model table in `./models` (there is one table): the
 * price of a model id and the cost of one request's usage. The engine records the table date with each
 * run, and a spec can override any model with `generators[].price`.
 */
import { DEFAULT_BATCH_DISCOUNT, findModel, MODELS_TABLE_DATE } from "./models";

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

/** Date of the newest price in the table (the engine writes it into each run's plan and summary). */
export const PRICE_TABLE_DATE = MODELS_TABLE_DATE;

/** The bundled price of a model, or undefined when the table does not know it (or has no price for it). */
export function lookupPrice(model: string, provider?: string): ModelPrice | undefined {
  const e = findModel(model, provider);
  if (!e || e.inputPer1M === undefined || e.outputPer1M === undefined) return undefined;
  return {
    inputPer1M: e.inputPer1M,
    outputPer1M: e.outputPer1M,
    batchDiscount: e.batchDiscount ?? DEFAULT_BATCH_DISCOUNT,
    ...(e.cachedInputPer1M !== undefined ? { cachedInputPer1M: e.cachedInputPer1M } : {}),
    source: `${e.source ?? "model table"}${e.pricesAsOf ? `, as of ${e.pricesAsOf}` : ""}`,
  };
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
