/**
 * One generated item, as stored in `runs/<run-id>/data/<setting>/<generator>.jsonl` (one object a line).
 * The engine writes it, resume reads its `id`s, the samples browser renders it, the prepare stage turns
 * valid ones into training data. Unknown extra fields are kept (passthrough) so older readers survive.
 */
import { z } from "zod";
import { DOMAINS, METHODS } from "../settings";

export const ItemStatus = z.enum(["valid", "invalid", "duplicate", "failed"]);
export type ItemStatus = z.infer<typeof ItemStatus>;

export const Usage = z.object({
  inputTokens: z.int().min(0),
  outputTokens: z.int().min(0),
  /** Tokens served from the provider's prompt cache, when reported. */
  cachedInputTokens: z.int().min(0).optional(),
});
export type Usage = z.infer<typeof Usage>;

export const GeneratedItem = z
  .object({
    /** Stable id: hash of (plan hash, setting, generator, seed, index). Resume skips ids already stored. */
    id: z.string().min(1),
    setting: z.string(),
    domain: z.enum(DOMAINS),
    method: z.enum(METHODS),
    generator: z.string(),
    model: z.string(),
    /** Position of the item in the plan (0-based). */
    index: z.int().min(0),
    /** Seed record the item came from (response generation / quality enhancement), or demonstrations used. */
    seedIndex: z.int().min(0).nullable().optional(),
    demonstrationIndices: z.array(z.int().min(0)).optional(),
    status: ItemStatus,
    /** Why an item is invalid / duplicate / failed. */
    reason: z.string().optional(),
    /** `config` column of the released data sets: the seed source. */
    config: z.string(),
    instruction: z.string(),
    response: z.string(),
    /** Quality enhancement: the seed instance before the rewrite. */
    original: z.object({ instruction: z.string(), response: z.string() }).optional(),
    /** The model's raw output, kept so invalid items can be inspected and re-parsed. */
    raw: z.string().optional(),
    /** Hash of the rendered prompt; the prompt text itself is in prompts.jsonl under this hash. */
    promptHash: z.string().optional(),
    usage: Usage,
    costUsd: z.number().min(0),
    latencyMs: z.number().min(0),
    /** True when the item was produced through a batch API (half price). */
    batch: z.boolean().optional(),
    attempts: z.int().min(1).default(1),
    createdAt: z.string(),
    /** Optional LLM-as-judge score (1–5) for the samples browser's filter. */
    judge: z.object({ score: z.number(), rationale: z.string().optional() }).optional(),
  })
  .passthrough();
export type GeneratedItem = z.infer<typeof GeneratedItem>;
