/** This machine: commands through `bash -c`, files by copy. */
import { spawn } from "node:child_process";
import { copyFile, mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname } from "node:path";
import { ShellHost } from "./shell-host";
import type { ExecOptions, ExecResult } from "./types";
import { envPrefix, shq } from "./types";

export class LocalHost extends ShellHost {
  readonly kind = "local" as const;
  constructor(
    readonly name: string = "local",
    private readonly baseEnv: Record<string, string> = {},
  ) {
    super();
  }

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const env = { ...this.baseEnv, ...opts.env };
    const cwd = opts.cwd ? `cd ${opts.cwd.startsWith("~/") ? `"$HOME"/${shq(opts.cwd.slice(2))}` : shq(opts.cwd)} || exit 1; ` : "";
    const full = `${envPrefix(Object.keys(env).length ? env : undefined)}${cwd}${command}`;
    return new Promise((resolve, reject) => {
      const child = spawn("bash", ["-c", full], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, HOME: process.env.HOME ?? homedir() } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        if (opts.onStdout) opts.onStdout(d);
        else stdout += d.toString();
      });
      child.stderr.on("data", (d: Buffer) => {
        opts.onStderr?.(d);
        stderr += d.toString();
      });
      const onAbort = (): void => void child.kill("SIGTERM");
      opts.signal?.addEventListener("abort", onAbort);
      child.on("error", reject);
      child.on("close", (code, signal) => {
        opts.signal?.removeEventListener("abort", onAbort);
        resolve({ code, signal: signal ?? undefined, stdout, stderr });
      });
      child.stdin.on("error", () => undefined);
      child.stdin.end(opts.stdin ?? "");
    });
  }

  async upload(localPath: string, remotePath: string): Promise<void> {
    const to = await this.resolvePath(remotePath);
    await mkdir(dirname(to), { recursive: true });
    if (to !== localPath) await copyFile(localPath, to);
  }

  async download(remotePath: string, localPath: string): Promise<void> {
    const from = await this.resolvePath(remotePath);
    await mkdir(dirname(localPath), { recursive: true });
    if (from !== localPath) await copyFile(from, localPath);
  }

  async close(): Promise<void> {
    // nothing held open
  }
}
