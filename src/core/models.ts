/**
 * The one bundled, dated model table: model ids per provider with their context window and API price (USD
 * per 1M tokens), plus the cost estimate built on it. The language server uses it for completion, hover and
 * the "estimated cost over budget" rule; the generation engine reads the same entries through
 * `./pricing` (`lookupPrice`/`costOf`, which records real usage per item). Prices change, so every entry
 * carries the date its price was taken (`pricesAsOf`); users add or override entries with the
 * `agorabench.models` setting, and a spec can override one generator's price with `generators[].price`.
 */
import { z } from "zod";
import referencePgr from "./data/reference-pgr.json";
import type { Method } from "./settings";

export const MODEL_PROVIDERS = ["openai", "anthropic", "openai-compatible"] as const;
export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

/** One model entry; the same shape users write in the `agorabench.models` setting. */
export const ModelEntrySchema = z.strictObject({
  provider: z.enum(MODEL_PROVIDERS).describe("API the model is called through."),
  id: z.string().min(1).describe("Model id as the provider knows it."),
  label: z.string().min(1).optional().describe("Display name."),
  contextWindow: z.int().min(1).optional().describe("Context window in tokens."),
  maxOutputTokens: z.int().min(1).optional().describe("Largest output the API allows, in tokens."),
  inputPer1M: z.number().min(0).optional().describe("USD per 1M input tokens."),
  outputPer1M: z.number().min(0).optional().describe("USD per 1M output tokens."),
  batchDiscount: z.number().min(0).max(1).optional().describe("Fraction of the price paid through the batch API (0.5 = half price)."),
  cachedInputPer1M: z.number().min(0).optional().describe("USD per 1M prompt-cache read tokens, where the provider bills them differently."),
  pricesAsOf: z.string().min(1).optional().describe("Date the price was taken (YYYY-MM-DD)."),
  source: z.string().min(1).optional().describe("Where the price comes from."),
  aliases: z.array(z.string().min(1)).optional().describe("Other ids that name the same model."),
});
export type ModelEntry = z.output<typeof ModelEntrySchema>;

/** Date of the newest price in the bundled table. */
export const MODELS_TABLE_DATE = "2025-10-15";

const PAPER_DATE = "2024-12-05";
const PAPER = "Kim et al. 2024 (AgoraBench): prices the paper used";
const LIST = "provider list price";

const paperPrices = (referencePgr as { pricesUsdPer1MTokens: Record<string, { input: number; output: number }> }).pricesUsdPer1MTokens;
const paper = (id: string): { inputPer1M: number; outputPer1M: number; pricesAsOf: string; source: string } => {
  const p = paperPrices[id];
  if (!p) throw new Error(`reference-pgr.json has no price for ${id}`);
  return { inputPer1M: p.input, outputPer1M: p.output, pricesAsOf: PAPER_DATE, source: PAPER };
};
const list = (
  inputPer1M: number,
  outputPer1M: number,
  pricesAsOf: string,
  cachedInputPer1M?: number,
): Pick<ModelEntry, "inputPer1M" | "outputPer1M" | "pricesAsOf" | "source" | "cachedInputPer1M"> => ({
  inputPer1M,
  outputPer1M,
  pricesAsOf,
  source: LIST,
  ...(cachedInputPer1M !== undefined ? { cachedInputPer1M } : {}),
});

/**
 * The six generators of the paper first (with the paper's prices), then current common models. Llama
 * models are served by many OpenAI-compatible hosts at different prices; the paper's price is a default.
 */
