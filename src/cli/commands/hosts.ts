/**
 * `agora hosts list | test | gpus | trust`: the hosts of a workspace hosts file, checked with the same Host
 * code the pipeline uses. The VS Code Hosts view calls `test` and `gpus` with `--json`, and `trust` after
 * the user accepted a host key fingerprint it showed them.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { acceptHostKey, createHost, HostConfigError, loadHostDefinitions, UnknownHostKeyError } from "../../hosts";
import { type CliCommand, type CliIo, UsageError } from "../command";

const DEFAULT_HOSTS_FILE = "agora.hosts.json";

function defsFrom(file: string | undefined, io: CliIo) {
  return loadHostDefinitions(resolve(io.cwd, file ?? DEFAULT_HOSTS_FILE));
}

export const hostsCommand: CliCommand = {
  name: "hosts",
  summary: "List hosts, test a connection, show a host's GPUs, trust a host key",
  usage: `agora hosts list [--hosts-file <file>] [--json]
agora hosts test <name> [--hosts-file <file>] [--json]
agora hosts gpus <name> [--hosts-file <file>] [--json]
agora hosts trust <name> --fingerprint SHA256:… [--fingerprint …] [--hosts-file <file>]

The hosts file defaults to ./${DEFAULT_HOSTS_FILE}. \`test\` connects (SSH host keys are checked against
known_hosts), runs a trivial command (for Slurm, sinfo too) and lists the GPUs as \`gpus\` does; an unknown host key is reported with its
fingerprint (exit 4) and is accepted only by \`trust\` with that exact fingerprint — check it with the host's
administrator first. \`gpus\` lists GPUs (nvidia-smi, or the Slurm partition's gres), or says "no GPU".
Exit codes: 0 ok, 1 failed, 4 unknown host key, 2 usage.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { "hosts-file": { type: "string" }, json: { type: "boolean", default: false }, fingerprint: { type: "string", multiple: true } },
    });
    const [sub, name] = positionals;
    let defs;
    try {
      defs = defsFrom(values["hosts-file"], io);
    } catch (e) {
      if (!(e instanceof HostConfigError)) throw e;
      io.out(values.json ? JSON.stringify({ ok: false, error: e.message }) : "");
      io.err(`error: ${e.message}`);
      return 1;
    }
    if (sub === "list") {
      if (values.json) io.out(JSON.stringify(defs));
      else for (const d of defs) io.out(`${d.name}\t${d.kind}${d.kind === "ssh" ? `\t${d.user}@${d.host}:${d.port}` : d.kind === "slurm" ? `\t${d.via ? `via ${d.via}` : "this machine"}${d.partition ? `, partition ${d.partition}` : ""}` : ""}`);
      return 0;
    }
    if (sub !== "test" && sub !== "gpus" && sub !== "trust") throw new UsageError(`Unknown sub-command "${sub ?? ""}".`);
    if (!name) throw new UsageError("Name a host.");
    let host;
    try {
      host = createHost(name, defs);
    } catch (e) {
      if (!(e instanceof HostConfigError)) throw e;
      io.out(values.json ? JSON.stringify({ ok: false, error: e.message }) : "");
      io.err(`error: ${e.message}`);
      return 1;
    }
    try {
      if (sub === "test") {
        // The GPUs come over the same connection: one command answers the Hosts view's Test Connection.
        const t = await host.testConnection();
        const gpus = t.ok ? await host.gpus() : undefined;
        if (values.json) io.out(JSON.stringify({ ...t, gpus }));
        else {
          (t.ok ? io.out : io.err)(`${name}: ${t.message}`);
          if (gpus) io.out(`${name}: ${gpus.message}`);
        }
        return t.ok ? 0 : t.hostKey?.state === "unknown" ? 4 : 1;
      }
      if (sub === "gpus") {
        const inv = await host.gpus();
        if (values.json) io.out(JSON.stringify(inv));
        else {
          io.out(`${name}: ${inv.message}`);
          for (const g of inv.gpus) io.out(`  ${g.index}: ${g.name}${g.memoryMiB ? ` (${g.memoryMiB} MiB)` : ""}`);
        }
        return 0;
      }
      // trust: accept exactly the keys whose fingerprints the user confirmed; a jump host chain may offer several.
      const wanted = new Set(values.fingerprint ?? []);
      if (wanted.size === 0) throw new UsageError("trust needs --fingerprint (as `agora hosts test` printed it).");
      for (let i = 0; i < 4; i++) {
        try {
          await host.exec("true");
          io.out(`${name}: host key trusted; connection ok`);
          return 0;
        } catch (e) {
          if (!(e instanceof UnknownHostKeyError)) throw e;
          if (!wanted.has(e.fingerprint)) {
            io.err(`${name}: the host offers ${e.keyType} ${e.fingerprint}, which is not the fingerprint you gave. Nothing was trusted.`);
            return 4;
          }
          acceptHostKey(e.knownHostsFile, e.host, e.port, e.key);
          io.out(`added ${e.keyType} ${e.fingerprint} for ${e.host}:${e.port} to ${e.knownHostsFile}`);
        }
      }
      return 1;
    } catch (e) {
      if (e instanceof UsageError) throw e;
      const message = e instanceof Error ? e.message : String(e);
      if (values.json) io.out(JSON.stringify({ ok: false, error: message }));
      io.err(`${name}: ${message}`);
      return 1;
    } finally {
      await host.close();
    }
  },
};
