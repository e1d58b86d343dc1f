/**
 * A Slurm cluster: stages become `sbatch` jobs with a generated script (partition, `--gres=gpu[:type]:N`,
 * time, memory, account, extra arguments, arrays for sweeps). Slurm commands run through a transport host:
 * this machine, or an SSH login node (`via`). Status comes from `scontrol show job -o` while Slurm remembers
 * the job, then from the job's own `job.exit` file (written by the wrapper) or the jobcomp file — `sacct`
 * needs slurmdbd, which many small clusters (and the test cluster) lack.
 */
import type { HostDefinition } from "../core/spec/hosts";
import { commandScript, parseStatusLine, type ShellHost, wrapperScript } from "./shell-host";
import type { ConnectionTest, ExecOptions, ExecResult, GpuInfo, GpuInventory, Host, JobHandle, JobSpec, JobStatus, TailChunk } from "./types";
import { HostError, secretEnvPrelude, shq } from "./types";

export type SlurmSettings = Pick<Extract<HostDefinition, { kind: "slurm" }>, "partition" | "gpusPerJob" | "gresType" | "time" | "memory" | "account" | "extraArgs">;

/** The `#SBATCH` header lines of a job. */
export function sbatchDirectives(settings: Partial<SlurmSettings>, job: { name: string; dir: string; gpus?: number; array?: number }): string[] {
  const d: string[] = [`--job-name=agora-${job.name}`.slice(0, 120), `--chdir=${job.dir}`];
  d.push(job.array ? `--output=${job.dir}/job.log.%a` : `--output=${job.dir}/job.log`);
  if (settings.partition) d.push(`--partition=${settings.partition}`);
  const gpus = job.gpus ?? settings.gpusPerJob ?? 0;
  if (gpus > 0) d.push(`--gres=gpu:${settings.gresType ? `${settings.gresType}:` : ""}${gpus}`);
  if (settings.time) d.push(`--time=${settings.time}`);
  if (settings.memory) d.push(`--mem=${settings.memory}`);
  if (settings.account) d.push(`--account=${settings.account}`);
  if (job.array) d.push(`--array=0-${job.array - 1}`);
  for (const a of settings.extraArgs ?? []) {
    if (/[\n\r]/.test(a)) throw new Error(`Slurm extra argument with a line break: ${JSON.stringify(a)}`);
    d.push(a);
  }
  return d;
}

export function sbatchScript(settings: Partial<SlurmSettings>, job: { name: string; dir: string; gpus?: number; array?: number }): string {
  const header = sbatchDirectives(settings, job)
    .map((x) => `#SBATCH ${x}`)
    .join("\n");
  // The #SBATCH lines must come right after the shebang, before any command.
  return wrapperScript(`${header}\n`, job.dir);
}

interface SlurmJobLine {
  state: string;
  exitCode?: number;
  reason?: string;
}

/** `scontrol show job -o` → one entry per job (array task). */
export function parseScontrol(text: string): SlurmJobLine[] {
  return text
    .split("\n")
    .filter((l) => l.includes("JobState="))
    .map((l) => {
      const state = /JobState=(\S+)/.exec(l)?.[1] ?? "UNKNOWN";
      const ec = /ExitCode=(\d+):(\d+)/.exec(l);
      const reason = /Reason=(\S+)/.exec(l)?.[1];
      return { state, exitCode: ec ? Number(ec[1]) || (Number(ec[2]) ? 128 + Number(ec[2]) : 0) : undefined, reason: reason === "None" ? undefined : reason };
    });
}

