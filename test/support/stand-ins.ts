/**
 * Puts the stand-in GPU tools (test/fixtures/stand-ins) first on PATH for a child process, and copies
 * the arena-hard-auto stand-in checkout to a scratch folder (it writes into its own tree, like the real one).
 */
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";

export const STAND_INS_DIR = resolve(__dirname, "..", "fixtures", "stand-ins");
export const STAND_IN_BIN = join(STAND_INS_DIR, "bin");

export interface StandInOptions {
  /** Tools that should fail (AGORA_STANDIN_FAIL). */
  fail?: string[];
  /** Pause per progress step in ms (default 10 in tests). */
  sleepMs?: number;
  /** Arena-Hard checkout to use (ARENA_HARD_DIR); see copyArenaHard(). */
  arenaHardDir?: string;
}

/** An environment for child_process with the stand-ins first on PATH. */
export function standInEnv(options: StandInOptions = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, PATH: `${STAND_IN_BIN}${delimiter}${base.PATH ?? ""}`, AGORA_STANDIN_SLEEP_MS: String(options.sleepMs ?? 10) };
  if (options.fail?.length) env.AGORA_STANDIN_FAIL = options.fail.join(",");
  else delete env.AGORA_STANDIN_FAIL;
  if (options.arenaHardDir) env.ARENA_HARD_DIR = options.arenaHardDir;
  return env;
}

/** A fresh copy of the arena-hard-auto stand-in checkout under a temp folder. */
export function copyArenaHard(into = mkdtempSync(join(tmpdir(), "agora-arena-"))): string {
  const dir = join(into, "arena-hard-auto");
  cpSync(join(STAND_INS_DIR, "arena-hard-auto"), dir, { recursive: true });
  return dir;
}
