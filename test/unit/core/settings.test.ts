import assert from "node:assert/strict";
import { BENCHMARKS, DOMAIN_INFO, findSetting, SETTINGS } from "../../../src/core/settings";

describe("core/settings", () => {
  it("has the nine domain × method settings, each once", () => {
    assert.equal(SETTINGS.length, 9);
    assert.equal(new Set(SETTINGS.map((s) => s.id)).size, 9);
  });
  it("carries the paper's seed sizes and benchmarks", () => {
    assert.equal(findSetting("math.instance_generation")!.seedSize, 14_856);
    assert.equal(findSetting("code/instance_generation")!.seedSize, 874);
    assert.equal(findSetting("instruction_following.instance_generation")!.seedSize, 503);
    assert.equal(findSetting("general/response_generation")!.seedSource, "Magpie-Pro");
    for (const s of SETTINGS) {
      assert.equal(s.instances, 10_000);
      for (const b of s.benchmarks) assert.equal(BENCHMARKS[b].domain, s.domain);
    }
    assert.deepEqual(DOMAIN_INFO.code.benchmarks, ["mbpp", "humaneval"]);
  });
  it("rejects unknown references", () => {
    assert.equal(findSetting("math"), undefined);
    assert.equal(findSetting("physics/instance_generation"), undefined);
    assert.equal(findSetting("math/rewriting"), undefined);
  });
});