export function foldSlurmStates(lines: SlurmJobLine[]): JobStatus | undefined {
  if (lines.length === 0) return undefined;
  const has = (...s: string[]): boolean => lines.some((l) => s.includes(l.state));
  if (has("PENDING", "CONFIGURING", "REQUEUED", "RESV_DEL_HOLD", "SUSPENDED")) {
    const r = lines.find((l) => l.reason)?.reason;
    if (!has("RUNNING", "COMPLETING")) return { state: "pending", exitCode: null, message: r ? `pending (${r})` : "pending" };
  }
  if (has("RUNNING", "COMPLETING", "PENDING", "CONFIGURING", "STAGE_OUT", "SIGNALING")) return { state: "running", exitCode: null };
  if (has("CANCELLED")) return { state: "cancelled", exitCode: null, message: "cancelled (scancel)" };
  const worst = Math.max(...lines.map((l) => l.exitCode ?? 0));
  if (lines.every((l) => l.state === "COMPLETED")) return { state: "finished", exitCode: 0 };
  const bad = lines.find((l) => l.state !== "COMPLETED")!;
  return { state: "failed", exitCode: worst || 1, message: `Slurm job ${bad.state.toLowerCase()}${bad.reason ? ` (${bad.reason})` : ""}` };
}

export class SlurmHost implements Host {
  readonly kind = "slurm" as const;
  pollMs = 1000;

  constructor(
    readonly name: string,
    /** Where `sbatch` & co. run: this machine or the SSH login node. */
    readonly transport: ShellHost,
    readonly settings: Partial<SlurmSettings> = {},
    private readonly env: Record<string, string> = {},
  ) {}

  exec(command: string, opts?: ExecOptions): Promise<ExecResult> {
    return this.transport.exec(command, { ...opts, env: { ...this.env, ...opts?.env } });
  }
  upload(localPath: string, remotePath: string): Promise<void> {
    return this.transport.upload(localPath, remotePath);
  }
  download(remotePath: string, localPath: string): Promise<void> {
    return this.transport.download(remotePath, localPath);
  }
  resolvePath(path: string): Promise<string> {
    return this.transport.resolvePath(path);
  }
  writeText(path: string, text: string, mode?: string): Promise<void> {
    return this.transport.writeText(path, text, mode);
  }

  private async run(command: string, stdin?: string): Promise<string> {
    const r = await this.exec(command, stdin ? { stdin } : undefined);
    if (r.code !== 0) throw new HostError(`${this.name}: \`${command.split("\n")[0]!.slice(0, 100)}\` failed (exit ${r.code ?? r.signal ?? "?"}): ${r.stderr.trim().slice(0, 500)}`, this.name);
    return r.stdout;
  }

  async startDetached(job: JobSpec): Promise<JobHandle> {
    const dir = await this.resolvePath(job.dir);
    await this.transport.writeText(`${dir}/command.sh`, commandScript(job.command, { ...this.env, ...job.env }), "755");
    await this.transport.writeText(`${dir}/job.sh`, sbatchScript(this.settings, { name: job.name, dir, gpus: job.resources?.gpus, array: job.resources?.array }), "755");
    // sbatch hands the submitting shell's environment to the job (--export=ALL), so secrets exported from
    // stdin reach it without being written into job.sh.
    const secrets = secretEnvPrelude(job.secretEnv);
    const out = await this.run(`cd ${shq(dir)} || exit 1; ${secrets.prelude}rm -f job.exit* job.cancelled job.pid*; sbatch --parsable job.sh`, secrets.stdin);
    const jobId = out.trim().split("\n").pop()?.split(";")[0]?.trim();
    if (!jobId || !/^\d+$/.test(jobId)) throw new HostError(`${this.name}: sbatch gave no job id: ${out.trim()}`, this.name);
    return { kind: "slurm", host: this.name, dir, jobId, log: job.resources?.array ? "job.log.0" : "job.log", startedAt: new Date().toISOString() };
  }

