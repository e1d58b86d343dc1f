/**
 * The Hosts view: local, SSH and Slurm hosts of the workspace's hosts file with connection state, GPUs
 * and the runs on each. Test Connection (with the GPUs) goes through `agora hosts test <name> --json` (the
 * engine's host code, outside the extension host); Open Terminal opens `ssh -p PORT user@host`.
 * Nothing connects anywhere in an untrusted workspace.
 */
import * as vscode from "vscode";
import type { HostDefinition } from "../core/spec/hosts";
import { lastJsonLine, runCli } from "./engine-cli";
import { readWorkspaceHosts } from "./hosts-model";
import { runLabel } from "./runs-tree";
import { formatProgress } from "./run-format";
import type { RunView } from "./run-index";
import { runWatcher, type RunWatcher } from "./run-watcher";
import { canRun } from "./trust";

export type HostsNode =
  | { kind: "host"; name: string; hostsFile: vscode.Uri; host: HostDefinition }
  | { kind: "info"; name: string; label: string; description?: string; icon: string }
  | { kind: "job"; name: string; runDir: string };

interface HostState {
  state: "unknown" | "testing" | "connected" | "failed";
  message?: string;
  gpus?: string[];
}

/** A run uses a host for its engine (generation) or for its train/evaluate jobs. */
function runsOn(r: RunView, host: string): boolean {
  return (r.plan?.pipelineHost ?? r.host ?? "local") === host || (r.host ?? "local") === host;
}

interface HostTestResult {
  ok?: boolean;
  message?: string;
  error?: string;
  hostKey?: { state: "unknown" | "changed"; host: string; port: number; keyType: string; fingerprint: string; knownHostsFile: string };
  /** The host's GPUs, when the connection worked. */
  gpus?: { gpus: { name: string }[]; message: string };
}

const HOST_ICON: Record<HostDefinition["kind"], string> = { local: "vm", ssh: "remote", slurm: "server-environment" };

export class HostsTreeProvider implements vscode.TreeDataProvider<HostsNode> {
  private readonly emitter = new vscode.EventEmitter<HostsNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  readonly states = new Map<string, HostState>();

