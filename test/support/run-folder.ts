/** Creates a run folder (spec + seed file + plan.json) for engine tests, through the real buildPlan(). */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeSpecFs } from "../../src/core/io/node-spec-fs";
import { RUN_FILES } from "../../src/core/run/layout";
import { buildPlan, type RunPlan } from "../../src/core/run/plan";
import { validateSpecText } from "../../src/core/spec/validate";

export interface TestRun {
  root: string;
  runDir: string;
  plan: RunPlan;
}

/** Seed records that satisfy every domain's output rules. */
export function seedLines(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(JSON.stringify({ instruction: `Seed problem ${i}: what is ${i} + ${i + 1}?`, response: `${i} + ${i + 1} = ${2 * i + 1}.\n[RESULT] ${2 * i + 1} [/RESULT]`, config: "test_seed" }));
  }
  return `${out.join("\n")}\n`;
}

export async function makeRun(spec: Record<string, unknown>, opts: { seeds?: number; seedText?: string } = {}): Promise<TestRun> {
  const root = mkdtempSync(join(tmpdir(), "agora-gen-"));
  writeFileSync(join(root, "seed.jsonl"), opts.seedText ?? seedLines(opts.seeds ?? 20));
  const specPath = join(root, "exp.agora.json");
  const specText = JSON.stringify(spec, null, 2);
  writeFileSync(specPath, specText);
  const v = await validateSpecText(specText);
  if (!v.value) throw new Error(`invalid test spec: ${JSON.stringify(v.diagnostics ?? [])}`);
  const plan = await buildPlan({ spec: v.value, specPath, specText, runId: "test-run" }, nodeSpecFs);
  const runDir = join(root, "runs", plan.runId);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, RUN_FILES.plan), JSON.stringify(plan, null, 2));
  return { root, runDir, plan };
}

export function generator(id: string, provider: "openai" | "anthropic" | "openai-compatible", baseUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    provider,
    model: provider === "anthropic" ? "claude-3-5-sonnet-20240620" : "gpt-4o-mini-2024-07-18",
    baseUrl,
    apiKeyEnv: "AGORA_TEST_KEY",
    ...extra,
  };
}
