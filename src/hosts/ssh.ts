/**
 * A machine reached over SSH (ssh2, pure JS). Authentication: the SSH agent (`SSH_AUTH_SOCK`) and/or a
 * private key file (default ~/.ssh/id_ed25519, then id_rsa). The host key is verified against known_hosts
 * (hashed entries too); unknown and changed keys become typed errors, never a silent accept. The connection
 * is opened lazily and re-opened after a drop, so `follow` survives a dropped link. Optional jump host.
 */
import { existsSync, readFileSync } from "node:fs";
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from "ssh2";
import { checkKnownHostsFile, fingerprint, HostKeyMismatchError, keyType, UnknownHostKeyError } from "./known-hosts";
import { ShellHost } from "./shell-host";
import type { ExecOptions, ExecResult } from "./types";
import { envPrefix, expandHome, HostError, shq } from "./types";

export interface SshHostOptions {
  name: string;
  host: string;
  port?: number;
  user: string;
  identityFile?: string;
  knownHostsFile?: string;
  /** Connect through this host (like ProxyJump). */
  jump?: SshHost;
  env?: Record<string, string>;
  /** Use the agent at this socket (default: `SSH_AUTH_SOCK`; `false` disables it). */
  agent?: string | false;
  readyTimeoutMs?: number;
}


export class SshHost extends ShellHost {
  readonly kind = "ssh" as const;
  readonly name: string;
  private conn?: Promise<Client>;
  private client?: Client;
  private sftpP?: Promise<SFTPWrapper>;

  constructor(readonly options: SshHostOptions) {
    super();
    this.name = options.name;
  }

  get knownHostsFile(): string {
    return expandHome(this.options.knownHostsFile ?? "~/.ssh/known_hosts");
  }

  private connectConfig(): ConnectConfig {
    const o = this.options;
    const cfg: ConnectConfig = { host: o.host, port: o.port ?? 22, username: o.user, readyTimeout: o.readyTimeoutMs ?? 20_000, keepaliveInterval: 5_000, keepaliveCountMax: 3 };
    const agent = o.agent === false ? undefined : (o.agent ?? process.env.SSH_AUTH_SOCK);
    if (agent) cfg.agent = agent;
    const keyFiles = o.identityFile ? [expandHome(o.identityFile)] : ["~/.ssh/id_ed25519", "~/.ssh/id_rsa", "~/.ssh/id_ecdsa"].map(expandHome).filter(existsSync);
    if (o.identityFile && !existsSync(keyFiles[0]!)) throw new HostError(`${this.name}: identity file ${o.identityFile} not found.`, this.name);
    if (keyFiles[0]) cfg.privateKey = readFileSync(keyFiles[0]);
    if (!cfg.agent && !cfg.privateKey) throw new HostError(`${this.name}: no SSH agent (SSH_AUTH_SOCK) and no private key (set identityFile).`, this.name);
    return cfg;
  }

  /** The live connection, opened on first use and after a drop. */
  connect(): Promise<Client> {
    if (this.conn) return this.conn;
    const attempt = this.open();
    this.conn = attempt;
    attempt.catch(() => {
      if (this.conn === attempt) this.conn = undefined;
    });
    return attempt;
  }

