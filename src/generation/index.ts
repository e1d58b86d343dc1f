/**
 * The generation engine's public face: `runGenerateStage` (the generate stage of a run folder, resumable)
 * and `describeDryRun` (rendered prompts of the first items and a cost estimate, for `agora run --dry-run`).
 */
import type { RunPlan } from "../core/run/plan";
import { PRICE_TABLE_DATE } from "../core/pricing";
import { costOf, estimateTokens, priceFor } from "./cost";
import { itemCount, loadSettingContext, planItem, renderItemPrompt } from "./items";
import { findSetting } from "../core/settings";

export { runGenerateStage, type GenerateStageOptions, type GenerateStageResult } from "./engine";
export { apiKeyEnvName, resolveApiKey } from "./providers";
export { redact } from "./redact";

/** Typical output lengths per domain, for estimates before any output exists (tokens). */
const TYPICAL_OUTPUT: Record<string, number> = { math: 450, code: 400, instruction_following: 650 };

export interface DryRunOptions {
  settings?: string[];
  generators?: string[];
  /** Prompts shown per setting × generator (default 2). */
  prompts?: number;
  /** Items sampled to estimate the prompt length (default 200). */
  sample?: number;
}

export async function describeDryRun(plan: RunPlan, opts: DryRunOptions = {}): Promise<string> {
  const out: string[] = [];
  let totalExpected = 0;
  let totalWorst = 0;
  const unknownPrices = new Set<string>();
  for (const setting of plan.settings) {
    if (opts.settings?.length && !opts.settings.some((r) => r === setting.id || (findSetting(r)?.domain === setting.domain && findSetting(r)?.method === setting.method))) continue;
    const ctx = await loadSettingContext(plan, setting);
    const n = itemCount(setting, ctx.seeds.length);
    for (const gid of setting.generators) {
      if (opts.generators?.length && !opts.generators.includes(gid)) continue;
      const g = plan.generators.find((x) => x.id === gid)!;
      out.push(`=== ${setting.id} × ${g.id} (${g.provider} ${g.model}${g.batch ? ", batch" : ""}) — ${n} items, template ${ctx.templateSource}`);
      const show = Math.min(n, opts.prompts ?? 2);
      for (let i = 0; i < show; i++) {
        const item = planItem(ctx, gid, i);
        out.push(`--- item ${i} (id ${item.id}${item.seedIndex !== null ? `, seed ${item.seedIndex}` : `, demonstrations ${item.demonstrationIndices?.join(",")}`})`);
        out.push(renderItemPrompt(ctx, gid, item));
      }
      const sample = Math.min(n, opts.sample ?? 200);
      let chars = 0;
      for (let i = 0; i < sample; i++) chars += renderItemPrompt(ctx, gid, planItem(ctx, gid, Math.floor((i * n) / sample))).length;
      const inputPerItem = sample ? estimateTokens("x".repeat(Math.round(chars / sample))) : 0;
      const typical = Math.min(g.sampling.maxTokens, TYPICAL_OUTPUT[setting.domain] ?? 500);
      const price = priceFor(g);
      if (!price) {
        unknownPrices.add(g.model);
        out.push(`--- estimate: ~${inputPerItem} input tokens/item; no price known for ${g.model} (set generators[].price)`);
        continue;
      }
      const expected = costOf(price, { inputTokens: inputPerItem * n, outputTokens: typical * n }, g.batch);
      const worst = costOf(price, { inputTokens: inputPerItem * n, outputTokens: g.sampling.maxTokens * n }, g.batch);
      totalExpected += expected;
      totalWorst += worst;
      out.push(
        `--- estimate: ~${inputPerItem} input + ~${typical} output tokens/item at $${price.inputPer1M}/$${price.outputPer1M} per 1M (${price.source})${g.batch ? ` × ${price.batchDiscount} batch` : ""}: ~$${expected.toFixed(2)} expected, at most $${worst.toFixed(2)} if every output reaches max tokens (${g.sampling.maxTokens})`,
      );
    }
  }
  out.push("");
  out.push(`Estimated cost: ~$${totalExpected.toFixed(2)} (at most $${totalWorst.toFixed(2)}); prices dated ${PRICE_TABLE_DATE}.`);
  if (unknownPrices.size) out.push(`No price for: ${[...unknownPrices].join(", ")}.`);
  const max = plan.specSnapshot.budget?.maxUsd;
  if (max !== undefined) out.push(`Budget cap: $${max} — generation pauses before a request could pass it.`);
  return out.join("\n");
}