  async status(handle: JobHandle): Promise<JobStatus> {
    const out = await this.run(
      `cd ${shq(handle.dir)} 2>/dev/null || { echo "@gone"; exit 0; }
for f in job.exit job.exit.*; do [ -f "$f" ] && echo "@exit $f $(cat "$f")"; done
[ -f job.cancelled ] && echo "@cancelled"
scontrol show job -o ${handle.jobId} 2>&1 || true
c=$(scontrol show config 2>/dev/null | sed -n 's/^JobCompLoc *= *//p'); [ -f "$c" ] && grep "JobId=${handle.jobId} " "$c" | tail -1 | sed 's/^/@comp /'; true`,
    );
    if (out.includes("@gone")) return parseStatusLine("gone");
    const live = foldSlurmStates(parseScontrol(out.split("\n").filter((l) => !l.startsWith("@comp")).join("\n")));
    if (live && (live.state === "pending" || live.state === "running")) return live;
    const exits = [...out.matchAll(/^@exit (\S+) (-?\d+)/gm)].map((m) => Number(m[2]));
    if (out.includes("@cancelled") || live?.state === "cancelled") return { state: "cancelled", exitCode: null, message: "cancelled (scancel)" };
    if (exits.length) {
      const worst = exits.find((c) => c !== 0) ?? 0;
      return { state: worst === 0 ? "finished" : "failed", exitCode: worst };
    }
    if (live) return live;
    const comp = /^@comp .*JobState=(\S+).*ExitCode=(\d+)/m.exec(out);
    if (comp) return foldSlurmStates([{ state: comp[1]!, exitCode: Number(comp[2]) }]) ?? parseStatusLine("dead");
    return { state: "lost", exitCode: null, message: `Slurm no longer knows job ${handle.jobId} and it left no exit code` };
  }

  async readLog(handle: JobHandle, offset: number): Promise<TailChunk> {
    return this.transport.readLog({ ...handle, kind: "process" }, offset);
  }

  async follow(handle: JobHandle, offset: number, onData: (chunk: Buffer, offset: number) => void, signal?: AbortSignal): Promise<JobStatus> {
    let pos = offset;
    for (let failures = 0; ; ) {
      if (signal?.aborted) return { state: "running", exitCode: null, message: "follow aborted" };
      try {
        const st = await this.status(handle);
        const chunk = await this.readLog(handle, pos);
        if (chunk.data.length) {
          pos = chunk.offset;
          onData(chunk.data, pos);
        }
        if (st.state !== "running" && st.state !== "pending") return st;
        failures = 0;
      } catch (e) {
        if (++failures > 60) throw e;
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, this.pollMs);
        signal?.addEventListener("abort", () => (clearTimeout(t), r()));
      });
    }
  }

  async cancel(handle: JobHandle): Promise<void> {
    if (!handle.jobId) return;
    await this.run(`touch ${shq(`${handle.dir}/job.cancelled`)} 2>/dev/null; scancel ${handle.jobId}`);
    for (let i = 0; i < 50; i++) {
      const st = await this.status(handle);
      if (st.state !== "running" && st.state !== "pending") return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** GPUs the partition's nodes offer, from their gres (`gpu[:type]:N`). */
  async gpus(): Promise<GpuInventory> {
    const out = await this.run(`sinfo -h -N ${this.settings.partition ? `-p ${shq(this.settings.partition)}` : ""} -o '%N|%G'`);
    const gpus: GpuInfo[] = [];
    const nodes = new Set<string>();
    for (const line of out.split("\n")) {
      const [node, gres] = line.trim().split("|");
      if (!node || !gres || nodes.has(node)) continue;
      nodes.add(node);
      for (const g of gres.split(",")) {
        const m = /^gpu(?::([^:(]+))?:(\d+)/.exec(g.trim());
        if (!m) continue;
        for (let i = 0; i < Number(m[2]); i++) gpus.push({ index: i, name: `${m[1] ?? "gpu"} on ${node}` });
      }
    }
    if (!gpus.length) return { gpus, message: `no GPU (no gpu gres on ${this.settings.partition ?? "the default partition"})` };
    return { gpus, message: `${gpus.length} GPU(s) on ${nodes.size} node(s)` };
  }

  async testConnection(): Promise<ConnectionTest> {
    const t = await this.transport.testConnection();
    if (!t.ok) return t;
    const r = await this.exec("sinfo --version && sinfo -h -o '%P %a %D %t' | head -5");
    if (r.code !== 0) return { ok: false, message: `Connected, but Slurm does not answer: ${(r.stderr || r.stdout).trim().split("\n")[0] ?? ""}` };
    return { ok: true, message: `${r.stdout.trim().split("\n")[0]}; partitions: ${r.stdout.trim().split("\n").slice(1).join("; ")}`, latencyMs: t.latencyMs };
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
