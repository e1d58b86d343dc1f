/**
 * "AgoraBench: Run Setting" and "AgoraBench: Estimate Cost". Quick picks for spec → setting →
 * generator(s) → stages → host (the host only when train/evaluate run; remembering the last choice), a
 * cost estimate with confirmation above a threshold, then a detached engine started through the CLI. Reachable from the palette, the code lens
 * ({specUri, settingIndex, settingId}) and the Experiments tree.
 */
import { dirname } from "node:path";
import * as vscode from "vscode";
import type { ExperimentSpec, SettingSpec } from "../core/spec/model";
import type { SeedStats } from "../core/models";
import { catalogFrom, type CostEstimate, estimateSettingCost, seedStatsFromText } from "./cost-estimate";
import { type DetachedRun, lastJsonLine, redact, runCli } from "./engine-cli";
import { readHostsFor } from "./hosts-model";
import { formatUsd, settingIdOf as settingId } from "./run-format";
import { runWatcher } from "./run-watcher";
import { keyEnvironment, storedKeyValues } from "./secrets";
import { readSpec, type SpecEntry, specCatalog } from "./spec-catalog";
import { canRun } from "./trust";

/** What the code lens, the tree and tests may pass; anything missing is asked for. */
export interface RunSettingArgs {
  specUri?: vscode.Uri | string;
  settingIndex?: number;
  settingId?: string;
  generators?: string[];
  generator?: string;
  host?: string;
  /** `generate` (default), `all`, or a comma-separated stage list as `agora run --stages` takes it. */
  stages?: string;
  /** Skip the cost confirmation (tests, or a caller that already confirmed). */
  confirmed?: boolean;
}

interface LastChoice {
  spec: string;
  setting: string;
  generators: string[];
  host: string;
  stages?: string;
}
const LAST_KEY = "agorabench.lastRunChoice";

const toUri = (u: vscode.Uri | string): vscode.Uri => (typeof u === "string" ? (u.includes("://") ? vscode.Uri.parse(u) : vscode.Uri.file(u)) : u);

async function pickSpec(last: LastChoice | undefined): Promise<SpecEntry | undefined> {
  const specs = (await specCatalog().specs()).filter((s) => s.spec);
  if (specs.length === 0) {
    void vscode.window.showWarningMessage("AgoraBench: no valid experiment spec (*.agora.json) in this workspace.");
    return undefined;
  }
  if (specs.length === 1) return specs[0];
  const items = specs.map((s) => ({
    label: s.label,
    description: vscode.workspace.asRelativePath(s.uri),
    detail: last?.spec === s.uri.toString() ? "last used" : undefined,
    entry: s,
  }));
  items.sort((a, b) => Number(b.detail === "last used") - Number(a.detail === "last used"));
  return (await vscode.window.showQuickPick(items, { title: "AgoraBench: Run Setting (1/5) — spec", placeHolder: "Experiment spec" }))?.entry;
}

async function pickSetting(spec: ExperimentSpec, last: LastChoice | undefined): Promise<SettingSpec | undefined> {
  if (spec.settings.length === 1) return spec.settings[0];
  const items = spec.settings.map((s) => ({
    label: settingId(s),
    description: `${s.domain} · ${s.method.replace(/_/g, " ")}`,
    detail: `${s.instances} instances · seed ${s.seed.file}${last?.setting === settingId(s) ? " · last used" : ""}`,
    setting: s,
  }));
  const active = items.find((i) => i.label === last?.setting);
  const qp = vscode.window.createQuickPick<(typeof items)[number]>();
  qp.title = "AgoraBench: Run Setting (2/5) — setting";
  qp.placeholder = "Setting (domain × method)";
  qp.items = items;
  if (active) qp.activeItems = [active];
  return pickOne(qp).then((i) => i?.setting);
}

