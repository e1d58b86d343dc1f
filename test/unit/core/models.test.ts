/** The one model/price table: the engine's price lookup and the editor's catalog read the same entries. */
import assert from "node:assert/strict";
import { BUNDLED_MODELS, estimateSettingCost, findModel, ModelCatalog, MODELS_TABLE_DATE } from "../../../src/core/models";
import { costOf, lookupPrice, PRICE_TABLE_DATE } from "../../../src/core/pricing";
import { ExperimentSpec } from "../../../src/core/spec/model";
import { seedSettingMismatch } from "../../../src/core/spec/semantic";

describe("model table", () => {
  it("is dated, and every priced entry has its date and source", () => {
    assert.equal(PRICE_TABLE_DATE, MODELS_TABLE_DATE);
    for (const m of BUNDLED_MODELS) {
      if (m.inputPer1M === undefined) continue;
      assert.match(m.pricesAsOf ?? "", /^\d{4}-\d{2}-\d{2}$/, m.id);
      assert.ok(m.source, m.id);
      assert.ok(m.contextWindow && m.contextWindow > 0, m.id);
    }
  });

  it("gives the engine the catalog's prices, by any spelling of the id", () => {
    for (const m of BUNDLED_MODELS) {
      const p = lookupPrice(m.id, m.provider)!;
      assert.equal(p.inputPer1M, m.inputPer1M, m.id);
      assert.equal(p.outputPer1M, m.outputPer1M, m.id);
    }
    assert.equal(lookupPrice("meta-llama/Meta-Llama-3.1-70B-Instruct")?.inputPer1M, 0.35);
    assert.equal(lookupPrice("llama-3.1-405b-instruct")?.outputPer1M, 1.79);
    assert.equal(findModel("Llama-3.1-8B-Instruct", "openai-compatible")?.id, "meta-llama/Llama-3.1-8B-Instruct");
    // Prompt-cache reads are billed at the cached rate.
    const p = lookupPrice("gpt-4o-mini")!;
    assert.equal(costOf(p, { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 1_000_000 }), 0.075);
  });

  it("lets user entries add and replace models, and reports bad ones", () => {
    const { entries, problems } = ModelCatalog.parseExtra([
      { provider: "openai", id: "gpt-4o-mini", inputPer1M: 1, outputPer1M: 2 },
      { provider: "openai-compatible", id: "org/tiny", contextWindow: 4096 },
      { provider: "nope", id: "x" },
    ]);
    assert.equal(entries.length, 2);
    assert.equal(problems.length, 1);
    const c = new ModelCatalog(entries);
    assert.equal(c.lookup("openai", "gpt-4o-mini")?.inputPer1M, 1);
    assert.ok(c.list("openai-compatible").some((m) => m.id === "org/tiny"));
    assert.equal(c.lookup("openai-compatible", "tiny")?.id, "org/tiny");
  });

  it("estimates a setting from seed lengths, per seed record for response generation", () => {
    const spec = ExperimentSpec.parse({
      name: "x",
      generators: [{ id: "g", provider: "openai", model: "gpt-4o-mini-2024-07-18", batch: true }],
      settings: [{ domain: "math", method: "response_generation", seed: { file: "s.jsonl" }, instances: 1000 }],
    });
    const e = estimateSettingCost(spec.settings[0]!, spec.generators, { records: 40, avgInstructionChars: 400, avgResponseChars: 800 });
    assert.equal(e.items, 40);
    assert.equal(e.inputTokensPerRequest, 250 + 100);
    assert.equal(e.outputTokensPerRequest, 200);
    // Batch: half price. 40 × (350 × 0.15 + 200 × 0.6) / 1M / 2
    assert.ok(Math.abs(e.totalUsd - (40 * (350 * 0.15 + 200 * 0.6)) / 1e6 / 2) < 1e-12);
  });

  it("tells seed data of another setting, by domain or by method", () => {
    const recs = (config: string) => [{ config }, { config }];
    assert.deepEqual(seedSettingMismatch(recs("magpie_math"), "config", "math", "instance_generation"), { setting: "math × response_generation", config: "magpie_math" });
    assert.deepEqual(seedSettingMismatch(recs("magpie_math"), "config", "code", "response_generation"), { setting: "math × response_generation", config: "magpie_math" });
    assert.equal(seedSettingMismatch(recs("magpie_math"), "config", "math", "response_generation"), undefined);
    assert.equal(seedSettingMismatch(recs("my-own-data"), "config", "math", "instance_generation"), undefined);
    assert.equal(seedSettingMismatch([{ config: "math" }, { config: "mbpp" }], "config", "code", "instance_generation"), undefined);
  });
});
