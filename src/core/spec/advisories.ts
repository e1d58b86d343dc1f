/**
 * Rules about money and access rather than shape: API keys, models the price table does not know, prompts
 * that cannot fit a model's context window, and the estimated cost against `budget.maxUsd`. Pure: the caller
 * says which keys are configured (the language server from the client's report, the CLI from process.env)
 * and which models exist (the bundled table plus user entries).
 */
import { estimateSettingCost, formatUsd, type ModelCatalog, type SeedStats, type SettingCostEstimate } from "../models";
import { findNodeAtLocation } from "jsonc-parser";
import type { ParsedJsonc, SpecDiagnostic } from "./load";
import type { ExperimentSpec, GeneratorSpec } from "./model";
import { settingId } from "./model";
import { diag, SemanticCode } from "./semantic";

/** The environment variable a generator's key is read from (the engine's rule). */
export function keyEnvName(g: Pick<GeneratorSpec, "provider" | "apiKeyEnv">): string | undefined {
  if (g.apiKeyEnv) return g.apiKeyEnv;
  if (g.provider === "anthropic") return "ANTHROPIC_API_KEY";
  if (g.provider === "openai") return "OPENAI_API_KEY";
  // A self-hosted OpenAI-compatible server usually needs no key unless the spec names one.
  return undefined;
}

/** Warns about generators whose key is not configured; `isConfigured` answers for an environment variable name. */
export function keyDiagnostics(spec: ExperimentSpec, parsed: ParsedJsonc, isConfigured: (envName: string) => boolean): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  spec.generators.forEach((g, i) => {
    const env = keyEnvName(g);
    if (!env || isConfigured(env)) return;
    out.push(
      diag(
        parsed,
        SemanticCode.apiKeyMissing,
        `Generator "${g.id}" needs an API key in ${env}, and none is configured. In VS Code run "AgoraBench: Set API Key"; elsewhere export ${env}.`,
        ["generators", i, g.apiKeyEnv ? "apiKeyEnv" : "provider"],
        "warning",
      ),
    );
  });
  return out;
}

/** Information about models with no bundled entry and no price override: their cost is left out of estimates. */
export function modelDiagnostics(spec: ExperimentSpec, parsed: ParsedJsonc, catalog: ModelCatalog): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  spec.generators.forEach((g, i) => {
    if (g.price || g.provider === "openai-compatible" || catalog.lookup(g.provider, g.model)) return;
    out.push(
      diag(
        parsed,
        SemanticCode.unknownModel,
        `"${g.model}" is not in the bundled ${g.provider} model table, so cost estimates leave it out. Add a "price" to this generator or an entry to the agorabench.models setting.`,
        ["generators", i, "model"],
        "info",
      ),
    );
  });
  return out;
}

/** Per setting: the generators it runs (its `generators` list, or all). */
export function generatorsOf(spec: ExperimentSpec, settingIndex: number): GeneratorSpec[] {
  const s = spec.settings[settingIndex];
  if (!s) return [];
  if (!s.generators) return spec.generators;
  const byId = new Map(spec.generators.map((g) => [g.id, g]));
  return s.generators.map((id) => byId.get(id)).filter((g): g is GeneratorSpec => g !== undefined);
}

/** Cost estimates of every setting; `seeds[i]` are the statistics of setting i's seed file when it could be read. */
export function settingEstimates(spec: ExperimentSpec, seeds: readonly (SeedStats | undefined)[], catalog: ModelCatalog): SettingCostEstimate[] {
  // Specs with hundreds of settings: resolve generator lists once per spec, not once per setting.
  const byId = new Map(spec.generators.map((g) => [g.id, g]));
  return spec.settings.map((s, i) =>
    estimateSettingCost(s, s.generators ? s.generators.map((id) => byId.get(id)).filter((g): g is GeneratorSpec => g !== undefined) : spec.generators, seeds[i], catalog),
  );
}

/** The first of `paths` that exists in the document (defaults are not written, so a rule may point at several places). */
function firstPresent(parsed: ParsedJsonc, paths: (string | number)[][]): (string | number)[] {
  for (const p of paths) if (parsed.root && findNodeAtLocation(parsed.root, p)) return p;
  return paths[paths.length - 1]!;
}

/** Budget rules: the confirmation threshold above the cap, the estimate above the cap, prompts over the context window. */
export function budgetDiagnostics(spec: ExperimentSpec, parsed: ParsedJsonc, estimates: readonly SettingCostEstimate[]): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  const byId = new Map(spec.generators.map((g, i) => [g.id, { gen: g, index: i }]));
  estimates.forEach((e, i) => {
    const setting = spec.settings[i]!;
    for (const g of e.perGenerator) {
      const { gen, index } = byId.get(g.generator) ?? {};
      if (!gen || g.contextWindow === undefined) continue;
      const need = e.inputTokensPerRequest + gen.sampling.maxTokens;
      if (need > g.contextWindow) {
        out.push(
          diag(
            parsed,
            SemanticCode.promptOverContext,
            `Setting "${settingId(setting)}": a prompt of about ${e.inputTokensPerRequest} tokens plus maxTokens ${gen.sampling.maxTokens} exceeds the ${g.contextWindow}-token context window of "${g.model}" (generator "${g.generator}"). Use fewer demonstrations or a lower maxTokens.`,
            firstPresent(parsed, [
              ["generators", index!, "sampling", "maxTokens"],
              ["settings", i, "demonstrations"],
              ["settings", i],
            ]),
            "warning",
          ),
        );
      }
    }
  });
  const budget = spec.budget;
  if (!budget) return out;
  // Only when written: the default threshold (5) above a small cap is a fine setup, not a mistake.
  const raw = parsed.value as { budget?: { confirmAboveUsd?: unknown } } | null | undefined;
  const confirmWritten = typeof raw === "object" && raw !== null && typeof raw.budget === "object" && raw.budget !== null && raw.budget.confirmAboveUsd !== undefined;
  if (confirmWritten && budget.confirmAboveUsd > budget.maxUsd) {
    out.push(
      diag(
        parsed,
        SemanticCode.budgetConfirmAboveMax,
        `confirmAboveUsd (${budget.confirmAboveUsd}) is above maxUsd (${budget.maxUsd}): a run would hit the cap before anyone is asked.`,
        ["budget", "confirmAboveUsd"],
        "warning",
      ),
    );
  }
  const total = estimates.reduce((a, e) => a + e.totalUsd, 0);
  if (total > budget.maxUsd) {
    const worst = estimates
      .map((e, i) => ({ id: settingId(spec.settings[i]!), usd: e.totalUsd }))
      .sort((a, b) => b.usd - a.usd)
      .slice(0, 3)
      .map((x) => `${x.id} ${formatUsd(x.usd)}`)
      .join(", ");
    out.push(
      diag(
        parsed,
        SemanticCode.costOverBudget,
        `Estimated cost of all settings is about ${formatUsd(total)}, over budget.maxUsd ${formatUsd(budget.maxUsd)} (largest: ${worst}). Generation would stop at the cap; lower "instances" or raise the budget.`,
        ["budget", "maxUsd"],
        "warning",
      ),
    );
  }
  return out;
}
