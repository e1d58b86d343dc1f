/** Reads hosts files (`agora.hosts.json`) through VS Code's file system; `local` is always present. */
import * as vscode from "vscode";
import type { HostDefinition } from "../core/spec/hosts";

/** core/spec/hosts IMPLICIT_LOCAL_HOST, repeated so this module does not load zod at activation. */
const IMPLICIT_LOCAL_HOST: HostDefinition = { name: "local", kind: "local", maxJobs: 1 };

export interface HostsRead {
  uri: vscode.Uri;
  hosts: HostDefinition[];
  /** Set when the file exists but does not validate. */
  problem?: string;
  exists: boolean;
}

export async function readHostsFile(uri: vscode.Uri): Promise<HostsRead> {
  let text: string;
  try {
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return { uri, hosts: [IMPLICIT_LOCAL_HOST], exists: false };
  }
  const { validateHostsText } = await import("../core/spec/validate.js");
  const r = validateHostsText(text);
  if (!r.value) return { uri, hosts: [IMPLICIT_LOCAL_HOST], exists: true, problem: r.diagnostics[0]?.message ?? "invalid hosts file" };
  const hosts = r.value.hosts.some((h) => h.name === "local") ? r.value.hosts : [IMPLICIT_LOCAL_HOST, ...r.value.hosts];
  return { uri, hosts, exists: true };
}

export function readHostsFor(specUri: vscode.Uri, file: string): Promise<HostsRead> {
  return readHostsFile(vscode.Uri.joinPath(specUri, "..", file));
}

/** The hosts file of each workspace folder (`agorabench.hostsFile`). */
export async function readWorkspaceHosts(): Promise<HostsRead[]> {
  const out: HostsRead[] = [];
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    const rel = vscode.workspace.getConfiguration("agorabench", f.uri).get<string>("hostsFile", "agora.hosts.json");
    out.push(await readHostsFile(vscode.Uri.joinPath(f.uri, rel)));
  }
  return out;
}