  private async open(): Promise<Client> {
    const cfg = this.connectConfig();
    const host = this.options.host;
    const port = this.options.port ?? 22;
    if (this.options.jump) {
      const jumpConn = await this.options.jump.connect();
      cfg.sock = await new Promise<ClientChannel>((resolve, reject) => jumpConn.forwardOut("127.0.0.1", 0, host, port, (err, stream) => (err ? reject(new HostError(`${this.name}: jump host ${this.options.jump!.name} could not reach ${host}:${port}: ${err.message}`, this.name)) : resolve(stream))));
    }
    let keyError: Error | undefined;
    const knownHosts = this.knownHostsFile;
    cfg.hostVerifier = (key: Buffer): boolean => {
      const verdict = checkKnownHostsFile(knownHosts, host, port, key);
      if (verdict.kind === "trusted") return true;
      const fp = fingerprint(key);
      keyError =
        verdict.kind === "unknown"
          ? new UnknownHostKeyError(host, port, keyType(key), fp, knownHosts, Buffer.from(key))
          : new HostKeyMismatchError(host, port, keyType(key), fp, knownHosts, verdict.line, verdict.kind === "revoked");
      return false;
    };
    const client = new Client();
    return new Promise<Client>((resolve, reject) => {
      let ready = false;
      client.on("ready", () => {
        ready = true;
        this.client = client;
        resolve(client);
      });
      client.on("error", (err) => {
        if (!ready) reject(keyError ?? new HostError(`${this.name}: cannot connect to ${this.options.user}@${host}:${port}: ${err.message}`, this.name));
      });
      client.on("close", () => {
        if (this.client === client) {
          this.client = undefined;
          this.conn = undefined;
          this.sftpP = undefined;
        }
        if (!ready) reject(keyError ?? new HostError(`${this.name}: connection to ${host}:${port} closed during the handshake`, this.name));
      });
      client.connect(cfg);
    });
  }

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const env = { ...this.options.env, ...opts.env };
    const cwd = opts.cwd ? `cd ${opts.cwd.startsWith("~/") ? `"$HOME"/${shq(opts.cwd.slice(2))}` : shq(opts.cwd)} || exit 1; ` : "";
    const full = `${envPrefix(Object.keys(env).length ? env : undefined)}${cwd}${command}`;
    return this.connect().then(
      (client) =>
        new Promise<ExecResult>((resolve, reject) => {
          client.exec(full, (err, ch) => {
            if (err) {
              // A channel refused on a dying connection: drop it so the next call reconnects.
              this.dropConnection();
              reject(new HostError(`${this.name}: exec failed: ${err.message}`, this.name));
              return;
            }
            let stdout = "";
            let stderr = "";
            let code: number | null = null;
            let sig: string | undefined;
            let settled = false;
            const onAbort = (): void => {
              // sshd only confirms the close once the remote command ends (a `tail -f` may never end by
              // itself), so ask it to signal the command and settle now instead of waiting for the close.
              try {
                ch.signal("TERM");
              } catch {
                // older servers ignore signal requests; the close below still detaches us
              }
              ch.close();
              if (!settled) {
                settled = true;
                resolve({ code: null, signal: "aborted", stdout, stderr });
              }
            };
            if (opts.signal?.aborted) onAbort();
            else opts.signal?.addEventListener("abort", onAbort);
            ch.on("data", (d: Buffer) => {
              if (opts.onStdout) opts.onStdout(d);
              else stdout += d.toString();
            });
            ch.stderr.on("data", (d: Buffer) => {
              opts.onStderr?.(d);
              stderr += d.toString();
            });
            ch.on("exit", (c: number | null, s?: string) => {
              code = c;
              sig = s ?? undefined;
            });
            ch.on("close", () => {
              opts.signal?.removeEventListener("abort", onAbort);
              if (!settled) {
                settled = true;
                resolve({ code, signal: sig, stdout, stderr });
              }
            });
            ch.end(opts.stdin ?? "");
          });
        }),
    );
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpP ??= this.connect().then((c) => new Promise<SFTPWrapper>((resolve, reject) => c.sftp((err, s) => (err ? reject(new HostError(`${this.name}: SFTP unavailable: ${err.message}`, this.name)) : resolve(s)))));
    this.sftpP.catch(() => (this.sftpP = undefined));
    return this.sftpP;
  }

  async upload(localPath: string, remotePath: string): Promise<void> {
    const to = await this.resolvePath(remotePath);
    await this.run(`mkdir -p "$(dirname ${shq(to)})"`);
    const s = await this.sftp();
    await new Promise<void>((resolve, reject) => s.fastPut(localPath, to, (err) => (err ? reject(new HostError(`${this.name}: upload to ${to} failed: ${err.message}`, this.name)) : resolve())));
  }

  async download(remotePath: string, localPath: string): Promise<void> {
    const from = await this.resolvePath(remotePath);
    const { mkdir } = await import("node:fs/promises");
    const { dirname } = await import("node:path");
    await mkdir(dirname(localPath), { recursive: true });
    const s = await this.sftp();
    await new Promise<void>((resolve, reject) => s.fastGet(from, localPath, (err) => (err ? reject(new HostError(`${this.name}: download of ${from} failed: ${err.message}`, this.name)) : resolve())));
  }

  /** Closes the transport abruptly (as a network drop would); the next call reconnects. */
  dropConnection(): void {
    const c = this.client;
    this.client = undefined;
    this.conn = undefined;
    this.sftpP = undefined;
    c?.destroy();
  }

  /** The shell command that opens an interactive terminal on this host (for the extension). */
  terminalCommand(): { command: string; args: string[] } {
    const o = this.options;
    const args = ["-p", String(o.port ?? 22)];
    if (o.identityFile) args.push("-i", expandHome(o.identityFile));
    if (o.knownHostsFile) args.push("-o", `UserKnownHostsFile=${expandHome(o.knownHostsFile)}`);
    if (o.jump) args.push("-J", `${o.jump.options.user}@${o.jump.options.host}:${o.jump.options.port ?? 22}`);
    args.push(`${o.user}@${o.host}`);
    return { command: "ssh", args };
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    this.conn = undefined;
    this.sftpP = undefined;
    c?.end();
  }
}
