/**
 * One entry point for "is this spec right?": syntax, schema and semantic rules, in the order a user fixes
 * them. Used by `agora validate`, the language server and the extension.
 */
import { HostsFile } from "./hosts";
import { limitDiagnostics, loadJsoncWith, type LoadResult, type SpecDiagnostic } from "./load";
import { ExperimentSpec } from "./model";
import { ModelCatalog, type SeedStats, type SettingCostEstimate } from "../models";
import { budgetDiagnostics, keyDiagnostics, modelDiagnostics, settingEstimates } from "./advisories";
import { diag, duplicateKeyDiagnostics, hostDiagnostics, referenceDiagnostics, seedDiagnostics, type SpecFileSystem } from "./semantic";

export interface ValidationResult extends LoadResult<ExperimentSpec> {
  /** True when there is no error-level diagnostic (warnings allowed). */
  ok: boolean;
  /**
   * The spec with defaults applied whenever it passed the schema (even if file-based rules found errors),
   * so editors can still offer estimates and code lenses.
   */
  schemaValid?: ExperimentSpec;
  /** Per-setting cost estimates, when the spec passed the schema and `fs` was given. */
  estimates?: SettingCostEstimate[];
  /** Per-setting seed statistics (undefined where the seed file could not be used). */
  seeds?: (SeedStats | undefined)[];
}

export interface ValidateOptions {
  /** When given, seed files and the hosts file are checked on disk relative to `specPath`. */
  fs?: SpecFileSystem;
  specPath?: string;
  /** When given, generators whose API key is not configured are reported (warning). Gets an env var name. */
  isKeyConfigured?: (envName: string) => boolean;
  /**
   * Model table for cost estimates (default: the bundled one). When given explicitly, models it does not
   * know are also reported (info).
   */
  models?: ModelCatalog;
}

const BUNDLED_CATALOG = new ModelCatalog();

function finish<T>(loaded: LoadResult<T>, extra: SpecDiagnostic[]): LoadResult<T> & { ok: boolean } {
  // Decided on everything found, before the list is trimmed: an error left out still makes the file
  // invalid. loadJsoncWith gives a value exactly when it found no syntax or schema error.
  const ok = loaded.value !== undefined && !extra.some((d) => d.severity === "error");
  const diagnostics = limitDiagnostics([...loaded.diagnostics, ...extra]);
  return { ...loaded, diagnostics, value: ok ? loaded.value : undefined, ok };
}

export async function validateSpecText(text: string, options: ValidateOptions = {}): Promise<ValidationResult> {
  const loaded = loadJsoncWith(ExperimentSpec, text);
  const extra = duplicateKeyDiagnostics(loaded.parsed);
  // Not `extra.push(...ds)`: a spec with 100,000 generators sharing one id yields 100,000 diagnostics, and
  // spreading that many arguments overflows the stack (limitDiagnostics trims them afterwards).
  const add = (ds: readonly SpecDiagnostic[]): void => {
    for (const d of ds) extra.push(d);
  };
  // Reference rules read the raw value, so they report even while schema errors remain elsewhere.
  add(referenceDiagnostics(loaded.parsed.value, loaded.parsed));
  const spec = loaded.value;
  let estimates: SettingCostEstimate[] | undefined;
  let seeds: (SeedStats | undefined)[] | undefined;
  if (spec) {
    if (options.isKeyConfigured) add(keyDiagnostics(spec, loaded.parsed, options.isKeyConfigured));
    if (options.models) add(modelDiagnostics(spec, loaded.parsed, options.models));
    if (options.fs && options.specPath) {
      seeds = new Array<SeedStats | undefined>(spec.settings.length).fill(undefined);
      // Independent reads: seed files and the hosts file at the same time.
      const [seedDs, hostDs] = await Promise.all([
        seedDiagnostics(spec, loaded.parsed, options.specPath, options.fs, seeds),
        hostDiagnostics(spec, loaded.parsed, options.specPath, options.fs),
      ]);
      add(seedDs);
      add(hostDs);
      estimates = settingEstimates(spec, seeds, options.models ?? BUNDLED_CATALOG);
      add(budgetDiagnostics(spec, loaded.parsed, estimates));
    }
  }
  return { ...finish(loaded, extra), schemaValid: spec, estimates, seeds };
}

export type HostsValidationResult = LoadResult<HostsFile> & { ok: boolean };

export function validateHostsText(text: string): HostsValidationResult {
  const loaded = loadJsoncWith(HostsFile, text);
  const extra = duplicateKeyDiagnostics(loaded.parsed);
  if (loaded.value) {
    const seen = new Map<string, number>();
    loaded.value.hosts.forEach((h, i) => {
      if (seen.has(h.name)) {
        extra.push(diag(loaded.parsed, "semantic.duplicate-host", `Host "${h.name}" is defined twice.`, ["hosts", i, "name"]));
      }
      seen.set(h.name, i);
    });
    const names = new Set(loaded.value.hosts.map((h) => h.name));
    loaded.value.hosts.forEach((h, i) => {
      const ref = h.kind === "ssh" ? h.jumpHost : h.kind === "slurm" ? h.via : undefined;
      if (ref && !names.has(ref)) {
        extra.push(diag(loaded.parsed, "semantic.unknown-host", `Host "${ref}" is not defined in this file.`, ["hosts", i, h.kind === "ssh" ? "jumpHost" : "via"]));
      }
    });
  }
  return finish(loaded, extra);
}