export const BUNDLED_MODELS: readonly ModelEntry[] = [
  { provider: "openai", id: "gpt-4o-2024-08-06", label: "GPT-4o (2024-08-06)", contextWindow: 128_000, maxOutputTokens: 16_384, ...paper("gpt-4o-2024-08-06") },
  { provider: "openai", id: "gpt-4o-mini-2024-07-18", label: "GPT-4o mini (2024-07-18)", contextWindow: 128_000, maxOutputTokens: 16_384, ...paper("gpt-4o-mini-2024-07-18") },
  { provider: "anthropic", id: "claude-3-5-sonnet-20240620", label: "Claude 3.5 Sonnet (2024-06-20)", contextWindow: 200_000, maxOutputTokens: 8_192, ...paper("claude-3-5-sonnet-20240620") },
  {
    provider: "openai-compatible",
    id: "meta-llama/Llama-3.1-405B-Instruct",
    label: "Llama 3.1 405B Instruct",
    contextWindow: 128_000,
    aliases: ["llama-3.1-405b-instruct", "meta-llama/Meta-Llama-3.1-405B-Instruct"],
    ...paper("llama-3.1-405b-instruct"),
  },
  {
    provider: "openai-compatible",
    id: "meta-llama/Llama-3.1-70B-Instruct",
    label: "Llama 3.1 70B Instruct",
    contextWindow: 128_000,
    aliases: ["llama-3.1-70b-instruct", "meta-llama/Meta-Llama-3.1-70B-Instruct"],
    ...paper("llama-3.1-70b-instruct"),
  },
  {
    provider: "openai-compatible",
    id: "meta-llama/Llama-3.1-8B-Instruct",
    label: "Llama 3.1 8B Instruct",
    contextWindow: 128_000,
    aliases: ["llama-3.1-8b-instruct", "meta-llama/Meta-Llama-3.1-8B-Instruct"],
    ...paper("llama-3.1-8b-instruct"),
  },
  { provider: "openai", id: "gpt-4o", label: "GPT-4o (latest alias)", contextWindow: 128_000, maxOutputTokens: 16_384, ...list(2.5, 10, "2025-10-15", 1.25) },
  { provider: "openai", id: "gpt-4o-2024-11-20", label: "GPT-4o (2024-11-20)", contextWindow: 128_000, maxOutputTokens: 16_384, ...list(2.5, 10, "2025-10-15", 1.25) },
  { provider: "openai", id: "gpt-4o-2024-05-13", label: "GPT-4o (2024-05-13)", contextWindow: 128_000, maxOutputTokens: 4_096, ...list(5, 15, "2025-10-15") },
  { provider: "openai", id: "gpt-4o-mini", label: "GPT-4o mini (latest alias)", contextWindow: 128_000, maxOutputTokens: 16_384, ...list(0.15, 0.6, "2025-10-15", 0.075) },
  { provider: "openai", id: "gpt-4.1", label: "GPT-4.1", contextWindow: 1_047_576, maxOutputTokens: 32_768, ...list(2, 8, "2025-10-15") },
  { provider: "openai", id: "gpt-4.1-mini", label: "GPT-4.1 mini", contextWindow: 1_047_576, maxOutputTokens: 32_768, ...list(0.4, 1.6, "2025-10-15") },
  { provider: "openai", id: "gpt-4.1-nano", label: "GPT-4.1 nano", contextWindow: 1_047_576, maxOutputTokens: 32_768, ...list(0.1, 0.4, "2025-10-15") },
  { provider: "openai", id: "o4-mini", label: "o4-mini", contextWindow: 200_000, maxOutputTokens: 100_000, ...list(1.1, 4.4, "2025-10-15") },
  { provider: "openai", id: "o3", label: "o3", contextWindow: 200_000, maxOutputTokens: 100_000, ...list(2, 8, "2025-10-15") },
  { provider: "openai", id: "gpt-5", label: "GPT-5", contextWindow: 400_000, maxOutputTokens: 128_000, ...list(1.25, 10, "2025-10-15") },
  { provider: "openai", id: "gpt-5-mini", label: "GPT-5 mini", contextWindow: 400_000, maxOutputTokens: 128_000, ...list(0.25, 2, "2025-10-15") },
  { provider: "openai", id: "gpt-5-nano", label: "GPT-5 nano", contextWindow: 400_000, maxOutputTokens: 128_000, ...list(0.05, 0.4, "2025-10-15") },
  { provider: "anthropic", id: "claude-3-5-sonnet-20241022", label: "Claude 3.5 Sonnet (2024-10-22)", contextWindow: 200_000, maxOutputTokens: 8_192, ...list(3, 15, "2025-10-15", 0.3) },
  { provider: "anthropic", id: "claude-3-5-haiku-20241022", label: "Claude 3.5 Haiku", contextWindow: 200_000, maxOutputTokens: 8_192, ...list(0.8, 4, "2025-10-15", 0.08) },
  { provider: "anthropic", id: "claude-3-7-sonnet-20250219", label: "Claude 3.7 Sonnet", contextWindow: 200_000, maxOutputTokens: 64_000, ...list(3, 15, "2025-10-15") },
  { provider: "anthropic", id: "claude-sonnet-4-20250514", label: "Claude Sonnet 4", contextWindow: 200_000, maxOutputTokens: 64_000, ...list(3, 15, "2025-10-15") },
  { provider: "anthropic", id: "claude-sonnet-4-5-20250929", label: "Claude Sonnet 4.5", contextWindow: 200_000, maxOutputTokens: 64_000, ...list(3, 15, "2025-10-15") },
  { provider: "anthropic", id: "claude-opus-4-1-20250805", label: "Claude Opus 4.1", contextWindow: 200_000, maxOutputTokens: 32_000, ...list(15, 75, "2025-10-15") },
  { provider: "anthropic", id: "claude-haiku-4-5-20251001", label: "Claude Haiku 4.5", contextWindow: 200_000, maxOutputTokens: 64_000, ...list(1, 5, "2025-10-15") },
  { provider: "anthropic", id: "claude-3-opus-20240229", label: "Claude 3 Opus", contextWindow: 200_000, maxOutputTokens: 4_096, ...list(15, 75, "2025-10-15") },
  { provider: "anthropic", id: "claude-3-haiku-20240307", label: "Claude 3 Haiku", contextWindow: 200_000, maxOutputTokens: 4_096, ...list(0.25, 1.25, "2025-10-15") },
];

