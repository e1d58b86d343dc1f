/**
 * The workspace the workbench e2e suite opens: a temp copy of examples/ (when it has content) plus a spec
 * whose generators call the local LLM test server, a hosts file with local/SSH/Slurm hosts, and one
 * finished run folder written with the real core writers (plan, events, scores) so PGR shows in the tree.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeSpecFs } from "../../../src/core/io/node-spec-fs";
import { EventLog } from "../../../src/core/run/event-log";
import { RUN_FILES } from "../../../src/core/run/layout";
import { buildPlan } from "../../../src/core/run/plan";
import { validateSpecText } from "../../../src/core/spec/validate";
import { repoRoot } from "../../support/build";
import { seedLines } from "../../support/run-folder";
import { standInEnv } from "../../support/stand-ins";

export const KEY_ENV = "AGORA_E2E_API_KEY";

export interface E2eWorkspace {
  root: string;
  specPath: string;
  runsDir: string;
  historicRunDir: string;
}

export async function makeWorkspace(openaiBaseUrl: string, opts: { instances?: number; sshHost?: Record<string, unknown> } = {}): Promise<E2eWorkspace> {
  const root = mkdtempSync(join(tmpdir(), "agora-wb-ws-"));
  const examples = join(repoRoot, "examples");
  if (existsSync(examples) && readdirSync(examples).length) {
    cpSync(examples, root, { recursive: true, filter: (src) => !src.includes(`${join("examples", "runs")}`) });
  }
  const dir = join(root, "e2e");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "seed-math.jsonl"), seedLines(12));
  const gen = (id: string) => ({
    id,
    provider: "openai-compatible",
    model: "gpt-4o-mini-2024-07-18",
    baseUrl: openaiBaseUrl,
    apiKeyEnv: KEY_ENV,
    limits: { concurrency: 2, maxRetries: 2, timeoutSeconds: 20 },
  });
  const spec = {
    name: "E2E local test server",
    description: "Generators behind the local LLM test server (tests only).",
    generators: [gen("alpha"), gen("beta")],
    settings: [
      { domain: "math", method: "instance_generation", seed: { file: "seed-math.jsonl" }, instances: opts.instances ?? 30 },
      { domain: "math", method: "response_generation", seed: { file: "seed-math.jsonl" }, instances: 12 },
    ],
    // Confirm every run, so the test sees the cost confirmation.
    budget: { maxUsd: 5, confirmAboveUsd: 0 },
  };
  const specText = JSON.stringify(spec, null, 2);
  const specPath = join(dir, "e2e.agora.json");
  writeFileSync(specPath, specText);
  // A second, small spec so the spec quick pick has a choice to make.
  writeFileSync(
    join(dir, "other.agora.json"),
    JSON.stringify({ name: "Other experiment", generators: [gen("gamma")], settings: [{ domain: "code", method: "response_generation", seed: { file: "seed-math.jsonl" }, instances: 5 }] }, null, 2),
  );
  writeFileSync(
    join(dir, "agora.hosts.json"),
    JSON.stringify(
      {
        hosts: [
          // The stand-in GPU tools first on PATH: the full-pipeline test trains and evaluates with them here.
          { name: "local", kind: "local", env: { PATH: standInEnv().PATH!, AGORA_STANDIN_SLEEP_MS: "10" } },
          { name: "gpu-box", kind: "ssh", host: "127.0.0.1", port: 2299, user: "agora" },
          { name: "cluster", kind: "slurm", via: "gpu-box", partition: "gpu", gpusPerJob: 2 },
        ],
      },
      null,
      2,
    ),
  );
  // The workspace root's hosts file (the Hosts view's): with a real SSH host (the test sshd) when given.
  const rootHosts = [{ name: "local", kind: "local" }, { name: "gpu-box", kind: "ssh", host: "127.0.0.1", port: 2299, user: "agora" }, { name: "cluster", kind: "slurm", via: "gpu-box", partition: "gpu", gpusPerJob: 2 }];
  if (opts.sshHost) rootHosts.push(opts.sshHost as (typeof rootHosts)[number]);
  writeFileSync(join(root, "agora.hosts.json"), JSON.stringify({ hosts: rootHosts }, null, 2));

  // A finished run of math.response_generation by alpha, with scores, as the pipeline would leave it.
  const v = await validateSpecText(specText, { fs: nodeSpecFs, specPath });
  if (!v.value) throw new Error(`e2e spec invalid: ${JSON.stringify(v.diagnostics)}`);
  const runId = "20260101-000000-math.response_generation-alpha-aaaaaa";
  const plan = await buildPlan({ spec: v.value, specPath, specText, settings: ["math.response_generation"], generators: ["alpha"], runId, host: "local" }, nodeSpecFs);
  const runsDir = join(dir, "runs");
  const historicRunDir = join(runsDir, runId);
  mkdirSync(historicRunDir, { recursive: true });
  writeFileSync(join(historicRunDir, RUN_FILES.plan), JSON.stringify(plan, null, 2));
  const log = new EventLog(historicRunDir);
  const t = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const where = { stage: "generate" as const, setting: "math.response_generation", generator: "alpha" };
  log.emit({ t: t(0), type: "run.started", runId, host: "local" });
  log.emit({ t: t(1), type: "stage.started", stage: "generate" });
  log.emit({ t: t(9), type: "progress", ...where, done: 12, total: 12, valid: 12, costUsd: 0.0123, throughputPerMin: 80 });
  log.emit({ t: t(10), type: "stage.finished", stage: "generate", exitCode: 0, ok: true });
  log.emit({ t: t(11), type: "scores", stage: "score", scoresFile: RUN_FILES.scores });
  log.emit({ t: t(12), type: "run.finished", ok: true, costUsd: 0.0123 });
  writeFileSync(
    join(historicRunDir, RUN_FILES.scores),
    JSON.stringify({ base: { gsm8k: 50, math: 20 }, reference: { gsm8k: 80, math: 40 }, students: { alpha: { response_generation: { gsm8k: 62, math: 26 } } } }, null, 2),
  );
  return { root, specPath, runsDir, historicRunDir };
}