  constructor(private readonly watcher: RunWatcher) {
    watcher.onDidChange(() => this.emitter.fire(undefined));
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  async getChildren(node?: HostsNode): Promise<HostsNode[]> {
    if (!node) {
      const files = await readWorkspaceHosts();
      const seen = new Set<string>();
      const out: HostsNode[] = [];
      for (const f of files) {
        for (const h of f.hosts) {
          if (seen.has(h.name)) continue;
          seen.add(h.name);
          out.push({ kind: "host", name: h.name, hostsFile: f.uri, host: h });
        }
      }
      void vscode.commands.executeCommand("setContext", "agorabench.hasHostsFile", files.some((f) => f.exists));
      return out;
    }
    if (node.kind !== "host") return [];
    const st = this.states.get(node.name);
    const rows: HostsNode[] = [];
    const h = node.host;
    if (h.kind === "ssh") rows.push({ kind: "info", name: h.name, label: "address", description: `${h.user}@${h.host}:${h.port}`, icon: "link" });
    if (h.kind === "slurm") rows.push({ kind: "info", name: h.name, label: "slurm", description: [h.partition && `partition ${h.partition}`, `${h.gpusPerJob} GPU/job`, h.via && `via ${h.via}`].filter(Boolean).join(" · "), icon: "layers" });
    if (st?.gpus) rows.push({ kind: "info", name: h.name, label: "GPUs", description: st.gpus.length ? st.gpus.join(", ") : "none", icon: "chip" });
    for (const r of this.watcher.all()) {
      if (runsOn(r, node.name) && (r.state === "running" || r.state === "paused")) rows.push({ kind: "job", name: node.name, runDir: r.runDir });
    }
    return rows;
  }

  getTreeItem(node: HostsNode): vscode.TreeItem {
    if (node.kind === "host") {
      const st = this.states.get(node.name) ?? { state: node.host.kind === "local" ? "connected" : "unknown" };
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `host:${node.name}`;
      const jobs = this.watcher.all().filter((r) => runsOn(r, node.name) && r.state === "running").length;
      const stateText = st.state === "connected" ? (node.host.kind === "local" ? "this machine" : "connected") : st.state === "failed" ? "unreachable" : st.state === "testing" ? "testing…" : "not tested";
      item.description = `${node.host.kind} · ${stateText}${jobs ? ` · ${jobs} running` : ""}`;
      const color = st.state === "connected" ? "testing.iconPassed" : st.state === "failed" ? "testing.iconFailed" : undefined;
      item.iconPath = new vscode.ThemeIcon(HOST_ICON[node.host.kind], color ? new vscode.ThemeColor(color) : undefined);
      item.tooltip = st.message ?? `${node.host.kind} host from ${vscode.workspace.asRelativePath(node.hostsFile)}`;
      item.contextValue = `agorabench.host.${node.host.kind}`;
      return item;
    }
    if (node.kind === "info") {
      const item = new vscode.TreeItem(node.label);
      item.description = node.description;
      item.iconPath = new vscode.ThemeIcon(node.icon);
      item.contextValue = "agorabench.hostInfo";
      return item;
    }
    const v = this.watcher.get(node.runDir);
    const item = new vscode.TreeItem(v ? runLabel(v) : node.runDir);
    item.description = v ? formatProgress(v.summary) : undefined;
    item.iconPath = new vscode.ThemeIcon("sync~spin");
    item.contextValue = "agorabench.hostJob";
    item.command = { command: "agorabench.openRunLog", title: "Open Log", arguments: [{ runDir: node.runDir }] };
    return item;
  }
}

async function pickHost(): Promise<{ name: string; host: HostDefinition; hostsFile: vscode.Uri } | undefined> {
  const hosts = (await readWorkspaceHosts()).flatMap((f) => f.hosts.map((h) => ({ h, uri: f.uri })));
  const pick = await vscode.window.showQuickPick(hosts.map(({ h, uri }) => ({ label: h.name, description: h.kind, h, uri })), { title: "AgoraBench: Host" });
  return pick ? { name: pick.h.name, host: pick.h, hostsFile: pick.uri } : undefined;
}

const HOSTS_TEMPLATE = `{
  "$schema": "./node_modules/agorabench-studio/schemas/agora-hosts.schema.json",
  "hosts": [
    { "name": "local", "kind": "local" }
  ]
}
`;

const SNIPPETS: Record<string, string> = {
  ssh: '{ "name": "${1:gpu-box}", "kind": "ssh", "host": "${2:gpu-box.example.org}", "port": ${3:22}, "user": "${4:me}", "workDir": "${5:~/agorabench}" }',
  slurm: '{ "name": "${1:cluster}", "kind": "slurm", "via": "${2:login-node}", "partition": "${3:gpu}", "gpusPerJob": ${4:1}, "time": "${5:24:00:00}" }',
  local: '{ "name": "${1:local-gpu}", "kind": "local", "workDir": "${2:runs}" }',
};

export function registerHostsTree(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const watcher = runWatcher(context, log);
  const provider = new HostsTreeProvider(watcher);
  const hostsWatcher = vscode.workspace.createFileSystemWatcher("**/*.hosts.json");
  hostsWatcher.onDidChange(() => provider.refresh());
  hostsWatcher.onDidCreate(() => provider.refresh());
  hostsWatcher.onDidDelete(() => provider.refresh());
  context.subscriptions.push(
    hostsWatcher,
    vscode.window.createTreeView("agorabench.hosts", { treeDataProvider: provider }),
    vscode.commands.registerCommand("agorabench.refreshHosts", () => provider.refresh()),
    vscode.commands.registerCommand("agorabench.testHostConnection", async (node?: HostsNode) => {
      if (!canRun("connect to hosts")) return undefined;
      const target = node?.kind === "host" ? { name: node.name, host: node.host, hostsFile: node.hostsFile } : await pickHost();
      if (!target) return undefined;
      provider.states.set(target.name, { state: "testing" });
      provider.refresh();
      const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      const file = ["--hosts-file", target.hostsFile.fsPath];
      let test = await runCli(context, ["hosts", "test", target.name, ...file, "--json"], { cwd, timeoutMs: 30_000 });
      let res = lastJsonLine<HostTestResult>(test.stdout);
      // An unknown host key: show its fingerprint, and trust exactly that key only if the user says so.
      while (test.code === 4 && res?.hostKey?.state === "unknown") {
        const k = res.hostKey;
        const choice = await vscode.window.showWarningMessage(
          `AgoraBench: the authenticity of ${k.host}:${k.port} can't be established.`,
          {
            modal: true,
            detail: `${k.keyType} key fingerprint:\n${k.fingerprint}\n\nCompare it with the fingerprint the host's administrator gives you (ssh-keygen -lf on the host). Trusting adds it to ${k.knownHostsFile}.`,
          },
          "Trust Host Key",
        );
        if (choice !== "Trust Host Key") break;
        const trust = await runCli(context, ["hosts", "trust", target.name, ...file, "--fingerprint", k.fingerprint], { cwd, timeoutMs: 30_000 });
        if (trust.code !== 0) {
          log.error(`agora hosts trust ${target.name}: ${trust.stderr.trim()}`);
          break;
        }
        log.info(`host ${target.name}: trusted ${k.keyType} ${k.fingerprint} (${k.knownHostsFile})`);
        test = await runCli(context, ["hosts", "test", target.name, ...file, "--json"], { cwd, timeoutMs: 30_000 });
        res = lastJsonLine<HostTestResult>(test.stdout);
      }
      let state: HostState;
      if (test.code === 0 && res?.ok !== false) {
        state = { state: "connected", message: res?.message ?? "Connection test passed.", gpus: res?.gpus?.gpus.map((g) => g.name) };
      } else {
        const why = res?.error ?? res?.message ?? (test.stderr.trim().split("\n")[0] || `exit code ${test.code}`);
        state = { state: "failed", message: why };
      }
      provider.states.set(target.name, state);
      provider.refresh();
      log.info(`host ${target.name}: ${state.state}${state.message ? ` — ${state.message}` : ""}`);
      if (state.state === "failed") void vscode.window.showErrorMessage(`AgoraBench: ${target.name} is unreachable: ${state.message}`);
      else void vscode.window.showInformationMessage(`AgoraBench: ${target.name} is reachable${state.gpus ? ` (${state.gpus.length} GPU${state.gpus.length === 1 ? "" : "s"})` : ""}.`);
      return state;
    }),
    vscode.commands.registerCommand("agorabench.openHostTerminal", async (node?: HostsNode) => {
      if (!canRun("open host terminals")) return undefined;
      const target = node?.kind === "host" ? { name: node.name, host: node.host } : await pickHost();
      if (!target) return undefined;
      const h = target.host;
      let sshHost: HostDefinition | undefined = h.kind === "ssh" ? h : undefined;
      if (h.kind === "slurm" && h.via) sshHost = (await readWorkspaceHosts()).flatMap((f) => f.hosts).find((x) => x.name === h.via);
      if (sshHost?.kind === "ssh") {
        const args = ["-p", String(sshHost.port), ...(sshHost.identityFile ? ["-i", sshHost.identityFile] : []), `${sshHost.user}@${sshHost.host}`];
        const t = vscode.window.createTerminal({ name: `AgoraBench: ${target.name}`, shellPath: "ssh", shellArgs: args, iconPath: new vscode.ThemeIcon("remote") });
        t.show();
        return t;
      }
      const t = vscode.window.createTerminal({ name: `AgoraBench: ${target.name}`, cwd: vscode.workspace.workspaceFolders?.[0]?.uri, iconPath: new vscode.ThemeIcon("vm") });
      t.show();
      return t;
    }),
    vscode.commands.registerCommand("agorabench.addHost", async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (!folder) return undefined;
      const kind = await vscode.window.showQuickPick(
        [
          { label: "ssh", description: "A machine reached over SSH (host key checked)" },
          { label: "slurm", description: "A Slurm cluster, locally or through an SSH login node" },
          { label: "local", description: "Another local profile (e.g. a different work folder)" },
        ],
        { title: "AgoraBench: Add Host" },
      );
      if (!kind) return undefined;
      const rel = vscode.workspace.getConfiguration("agorabench", folder.uri).get<string>("hostsFile", "agora.hosts.json");
      const uri = vscode.Uri.joinPath(folder.uri, rel);
      try {
        await vscode.workspace.fs.stat(uri);
      } catch {
        await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(HOSTS_TEMPLATE));
      }
      const editor = await vscode.window.showTextDocument(uri);
      const text = editor.document.getText();
      const close = text.lastIndexOf("]");
      if (close < 0) return editor;
      const before = text.slice(0, close).trimEnd();
      const pos = editor.document.positionAt(before.length);
      const sep = before.endsWith("[") ? "\n    " : ",\n    ";
      await editor.insertSnippet(new vscode.SnippetString(sep + SNIPPETS[kind.label]), pos);
      return editor;
    }),
  );
}