function pickOne<T extends vscode.QuickPickItem>(qp: vscode.QuickPick<T>): Promise<T | undefined> {
  return new Promise((resolve) => {
    qp.onDidAccept(() => {
      resolve(qp.selectedItems[0] ?? qp.activeItems[0]);
      qp.hide();
    });
    qp.onDidHide(() => {
      resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}

async function pickGenerators(spec: ExperimentSpec, setting: SettingSpec, last: LastChoice | undefined): Promise<string[] | undefined> {
  const own = setting.generators ?? spec.generators.map((g) => g.id);
  if (own.length === 1) return own;
  const remembered = last?.setting === settingId(setting) ? last.generators.filter((g) => own.includes(g)) : [];
  const selected = new Set(remembered.length ? remembered : own);
  const items = own.map((id) => {
    const g = spec.generators.find((x) => x.id === id);
    return { label: id, description: g ? `${g.provider} · ${g.model}` : undefined, picked: selected.has(id) };
  });
  const picks = await vscode.window.showQuickPick(items, {
    title: "AgoraBench: Run Setting (3/5) — generators",
    placeHolder: "Generators to run (space toggles, Enter confirms)",
    canPickMany: true,
  });
  if (!picks || picks.length === 0) return undefined;
  return picks.map((p) => p.label);
}

const STAGE_CHOICES = [
  { label: "Generate data", description: "generate", detail: "API calls from this machine; resumable, never paid twice", stages: "generate" },
  {
    label: "Full pipeline",
    description: "generate → prepare → train → evaluate → score",
    detail: "Train the student, evaluate base, reference and student on a host, compute PGR",
    stages: "all",
  },
  { label: "Generate and train", description: "generate → prepare → train", detail: "Stop after training (evaluate later with Resume)", stages: "generate,prepare,train" },
];

/** Whether a stage list runs anything on a host (train / evaluate); generation always runs here. */
export const usesHost = (stages: string): boolean => stages === "all" || /\b(train|evaluate)\b/.test(stages);

async function pickStages(last: LastChoice | undefined): Promise<string | undefined> {
  const qp = vscode.window.createQuickPick<(typeof STAGE_CHOICES)[number]>();
  qp.title = "AgoraBench: Run Setting (4/5) — stages";
  qp.placeholder = "What to run";
  qp.items = STAGE_CHOICES;
  const active = STAGE_CHOICES.find((c) => c.stages === last?.stages);
  if (active) qp.activeItems = [active];
  return pickOne(qp).then((i) => i?.stages);
}

async function pickHost(entry: SpecEntry, last: LastChoice | undefined): Promise<string | undefined> {
  const spec = entry.spec!;
  const hosts = await readHostsFor(entry.uri, spec.hosts.file);
  if (hosts.hosts.length === 1) return hosts.hosts[0]!.name;
  const preferred = (last?.spec === entry.uri.toString() ? last.host : undefined) ?? spec.student.host ?? spec.hosts.default;
  const items = hosts.hosts.map((h) => ({
    label: h.name,
    description: h.kind === "ssh" ? `ssh ${h.user}@${h.host}:${h.port}` : h.kind === "slurm" ? `slurm${h.partition ? ` · ${h.partition}` : ""}${h.via ? ` via ${h.via}` : ""}` : "this machine",
    detail: h.name === preferred ? "default for this spec" : undefined,
  }));
  items.sort((a, b) => Number(b.label === preferred) - Number(a.label === preferred));
  return (await vscode.window.showQuickPick(items, { title: "AgoraBench: Run Setting (5/5) — host", placeHolder: "Host for train and evaluate (generation runs here)" }))?.label;
}

/** The seed file's statistics for the estimate (the language server's hover uses the same ones). */
async function seedStats(specUri: vscode.Uri, setting: SettingSpec): Promise<SeedStats | undefined> {
  try {
    const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(specUri, "..", setting.seed.file));
    return seedStatsFromText(new TextDecoder().decode(bytes), setting);
  } catch {
    return undefined;
  }
}

const userCatalog = () => catalogFrom(vscode.workspace.getConfiguration("agorabench").get<unknown>("models"));

export function describeEstimate(est: CostEstimate): string {
  const parts = est.perGenerator.map((g) => `${g.generator}: ${g.usd === undefined ? "price unknown" : `~${formatUsd(g.usd)}`} (${g.items} items)`);
  return `~${formatUsd(est.totalUsd)}${est.incomplete ? "+" : ""} — ${parts.join("; ")}`;
}

async function resolveTarget(args: RunSettingArgs | undefined, last: LastChoice | undefined): Promise<{ entry: SpecEntry; setting: SettingSpec } | undefined> {
  let entry: SpecEntry | undefined;
  if (args?.specUri) {
    entry = await readSpec(toUri(args.specUri));
    if (!entry.spec) {
      void vscode.window.showErrorMessage(`AgoraBench: ${vscode.workspace.asRelativePath(entry.uri)} has errors; fix them before running (see Problems).`);
      return undefined;
    }
  } else {
    entry = await pickSpec(last);
  }
  if (!entry?.spec) return undefined;
  const spec = entry.spec;
  let setting: SettingSpec | undefined;
  if (args?.settingId) setting = spec.settings.find((s) => settingId(s) === args.settingId);
  if (!setting && args?.settingIndex !== undefined) setting = spec.settings[args.settingIndex];
  if (!setting) setting = await pickSetting(spec, last);
  return setting ? { entry, setting } : undefined;
}

export function registerRunSetting(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand("agorabench.runSetting", async (args?: RunSettingArgs): Promise<DetachedRun | undefined> => {
      if (!canRun()) return undefined;
      const last = context.workspaceState.get<LastChoice>(LAST_KEY);
      const target = await resolveTarget(args, last);
      if (!target) return undefined;
      const { entry, setting } = target;
      const spec = entry.spec!;
      const own = setting.generators ?? spec.generators.map((g) => g.id);
      const requested = args?.generators ?? (args?.generator ? [args.generator] : undefined);
      const generators = requested?.filter((g) => own.includes(g)).length ? requested.filter((g) => own.includes(g)) : await pickGenerators(spec, setting, last);
      if (!generators?.length) return undefined;
      const stages = args?.stages ?? (await pickStages(last));
      if (!stages) return undefined;
      const pipeline = usesHost(stages);
      const host = pipeline ? (args?.host ?? (await pickHost(entry, last))) : "local";
      if (!host) return undefined;
      const sid = settingId(setting);
      await context.workspaceState.update(LAST_KEY, { spec: entry.uri.toString(), setting: sid, generators, host: pipeline ? host : (last?.host ?? host), stages } satisfies LastChoice);

      const gens = spec.generators.filter((g) => generators.includes(g.id));
      const estimate = estimateSettingCost(setting, gens, await seedStats(entry.uri, setting), userCatalog());
      const threshold = spec.budget?.confirmAboveUsd ?? vscode.workspace.getConfiguration("agorabench").get<number>("confirmCostAboveUsd", 5);
      if (!args?.confirmed && (estimate.totalUsd > threshold || estimate.incomplete)) {
        const go = await vscode.window.showWarningMessage(
          `Run ${sid} with ${generators.join(", ")}${pipeline ? ` (${STAGE_CHOICES.find((c) => c.stages === stages)?.label.toLowerCase() ?? stages} on ${host})` : ""}? Estimated cost ${describeEstimate(estimate)} (API calls; GPU time not included).`,
          { modal: true, detail: `Above the confirmation threshold of ${formatUsd(threshold)} (budget.confirmAboveUsd or agorabench.confirmCostAboveUsd).` },
          "Start Run",
        );
        if (go !== "Start Run") return undefined;
      }

      const { env, missing } = await keyEnvironment(context, gens);
      if (missing.length) {
        log.warn(`no stored API key for ${missing.join(", ")}; the engine reads it from its own environment`);
      }
      const cliArgs = ["run", entry.uri.fsPath, "--setting", sid, ...generators.flatMap((g) => ["--generator", g]), "--stages", stages, ...(pipeline ? ["--host", host] : []), "--detach", "--json"];
      log.info(`starting: agora ${cliArgs.join(" ")}`);
      const r = await runCli(context, cliArgs, { cwd: dirname(entry.uri.fsPath), env, timeoutMs: 120_000 });
      const secrets = await storedKeyValues(context);
      const started = lastJsonLine<DetachedRun>(r.stdout);
      if (r.code !== 0 || !started?.runDir) {
        const why = redact((r.stderr || r.stdout).trim(), secrets).split("\n").slice(-6).join("\n");
        log.error(`agora run failed (exit ${r.code}): ${why}`);
        void vscode.window.showErrorMessage(`AgoraBench: could not start ${sid}: ${why.split("\n")[0] || `exit code ${r.code}`}`, "Show Log").then((p) => {
          if (p) log.show();
        });
        return undefined;
      }
      log.info(`run ${started.runId} started in ${started.runDir}${started.pid ? ` (engine pid ${started.pid})` : ""}`);
      const watcher = runWatcher(context, log);
      watcher.track(started.runDir);
      watcher.showProgress(started.runDir, `AgoraBench: ${sid} (${generators.join(", ")})`, () => {
        void vscode.commands.executeCommand("agorabench.cancelRun", { runDir: started.runDir });
      });
      if (missing.length) {
        void vscode.window.showWarningMessage(`AgoraBench: no API key stored for ${missing.join(", ")}.`, "Set API Key").then((p) => {
          if (p) void vscode.commands.executeCommand("agorabench.setApiKey", missing[0]);
        });
      }
      return started;
    }),
    vscode.commands.registerCommand("agorabench.estimateCost", async (args?: RunSettingArgs): Promise<CostEstimate | undefined> => {
      const last = context.workspaceState.get<LastChoice>(LAST_KEY);
      const target = await resolveTarget(args, last);
      if (!target) return undefined;
      const spec = target.entry.spec!;
      const own = target.setting.generators ?? spec.generators.map((g) => g.id);
      const gens = spec.generators.filter((g) => own.includes(g.id));
      const est = estimateSettingCost(target.setting, gens, await seedStats(target.entry.uri, target.setting), userCatalog());
      void vscode.window.showInformationMessage(`AgoraBench: ${settingId(target.setting)} — estimated ${describeEstimate(est)}.`);
      return est;
    }),
  );
}
