/**
 * A workspace for pipeline tests: seed file, spec, hosts file, and the built `agora` CLI run as its own
 * process (the production path) with the stand-in GPU tools on PATH and the LLM test server's key.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEvents, type RunEvent } from "../../src/core/run/events";
import { cliPath, ensureBuilt } from "./build";
import { seedLines } from "./run-folder";
import { STAND_IN_BIN, standInEnv, type StandInOptions } from "./stand-ins";

export const TEST_KEY = "sk-test-pipeline-0000";

export interface PipelineWorkspace {
  dir: string;
  specPath: string;
  hostsPath: string;
  env: NodeJS.ProcessEnv;
  /**
   * Runs `agora <args>` to completion. Asynchronously: the LLM test server lives in this process, so a
   * spawnSync would block the very server the engine talks to.
   */
  agora(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Starts `agora <args>` in the background (e.g. a foreground engine to kill). */
  spawnAgora(...args: string[]): ReturnType<typeof spawn>;
  events(runDir: string): RunEvent[];
  writeHosts(hosts: unknown[]): void;
}

export interface WorkspaceOptions {
  baseUrl: string;
  settings?: Record<string, unknown>[];
  student?: Record<string, unknown>;
  evaluation?: Record<string, unknown>;
  hosts?: unknown[];
  standIns?: StandInOptions;
  extraEnv?: NodeJS.ProcessEnv;
}

/** PATH the stand-ins need on a host reached over SSH (sshd gives sessions a minimal PATH). */
export const REMOTE_PATH = `${STAND_IN_BIN}:/usr/local/bin:/usr/bin:/bin`;

export function makePipelineWorkspace(o: WorkspaceOptions): PipelineWorkspace {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), "agora-pipeline-"));
  writeFileSync(join(dir, "seed.jsonl"), seedLines(12));
  const spec = {
    name: "pipeline test",
    generators: [{ id: "local-llm", provider: "openai-compatible", model: "test-model", baseUrl: o.baseUrl, apiKeyEnv: "AGORA_TEST_KEY", price: { inputPer1M: 1, outputPer1M: 2 }, limits: { concurrency: 4 } }],
    settings: o.settings ?? [{ domain: "math", method: "instance_generation", seed: { file: "seed.jsonl" }, instances: 8 }],
    student: o.student ?? {},
    evaluation: o.evaluation ?? {},
    budget: { maxUsd: 5 },
  };
  const specPath = join(dir, "exp.agora.json");
  writeFileSync(specPath, JSON.stringify(spec, null, 2));
  const hostsPath = join(dir, "agora.hosts.json");
  const writeHosts = (hosts: unknown[]): void => writeFileSync(hostsPath, JSON.stringify({ hosts }, null, 2));
  writeHosts(o.hosts ?? [{ name: "local", kind: "local" }]);
  const env: NodeJS.ProcessEnv = { ...standInEnv(o.standIns ?? {}), AGORA_TEST_KEY: TEST_KEY, ...o.extraEnv };
  return {
    dir,
    specPath,
    hostsPath,
    env,
    agora(...args) {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [cliPath, ...args], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
        child.on("error", reject);
        child.on("close", (code) => {
          clearTimeout(timer);
          resolve({ code: code ?? -1, stdout, stderr });
        });
      });
    },
    spawnAgora(...args) {
      return spawn(process.execPath, [cliPath, ...args], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    },
    events(runDir) {
      const f = join(runDir, "events.jsonl");
      return existsSync(f) ? parseEvents(readFileSync(f, "utf8")).events : [];
    },
    writeHosts,
  };
}

export async function waitFor<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