/** Default fraction paid through batch APIs (OpenAI Batch API and Anthropic Message Batches charge half). */
export const DEFAULT_BATCH_DISCOUNT = 0.5;

const keyOf = (provider: string, id: string): string => `${provider}\u0000${id.toLowerCase()}`;

/** The bundled table plus user entries; a user entry with the same provider and id replaces the bundled one. */
export class ModelCatalog {
  private readonly byKey = new Map<string, ModelEntry>();
  readonly entries: readonly ModelEntry[];

  constructor(extra: readonly ModelEntry[] = []) {
    const merged = new Map<string, ModelEntry>();
    for (const e of [...BUNDLED_MODELS, ...extra]) merged.set(keyOf(e.provider, e.id), e);
    this.entries = [...merged.values()];
    for (const e of this.entries) {
      this.byKey.set(keyOf(e.provider, e.id), e);
      // OpenAI-compatible servers often expose a model without its org prefix (`Llama-3.1-8B-Instruct`).
      const bare = e.provider === "openai-compatible" ? [e.id.replace(/^.*\//, "")] : [];
      for (const a of [...(e.aliases ?? []), ...bare]) if (!this.byKey.has(keyOf(e.provider, a))) this.byKey.set(keyOf(e.provider, a), e);
    }
  }

  /** The entry of a model id for a provider; openai-compatible servers often expose ids without the org prefix. */
  lookup(provider: string, id: string): ModelEntry | undefined {
    return this.byKey.get(keyOf(provider, id)) ?? (provider === "openai-compatible" ? this.byKey.get(keyOf(provider, id.replace(/^.*\//, ""))) : undefined);
  }

  list(provider: string): ModelEntry[] {
    return this.entries.filter((e) => e.provider === provider);
  }

  /** Parses user entries (e.g. the `agorabench.models` setting), keeping the valid ones and saying why others were dropped. */
  static parseExtra(value: unknown): { entries: ModelEntry[]; problems: string[] } {
    const entries: ModelEntry[] = [];
    const problems: string[] = [];
    if (value === undefined || value === null) return { entries, problems };
    if (!Array.isArray(value)) return { entries, problems: ["agorabench.models must be an array of model entries."] };
    value.forEach((v, i) => {
      const r = ModelEntrySchema.safeParse(v);
      if (r.success) entries.push(r.data);
      else problems.push(`agorabench.models[${i}]: ${r.error.issues.map((x) => `${x.path.join(".") || "entry"}: ${x.message}`).join("; ")}`);
    });
    return { entries, problems };
  }
}

/**
 * Model ids name the same model in many spellings (`meta-llama/Meta-Llama-3.1-8B-Instruct`,
 * `llama-3.1-8b-instruct`, `gpt-4-turbo`): lower case, no org prefix, no `meta-` / `-turbo`.
 */
function normalizeModelId(id: string): string {
  return id
    .toLowerCase()
    .replace(/^.*\//, "")
    .replace(/^meta-llama-/, "llama-")
    .replace(/-turbo$/, "");
}

const BUNDLED = new ModelCatalog();

const NORMALIZED = (() => {
  const m = new Map<string, ModelEntry>();
  for (const e of BUNDLED.entries) for (const id of [e.id, ...(e.aliases ?? [])]) if (!m.has(normalizeModelId(id))) m.set(normalizeModelId(id), e);
  return m;
})();

/**
 * A bundled entry by model id alone, for callers that only have the id (the engine's price lookup): the
 * provider's exact entry first when `provider` is given, else the first entry whose normalized id matches.
 */
export function findModel(id: string, provider?: string): ModelEntry | undefined {
  return (provider ? BUNDLED.lookup(provider, id) : undefined) ?? NORMALIZED.get(normalizeModelId(id));
}

/** Looks a model up in the bundled table (or in `catalog`, which includes user entries). */
export function lookupModel(provider: string, id: string, catalog: ModelCatalog = BUNDLED): ModelEntry | undefined {
  return catalog.lookup(provider, id);
}

export interface Price {
  inputPer1M: number;
  outputPer1M: number;
  batchDiscount?: number;
}

/** A model entry's price, when the table knows both input and output prices. */
export function priceOf(entry: ModelEntry | undefined): (Price & { source: string; pricesAsOf?: string }) | undefined {
  if (!entry || entry.inputPer1M === undefined || entry.outputPer1M === undefined) return undefined;
  return { inputPer1M: entry.inputPer1M, outputPer1M: entry.outputPer1M, batchDiscount: entry.batchDiscount, source: entry.source ?? "agorabench.models", pricesAsOf: entry.pricesAsOf };
}

/** USD for a number of input and output tokens; `batch` applies the batch discount. */
export function estimateCost(price: Price, tokens: { inputTokens: number; outputTokens: number }, options: { batch?: boolean } = {}): number {
  const usd = (tokens.inputTokens * price.inputPer1M + tokens.outputTokens * price.outputPer1M) / 1_000_000;
  return options.batch ? usd * (price.batchDiscount ?? DEFAULT_BATCH_DISCOUNT) : usd;
}

// ---------------------------------------------------------------------------------------------------------
// Per-setting estimate. Tokens are estimated as characters / 4 (the usual rule of thumb for English text
// with GPT/Claude tokenizers; code and maths run a little denser). It is an order of magnitude for the
// editor, not a bill: the engine records real usage and enforces `budget.maxUsd` exactly.

/** Characters per token of the estimate. */
export const CHARS_PER_TOKEN = 4;
export const estimateTokens = (chars: number): number => Math.ceil(chars / CHARS_PER_TOKEN);

/** Tokens of the meta-prompt around the seed text (guidelines, requirements), per method. */
export const META_PROMPT_TOKENS: Readonly<Record<Method, number>> = {
  instance_generation: 450,
  response_generation: 250,
  quality_enhancement: 300,
};

/** Used when the seed file cannot be read: typical instruction / response lengths in characters. */
export const FALLBACK_SEED_CHARS = { instruction: 400, response: 1200 } as const;

/** What the estimate needs to know about a seed file. */
export interface SeedStats {
  records: number;
  avgInstructionChars: number;
  avgResponseChars: number;
}

export function seedStatsOf(records: readonly Record<string, unknown>[], fields: { instruction: string; response: string }): SeedStats {
  let ins = 0;
  let res = 0;
  for (const r of records) {
    const i = r[fields.instruction];
    const o = r[fields.response];
    if (typeof i === "string") ins += i.length;
    if (typeof o === "string") res += o.length;
  }
  const n = Math.max(1, records.length);
  return { records: records.length, avgInstructionChars: ins / n, avgResponseChars: res / n };
}

export interface EstimateSetting {
  method: Method;
  instances: number;
  demonstrations: number;
  seed: { limit?: number };
}

export interface EstimateGenerator {
  id: string;
  provider: string;
  model: string;
  batch: boolean;
  sampling: { maxTokens: number };
  price?: Price;
}

export interface GeneratorCostEstimate {
  generator: string;
  model: string;
  items: number;
  inputTokens: number;
  outputTokens: number;
  /** Undefined when no price is known for the model. */
  usd: number | undefined;
  /** Where the price comes from (and its date), or why there is none. */
  priceSource: string;
  /** The model's context window, when known. */
  contextWindow?: number;
}

export interface SettingCostEstimate {
  items: number;
  inputTokensPerRequest: number;
  outputTokensPerRequest: number;
  perGenerator: GeneratorCostEstimate[];
  totalUsd: number;
  /** True when some generator has no known price (its cost is not in the total). */
  incomplete: boolean;
  /** True when the seed file could not be read and typical lengths were assumed. */
  assumedSeed: boolean;
}

interface ResolvedPrice {
  entry: ModelEntry | undefined;
  price: Price | undefined;
  source: string;
  /** What the lookup was made for, so a generator object changed since then is looked up again. */
  key: { provider: string; model: string; price: Price | undefined };
}

/**
 * A generator's table entry and price, looked up once per (catalog, generator object): a spec with
 * hundreds of settings over the same few generators is estimated on every keystroke, and repeating the
 * lookup and the source strings per setting was a measurable share of a validation.
 */
const resolved = new WeakMap<ModelCatalog, WeakMap<EstimateGenerator, ResolvedPrice>>();

function resolvePrice(g: EstimateGenerator, catalog: ModelCatalog): ResolvedPrice {
  let byGen = resolved.get(catalog);
  if (!byGen) resolved.set(catalog, (byGen = new WeakMap()));
  const hit = byGen.get(g);
  if (hit && hit.key.provider === g.provider && hit.key.model === g.model && hit.key.price === g.price) return hit;
  const entry = catalog.lookup(g.provider, g.model);
  const table = priceOf(entry);
  const key = { provider: g.provider, model: g.model, price: g.price };
  const r: ResolvedPrice = g.price
    ? { entry, price: g.price, source: "spec price override (generators[].price)", key }
    : table
      ? { entry, price: table, source: `${table.source}${table.pricesAsOf ? `, as of ${table.pricesAsOf}` : ""}`, key }
      : { entry, price: undefined, source: `no price known for ${g.provider} model "${g.model}"`, key };
  byGen.set(g, r);
  return r;
}

/**
 * Tokens per request: meta-prompt + the seed text the method puts in the prompt; output: what the method
 * asks for, about as long as the seed text it replaces, capped by `sampling.maxTokens`.
 * - instance generation: `demonstrations` whole seed instances in, one new instance out;
 * - response generation: one instruction in, one response out;
 * - quality enhancement: one instance in, one revised (slightly longer) instance out.
 * Items: `instances` for instance generation, else one per usable seed record.
 */
export function estimateSettingCost(
  setting: EstimateSetting,
  generators: readonly EstimateGenerator[],
  seed: SeedStats | undefined,
  catalog: ModelCatalog = BUNDLED,
): SettingCostEstimate {
  const ins = seed ? seed.avgInstructionChars : FALLBACK_SEED_CHARS.instruction;
  const res = seed && seed.avgResponseChars > 0 ? seed.avgResponseChars : FALLBACK_SEED_CHARS.response;
  const instance = estimateTokens(ins + res);
  let input: number;
  let output: number;
  let items = setting.instances;
  switch (setting.method) {
    case "instance_generation":
      input = META_PROMPT_TOKENS.instance_generation + setting.demonstrations * instance;
      output = instance;
      break;
    case "response_generation":
      input = META_PROMPT_TOKENS.response_generation + estimateTokens(ins);
      output = estimateTokens(res);
      break;
    case "quality_enhancement":
      input = META_PROMPT_TOKENS.quality_enhancement + instance;
      output = Math.ceil(instance * 1.2);
      break;
  }
  if (setting.method !== "instance_generation" && seed) {
    const usable = setting.seed.limit !== undefined ? Math.min(setting.seed.limit, seed.records) : seed.records;
    items = Math.min(items, usable);
  }
  const perGenerator = generators.map((g): GeneratorCostEstimate => {
    const { entry, price, source } = resolvePrice(g, catalog);
    const out = Math.min(output, g.sampling.maxTokens);
    const tokens = { inputTokens: input * items, outputTokens: out * items };
    return {
      generator: g.id,
      model: g.model,
      items,
      inputTokens: tokens.inputTokens,
      outputTokens: tokens.outputTokens,
      contextWindow: entry?.contextWindow,
      usd: price ? estimateCost(price, tokens, { batch: g.batch }) : undefined,
      priceSource: source,
    };
  });
  return {
    items,
    inputTokensPerRequest: input,
    outputTokensPerRequest: output,
    perGenerator,
    totalUsd: perGenerator.reduce((a, g) => a + (g.usd ?? 0), 0),
    incomplete: perGenerator.some((g) => g.usd === undefined),
    assumedSeed: !seed,
  };
}

/** `$0.42`, `$12.30`, `$0.0031`: enough digits to tell small estimates apart. */
export function formatUsd(usd: number): string {
  if (usd === 0) return "$0";
  if (usd < 0.01) return `$${usd.toPrecision(2)}`;
  return `$${usd.toFixed(2)}`;
}
