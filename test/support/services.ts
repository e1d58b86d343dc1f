/**
 * Starts (idempotently) the test sshd and Slurm with scripts/services/test-services.sh and returns what the
 * env file says. Suites call it in `before`, so nothing depends on what a previous session left running.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface TestServices {
  sshPort: number;
  sshUser: string;
  sshKey: string;
  hostPub: string;
  knownHosts: string;
  slurm: boolean;
  slurmConf: string;
  dir: string;
}

const root = join(__dirname, "..", "..");

export function ensureServices(): TestServices | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const r = spawnSync("bash", [join(root, "scripts/services/test-services.sh"), "up"], { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`test-services.sh up failed: ${r.stderr}`);
  const dir = process.env.AGORA_SERVICES_DIR ?? "/tmp/agorabench-services";
  const env = Object.fromEntries(
    readFileSync(join(dir, "env"), "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return {
    sshPort: Number(env.AGORA_SSH_PORT),
    sshUser: env.AGORA_SSH_USER!,
    sshKey: env.AGORA_SSH_KEY!,
    hostPub: env.AGORA_SSH_HOST_PUB!,
    knownHosts: env.AGORA_SSH_KNOWN_HOSTS!,
    slurm: env.AGORA_SLURM === "1",
    slurmConf: env.SLURM_CONF!,
    dir,
  };
}

/** PIDs of the sshd processes serving sessions (children of the listener): killing them drops every link. */
export function sshdSessionPids(services: TestServices): number[] {
  const pid = readFileSync(join(services.dir, "ssh", "sshd.pid"), "utf8").trim();
  const r = spawnSync("pgrep", ["-P", pid], { encoding: "utf8" });
  return r.stdout.split("\n").filter(Boolean).map(Number);
}

export const waitUntil = async (fn: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
