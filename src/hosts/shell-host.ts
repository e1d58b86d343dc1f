/**
 * What local and SSH hosts share: detached jobs, status, log tails, cancel and the GPU inventory are all
 * plain shell commands over `exec`, so both transports behave the same and a job started by one client is
 * found again by another. Job folder: `job.sh` (wrapper), `command.sh` (the stage command), `job.log`,
 * `job.pid` (process group leader), `job.exit` (exit code, written last), `job.cancelled` (marker).
 */
import { HostKeyMismatchError, UnknownHostKeyError } from "./known-hosts";
import type { ConnectionTest, ExecOptions, ExecResult, GpuInventory, Host, JobHandle, JobSpec, JobStatus, TailChunk } from "./types";
import { envPrefix, HostError, secretEnvPrelude, shq } from "./types";

/** command.sh: the job's command with its (non-secret) environment exported in front. */
export function commandScript(command: string, env: Record<string, string> | undefined): string {
  return `#!/usr/bin/env bash\n${envPrefix(env)}\n${command}\n`;
}

/** The wrapper: runs command.sh in its own session and records the exit code atomically. */
export function wrapperScript(extraHeader = "", dir?: string): string {
  // Under Slurm $0 is a spooled copy of the script, so the job folder is named explicitly there.
  return `#!/usr/bin/env bash
${extraHeader}cd ${dir ? shq(dir) : `"$(dirname "$0")"`} || exit 1
sfx="\${SLURM_ARRAY_TASK_ID:+.$SLURM_ARRAY_TASK_ID}"
echo $$ > "job.pid$sfx"
bash ./command.sh
code=$?
echo "$code" > "job.exit$sfx.tmp" && mv "job.exit$sfx.tmp" "job.exit$sfx"
exit "$code"
`;
}

export function parseNvidiaSmi(csv: string): GpuInventory {
  const gpus = csv
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.split(",").map((x) => x.trim()))
    .filter((p) => p.length >= 2 && /^\d+$/.test(p[0]!))
    .map((p) => ({ index: Number(p[0]), name: p[1]!, memoryMiB: p[2] && /^\d+/.test(p[2]) ? Number.parseInt(p[2], 10) : undefined, uuid: p[3] || undefined }));
  if (gpus.length === 0) return { gpus, message: "no GPU (nvidia-smi lists none)" };
  const names = [...new Set(gpus.map((g) => g.name))];
  return { gpus, message: names.map((n) => `${gpus.filter((g) => g.name === n).length} × ${n}`).join(", ") };
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });

export abstract class ShellHost implements Host {
  abstract readonly name: string;
  abstract readonly kind: "local" | "ssh";
  /** Poll interval while following a job whose log is idle. */
  pollMs = 500;
  private home?: string;

  abstract exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  abstract upload(localPath: string, remotePath: string): Promise<void>;
  abstract download(remotePath: string, localPath: string): Promise<void>;
  abstract close(): Promise<void>;

  /** Runs a command and throws a HostError when it fails. */
  async run(command: string, opts?: ExecOptions): Promise<string> {
    const r = await this.exec(command, opts);
    if (r.code !== 0) throw new HostError(`${this.name}: \`${command.slice(0, 120)}\` failed (exit ${r.code ?? r.signal ?? "?"}): ${r.stderr.trim().slice(0, 500)}`, this.name);
    return r.stdout;
  }

  async resolvePath(path: string): Promise<string> {
    if (path !== "~" && !path.startsWith("~/")) return path;
    this.home ??= (await this.run("cd ~ && pwd")).trim();
    return path === "~" ? this.home : `${this.home}/${path.slice(2)}`;
  }

  /** Writes a file on the host from a string (heredoc-free: through stdin). */
  async writeText(path: string, text: string, mode?: string): Promise<void> {
    await this.run(`mkdir -p "$(dirname ${shq(path)})" && cat > ${shq(path)}${mode ? ` && chmod ${mode} ${shq(path)}` : ""}`, { stdin: text });
  }

  async startDetached(job: JobSpec): Promise<JobHandle> {
    const dir = await this.resolvePath(job.dir);
    await this.writeText(`${dir}/command.sh`, commandScript(job.command, job.env), "755");
    await this.writeText(`${dir}/job.sh`, wrapperScript(), "755");
    // `cd DIR || exit 1; …&` (not `cd && …&`): otherwise the whole list is backgrounded in a subshell that
    // holds the channel open until the job ends (test-services.md).
    const secrets = secretEnvPrelude(job.secretEnv);
    const out = await this.run(`cd ${shq(dir)} || exit 1; ${secrets.prelude}rm -f job.exit job.cancelled job.pid; setsid nohup ./job.sh > job.log 2>&1 < /dev/null & echo $!`, { stdin: secrets.stdin });
    const pid = Number.parseInt(out.trim().split("\n").pop() ?? "", 10);
    if (!Number.isFinite(pid) || pid <= 0) throw new HostError(`${this.name}: could not start ${job.name} (no pid: ${out.trim()})`, this.name);
    return { kind: "process", host: this.name, dir, pid, log: "job.log", startedAt: new Date().toISOString() };
  }

  async status(handle: JobHandle): Promise<JobStatus> {
    const out = await this.run(
      `cd ${shq(handle.dir)} 2>/dev/null || { echo gone; exit 0; }
if [ -f job.exit ]; then echo "exit $(cat job.exit)"; exit 0; fi
s=$(ps -o stat= -p ${handle.pid ?? 0} 2>/dev/null | tr -d ' ')
case "$s" in ''|Z*) if [ -f job.exit ]; then echo "exit $(cat job.exit)"; elif [ -f job.cancelled ]; then echo cancelled; else echo dead; fi;; *) echo running;; esac`,
    );
    return parseStatusLine(out.trim());
  }

