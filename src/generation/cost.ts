/** Prices for generators (spec override, else the bundled dated table) and the run's hard budget cap. */
import { costOf, lookupPrice, type ModelPrice, PRICE_TABLE_DATE } from "../core/pricing";
import type { GeneratorSpec } from "../core/spec/model";

export { costOf, PRICE_TABLE_DATE };

const prices = new WeakMap<GeneratorSpec, ModelPrice | null>();

/** The generator's price; looked up once per generator (it is read for every item). */
export function priceFor(g: GeneratorSpec): ModelPrice | undefined {
  let p = prices.get(g);
  if (p === undefined) {
    p = g.price ? { ...g.price, source: "spec override (generators[].price)" } : (lookupPrice(g.model) ?? null);
    prices.set(g, p);
  }
  return p ?? undefined;
}

/** Characters per token for estimates before a request (usage from the API replaces it afterwards). */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

/**
 * The hard cap: every request reserves its worst case (prompt + max tokens) before it is sent, so spend
 * never passes `maxUsd` even with many requests in flight; the reservation is settled with the real cost.
 */
export class Budget {
  reserved = 0;
  constructor(
    public spent: number,
    readonly maxUsd: number | undefined,
  ) {}
  tryReserve(usd: number): boolean {
    if (this.maxUsd !== undefined && this.spent + this.reserved + usd > this.maxUsd) return false;
    this.reserved += usd;
    return true;
  }
  settle(reservedUsd: number, actualUsd: number): void {
    this.reserved = Math.max(0, this.reserved - reservedUsd);
    this.spent += actualUsd;
    for (const w of this.waiters.splice(0)) w();
  }
  private waiters: (() => void)[] = [];
  /** Resolves at the next settle: a request that did not fit may fit once in-flight ones cost less than reserved. */
  nextSettle(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }
}
