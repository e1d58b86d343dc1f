/**
 * The Host interface: where stage commands run. Three implementations — local processes (`local.ts`), SSH
 * through ssh2 (`ssh.ts`) and Slurm, locally or through an SSH login node (`slurm.ts`). Detached jobs are
 * folders on the host (`job.sh`, `job.log`, `job.pid`, `job.exit`), so a job outlives the client: a later
 * client reattaches from the handle persisted in the run folder and tails the log from a byte offset.
 */

import { homedir } from "node:os";
import { join } from "node:path";

export interface ExecOptions {
  /** Working folder on the host (a `cd` before the command; `~` is expanded). */
  cwd?: string;
  /** Extra environment, exported in front of the command (sshd usually refuses `setenv`). */
  env?: Record<string, string>;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Text written to the command's stdin, then closed. */
  stdin?: string;
  /** Aborting closes the channel / kills the local process. */
  signal?: AbortSignal;
}

export interface ExecResult {
  /** Exit code; null when the command died by a signal or the link dropped. */
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface GpuInfo {
  index: number;
  name: string;
  memoryMiB?: number;
  uuid?: string;
}

export interface GpuInventory {
  gpus: GpuInfo[];
  /** Human-readable summary: "2 × NVIDIA H100 80GB HBM3" or "no GPU (nvidia-smi not found)". */
  message: string;
}

export interface ConnectionTest {
  ok: boolean;
  message: string;
  /** Set when the connection failed on the host key: what to show the user before `agora hosts trust`. */
  hostKey?: { state: "unknown" | "changed"; host: string; port: number; keyType: string; fingerprint: string; knownHostsFile: string };
  /** Round trip of a trivial command, in milliseconds. */
  latencyMs?: number;
}

/** Slurm resources of one job; ignored by process hosts. */
export interface JobResources {
  gpus?: number;
  /** Array job: task indices 0..array-1 (`--array=0-N`), each task gets `$SLURM_ARRAY_TASK_ID`. */
  array?: number;
}

export interface JobSpec {
  /** Short job name (letters, digits, `._-`). */
  name: string;
  /** Absolute folder on the host for this job (created). */
  dir: string;
  /** The resolved stage command (bash), run from `dir`. */
  command: string;
  env?: Record<string, string>;
  /**
   * Secrets (API keys, HF_TOKEN) the job needs: sent over the connection's stdin to the shell that starts
   * the job and exported there, so they reach the job's environment without ever being written to a file
   * on the host, to a command line (`ps`) or to the run folder.
   */
  secretEnv?: Record<string, string>;
  resources?: JobResources;
}

/** What is persisted in the run folder to find a detached job again. */
export interface JobHandle {
  kind: "process" | "slurm";
  host: string;
  /** Job folder on the host. */
  dir: string;
  /** Process group leader (process hosts). */
  pid?: number;
  /** Slurm job id. */
  jobId?: string;
  /** Log file name inside `dir`. */
  log: string;
  startedAt: string;
}

export type JobState = "pending" | "running" | "finished" | "failed" | "cancelled" | "lost";

export interface JobStatus {
  state: JobState;
  /** Known once the job ended normally (`job.exit`). */
  exitCode: number | null;
  message?: string;
}

export interface TailChunk {
  data: Buffer;
  /** Offset after `data`: pass it to the next call. */
  offset: number;
}

export interface Host {
  readonly name: string;
  readonly kind: "local" | "ssh" | "slurm";
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  upload(localPath: string, remotePath: string): Promise<void>;
  download(remotePath: string, localPath: string): Promise<void>;
  /** Expands a leading `~` to the host's home folder. */
  resolvePath(path: string): Promise<string>;
  /** Writes a text file on the host (parent folders created), optionally with a `chmod` mode. */
  writeText(path: string, text: string, mode?: string): Promise<void>;
  startDetached(job: JobSpec): Promise<JobHandle>;
  status(handle: JobHandle): Promise<JobStatus>;
  /** Bytes of the job log from `offset` (what is there now). */
  readLog(handle: JobHandle, offset: number): Promise<TailChunk>;
  /**
   * Reattach: streams the log from `offset` until the job ends, then returns its final status. Survives
   * dropped links (reconnects and continues from the last byte received) until `signal` aborts.
   */
  follow(handle: JobHandle, offset: number, onData: (chunk: Buffer, offset: number) => void, signal?: AbortSignal): Promise<JobStatus>;
  /** Kills the job's whole process tree (process group) or `scancel`s the Slurm job. */
  cancel(handle: JobHandle): Promise<void>;
  gpus(): Promise<GpuInventory>;
  testConnection(): Promise<ConnectionTest>;
  close(): Promise<void>;
}

/** `~` and `~/…` on this machine (paths of key files, known_hosts, local work folders). */
export function expandHome(p: string): string {
  return p === "~" ? homedir() : p.startsWith("~/") ? join(homedir(), p.slice(2)) : p;
}

/** POSIX single-quote quoting for the shell. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function envPrefix(env: Record<string, string> | undefined): string {
  if (!env) return "";
  const parts = Object.entries(env).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`Invalid environment variable name: ${k}`);
    return `export ${k}=${shq(v)}; `;
  });
  return parts.join("");
}

/**
 * The stdin text and the shell prelude that export `secretEnv` in the shell starting a job: one
 * `NAME=value` line each, read with `read -r` (values may hold anything but a line break).
 */
export function secretEnvPrelude(secrets: Record<string, string> | undefined): { stdin: string; prelude: string } {
  const entries = Object.entries(secrets ?? {});
  if (entries.length === 0) return { stdin: "", prelude: "" };
  for (const [k, v] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`Invalid environment variable name: ${k}`);
    if (/[\r\n\0]/.test(v)) throw new Error(`The value of ${k} contains a line break; it cannot be passed to a job.`);
  }
  return {
    stdin: entries.map(([k, v]) => `${k}=${v}\n`).join(""),
    prelude: `while IFS= read -r __agora_kv; do case "$__agora_kv" in [A-Za-z_]*=*) export "$__agora_kv";; esac; done; unset __agora_kv; `,
  };
}

export class HostError extends Error {
  constructor(
    message: string,
    readonly host: string,
  ) {
    super(message);
    this.name = "HostError";
  }
}