  async readLog(handle: JobHandle, offset: number): Promise<TailChunk> {
    const chunks: Buffer[] = [];
    const r = await this.exec(`tail -c +${offset + 1} ${shq(`${handle.dir}/${handle.log}`)} 2>/dev/null || true`, { onStdout: (c) => chunks.push(c) });
    if (r.code !== 0) throw new HostError(`${this.name}: cannot read ${handle.log} (exit ${r.code})`, this.name);
    const data = Buffer.concat(chunks);
    return { data, offset: offset + data.length };
  }

  async follow(handle: JobHandle, offset: number, onData: (chunk: Buffer, offset: number) => void, signal?: AbortSignal): Promise<JobStatus> {
    let pos = offset;
    const deliver = (c: Buffer): void => {
      pos += c.length;
      onData(c, pos);
    };
    for (let failures = 0; ; ) {
      if (signal?.aborted) return { state: "running", exitCode: null, message: "follow aborted" };
      try {
        // One streaming `tail -f` that ends once the job has ended; a drop just loops to reconnect. Not
        // `tail --pid`: an ended job stays a zombie until init reaps it (seconds on some machines), and a
        // zombie counts as alive for `--pid`. The wrapper's job.exit (or a dead/zombie leader) ends it; what
        // the log got after tail stopped is read below from the byte offset.
        if (handle.pid) {
          await this.exec(
            `cd ${shq(handle.dir)} || exit 0; tail -c +${pos + 1} -s 0.2 --pid=$$ -f ${shq(handle.log)} 2>/dev/null & t=$!; ` +
              `while [ ! -f job.exit ]; do s=$(ps -o stat= -p ${handle.pid} 2>/dev/null | tr -d ' '); case "$s" in ''|Z*) break;; esac; sleep 0.2; done; ` +
              `sleep 0.3; kill $t 2>/dev/null; wait $t 2>/dev/null; exit 0`,
            { onStdout: deliver, signal },
          );
        }
        if (signal?.aborted) return { state: "running", exitCode: null, message: "follow aborted" };
        const st = await this.status(handle);
        if (st.state === "running" || st.state === "pending") {
          if (!handle.pid) await sleep(this.pollMs, signal);
          continue;
        }
        // Whatever the log got between the tail ending and now.
        const rest = await this.readLog(handle, pos);
        if (rest.data.length) deliver(rest.data);
        return st;
      } catch (e) {
        if (signal?.aborted) return { state: "running", exitCode: null, message: "follow aborted" };
        if (++failures > 60) throw e;
        await sleep(Math.min(5000, 200 * failures), signal);
      }
    }
  }

  async cancel(handle: JobHandle): Promise<void> {
    if (!handle.pid) return;
    // The job is its own session and process group (setsid): one signal reaches the whole tree.
    await this.run(
      `cd ${shq(handle.dir)} 2>/dev/null && touch job.cancelled; kill -TERM -- -${handle.pid} 2>/dev/null; for i in $(seq 1 50); do s=$(ps -o stat= -p ${handle.pid} 2>/dev/null | tr -d ' '); case "$s" in ''|Z*) exit 0;; esac; sleep 0.1; done; kill -KILL -- -${handle.pid} 2>/dev/null; exit 0`,
    );
  }

  async gpus(): Promise<GpuInventory> {
    const r = await this.exec("command -v nvidia-smi >/dev/null 2>&1 || { echo NO_NVIDIA_SMI; exit 0; }; nvidia-smi --query-gpu=index,name,memory.total,uuid --format=csv,noheader,nounits");
    if (r.stdout.includes("NO_NVIDIA_SMI")) return { gpus: [], message: "no GPU (nvidia-smi not found)" };
    if (r.code !== 0) return { gpus: [], message: `no GPU (nvidia-smi failed: ${(r.stderr || r.stdout).trim().split("\n")[0] ?? ""})` };
    return parseNvidiaSmi(r.stdout);
  }

  async testConnection(): Promise<ConnectionTest> {
    const t0 = Date.now();
    try {
      const out = await this.run("echo agora-ok; uname -sn");
      const latencyMs = Date.now() - t0;
      return { ok: out.includes("agora-ok"), message: `${this.kind === "local" ? "This machine" : "Connected"}: ${out.split("\n")[1]?.trim() ?? ""} (${latencyMs} ms)`, latencyMs };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof UnknownHostKeyError || e instanceof HostKeyMismatchError) {
        const { host, port, keyType, fingerprint, knownHostsFile } = e;
        return { ok: false, message, hostKey: { state: e instanceof UnknownHostKeyError ? "unknown" : "changed", host, port, keyType, fingerprint, knownHostsFile } };
      }
      return { ok: false, message };
    }
  }
}

export function parseStatusLine(line: string): JobStatus {
  const m = /^exit (-?\d+)/.exec(line);
  if (m) {
    const code = Number(m[1]);
    return { state: code === 0 ? "finished" : "failed", exitCode: code };
  }
  if (line === "running") return { state: "running", exitCode: null };
  if (line === "cancelled") return { state: "cancelled", exitCode: null, message: "cancelled" };
  if (line === "gone") return { state: "lost", exitCode: null, message: "the job folder no longer exists on the host" };
  return { state: "lost", exitCode: null, message: "the job's process ended without an exit code (killed?)" };
}
