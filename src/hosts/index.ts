/**
 * Hosts from the workspace hosts file (`agora.hosts.json`, model in src/core/spec/hosts.ts) → live Host
 * objects. This is the API the CLI (`agora hosts test|gpus`), the pipeline and the extension use.
 */
import { existsSync, readFileSync } from "node:fs";
import { parse as parseJsonc, type ParseError } from "jsonc-parser";
import { type HostDefinition, HostsFile, IMPLICIT_LOCAL_HOST } from "../core/spec/hosts";
import { LocalHost } from "./local";
import type { ShellHost } from "./shell-host";
import { SlurmHost } from "./slurm";
import { SshHost } from "./ssh";
import type { Host } from "./types";

export * from "./types";
export { acceptHostKey, checkKnownHosts, fingerprint, HostKeyMismatchError, UnknownHostKeyError } from "./known-hosts";
export { LocalHost } from "./local";
export { SshHost } from "./ssh";
export { SlurmHost, sbatchScript } from "./slurm";
export { ShellHost } from "./shell-host";

export class HostConfigError extends Error {}

/** Reads and validates a hosts file; a missing file means "only the implicit `local` host". */
export function loadHostDefinitions(file: string | undefined): HostDefinition[] {
  const defs: HostDefinition[] = [];
  if (file && existsSync(file)) {
    const errors: ParseError[] = [];
    const raw: unknown = parseJsonc(readFileSync(file, "utf8"), errors, { allowTrailingComma: true });
    if (errors.length) throw new HostConfigError(`${file}: not valid JSON (offset ${errors[0]!.offset}).`);
    const parsed = HostsFile.safeParse(raw);
    if (!parsed.success) throw new HostConfigError(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    defs.push(...parsed.data.hosts);
  }
  if (!defs.some((d) => d.name === "local")) defs.push(IMPLICIT_LOCAL_HOST);
  return defs;
}

/** Builds the Host named `name`; jump hosts and Slurm `via` hosts are resolved in the same definitions. */
export function createHost(name: string, defs: readonly HostDefinition[], seen: string[] = []): Host {
  const def = defs.find((d) => d.name === name);
  if (!def) throw new HostConfigError(`Host "${name}" is not defined in the hosts file (known: ${defs.map((d) => d.name).join(", ")}).`);
  if (seen.includes(name)) throw new HostConfigError(`Host "${name}": jumpHost/via loop (${[...seen, name].join(" → ")}).`);
  switch (def.kind) {
    case "local":
      return new LocalHost(def.name, def.env);
    case "ssh": {
      const jump = def.jumpHost ? createHost(def.jumpHost, defs, [...seen, name]) : undefined;
      if (jump && !(jump instanceof SshHost)) throw new HostConfigError(`Host "${name}": jumpHost "${def.jumpHost}" must be an ssh host.`);
      return new SshHost({ name: def.name, host: def.host, port: def.port, user: def.user, identityFile: def.identityFile, knownHostsFile: def.knownHostsFile, jump, env: def.env });
    }
    case "slurm": {
      let transport: ShellHost = new LocalHost(`${def.name}-login`);
      if (def.via) {
        const via = createHost(def.via, defs, [...seen, name]);
        if (!(via instanceof SshHost)) throw new HostConfigError(`Host "${name}": via "${def.via}" must be an ssh host.`);
        transport = via;
      }
      return new SlurmHost(def.name, transport, def, def.env);
    }
  }
}

/** The work folder stages use on a host (default `~/agorabench` for remote hosts). */
export function hostWorkDir(name: string, defs: readonly HostDefinition[]): string | undefined {
  return defs.find((d) => d.name === name)?.workDir;
}
