/**
 * `npm run bench:hosts` — the SSH host against the test sshd on 127.0.0.1 (scripts/services/test-services.sh,
 * needs root), each figure next to the plain OpenSSH client doing the same thing in the same run:
 *  1. Reattach after a dropped link: a job prints a line every 20 ms; the link is killed (every sshd session
 *     process), and we time from the kill to the next byte through `SshHost.follow` (reconnect, host key
 *     check, `tail` from the byte offset). Baseline: a fresh `ssh host tail -c +N log` to its first byte.
 *  2. Log-tail throughput: a 64 MiB job log read from offset 0 through `SshHost.readLog`, vs.
 *     `ssh host tail -c +1 log > /dev/null`.
 * Args: --reattach N (default 10) --mib M (default 64)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SshHost } from "../src/hosts";
import { ensureServices, sshdSessionPids, type TestServices } from "../test/support/services";

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const REATTACH = Number(arg("reattach", "10"));
const MIB = Number(arg("mib", "64"));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)]!;

function sshArgs(s: TestServices): string[] {
  return ["-p", String(s.sshPort), "-i", s.sshKey, "-o", `UserKnownHostsFile=${s.knownHosts}`, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", `${s.sshUser}@127.0.0.1`];
}

/** Milliseconds until a plain `ssh … <command>` prints its first byte, and until it exits; bytes read. */
function plainSsh(s: TestServices, command: string): Promise<{ firstByteMs: number; totalMs: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first = -1;
    let bytes = 0;
    const child = spawn("ssh", [...sshArgs(s), command], { stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.on("data", (d: Buffer) => {
      if (first < 0) first = performance.now() - t0;
      bytes += d.length;
    });
    child.on("error", reject);
    child.on("close", () => resolve({ firstByteMs: first, totalMs: performance.now() - t0, bytes }));
  });
}

async function main(): Promise<void> {
  const services = ensureServices();
  if (!services) {
    console.error("bench:hosts needs root (it starts sshd on 127.0.0.1 with scripts/services/test-services.sh).");
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), "agora-bench-hosts-"));
  const host = new SshHost({ name: "bench", host: "127.0.0.1", port: services.sshPort, user: services.sshUser, identityFile: services.sshKey, knownHostsFile: services.knownHosts, agent: false });
  try {
    // 1. Reattach after a dropped link.
    const job = await host.startDetached({ name: "ticker", dir: join(dir, "ticker"), command: "i=0; while :; do i=$((i+1)); echo tick$i; sleep 0.02; done" });
    const ours: number[] = [];
    const ac = new AbortController();
    // Only bytes that came over a new connection count (the old socket may still hand over buffered data).
    const clientOf = (): unknown => (host as unknown as { client?: unknown }).client;
    let waiting: { old: unknown; resolve: (t: number) => void } | undefined;
    const following = host.follow(
      job,
      0,
      () => {
        if (waiting && clientOf() !== waiting.old) waiting.resolve(performance.now());
      },
      ac.signal,
    );
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < REATTACH; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const old = clientOf();
      const next = new Promise<number>((resolve) => (waiting = { old, resolve }));
      const killedAt = performance.now();
      // Drop every link at once, as a network failure would.
      for (const pid of sshdSessionPids(services)) process.kill(pid, "SIGKILL");
      ours.push((await next) - killedAt);
      waiting = undefined;
    }
    ac.abort();
    await following;
    const logFile = `${job.dir}/${job.log}`;
    const baseline: number[] = [];
    for (let i = 0; i < REATTACH; i++) baseline.push((await plainSsh(services, `tail -c +1000 ${logFile} | head -c 1`)).firstByteMs);
    await host.cancel(job);
    console.log(`reattach after a dropped link (${REATTACH} drops, job printing every 20 ms):`);
    console.log(`  SshHost.follow: kill → next byte    median ${median(ours).toFixed(0)} ms, p95 ${p95(ours).toFixed(0)} ms (reconnect + host key check + tail from the offset + the job's next line ≤ 20 ms)`);
    console.log(`  plain ssh tail -c: start → 1st byte  median ${median(baseline).toFixed(0)} ms, p95 ${p95(baseline).toFixed(0)} ms`);
    console.log(`  ratio (ours / plain ssh, median)     ${(median(ours) / median(baseline)).toFixed(2)}`);

    // 2. Log-tail throughput.
    const big = join(dir, "big");
    await host.run(`mkdir -p ${big} && head -c ${MIB << 20} /dev/urandom | base64 -w 120 | head -c ${MIB << 20} > ${big}/job.log`);
    const bigJob = { kind: "process" as const, host: "bench", dir: big, pid: 0, log: "job.log", startedAt: new Date().toISOString() };
    const runs = 3;
    const oursMBs: number[] = [];
    const plainMBs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const chunk = await host.readLog(bigJob, 0);
      const secs = (performance.now() - t0) / 1000;
      if (chunk.data.length !== MIB << 20) throw new Error(`read ${chunk.data.length} bytes, expected ${MIB << 20}`);
      oursMBs.push(MIB / secs);
      const p = await plainSsh(services, `tail -c +1 ${big}/job.log`);
      if (p.bytes !== MIB << 20) throw new Error(`plain ssh read ${p.bytes} bytes`);
      plainMBs.push(MIB / (p.totalMs / 1000));
    }
    console.log(`log-tail throughput (${MIB} MiB log, median of ${runs}):`);
    console.log(`  SshHost.readLog (ssh2, in-process)  ${median(oursMBs).toFixed(1)} MiB/s`);
    console.log(`  plain ssh tail -c +1 > /dev/null    ${median(plainMBs).toFixed(1)} MiB/s`);
    console.log(`  ratio (ours / plain ssh)            ${(median(oursMBs) / median(plainMBs)).toFixed(2)}`);
  } finally {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
