/**
 * One entry point for "is this spec right?": syntax, schema and semantic rules, in the order a user fixes
 * them. Used by `agora validate`, the language server and the extension.
 */
import { HostsFile } from "./hosts";
import { loadJsoncWith, type LoadResult, type SpecDiagnostic } from "./load";
import { ExperimentSpec } from "./model";
import { diag, duplicateKeyDiagnostics, hostDiagnostics, referenceDiagnostics, seedDiagnostics, type SpecFileSystem } from "./semantic";

export interface ValidationResult extends LoadResult<ExperimentSpec> {
  /** True when there is no error-level diagnostic (warnings allowed). */
  ok: boolean;
}

export interface ValidateOptions {
  /** When given, seed files and the hosts file are checked on disk relative to `specPath`. */
  fs?: SpecFileSystem;
  specPath?: string;
}

function finish<T>(loaded: LoadResult<T>, extra: SpecDiagnostic[]): LoadResult<T> & { ok: boolean } {
  const diagnostics = [...loaded.diagnostics, ...extra].sort(
    (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character,
  );
  const ok = !diagnostics.some((d) => d.severity === "error");
  return { ...loaded, diagnostics, value: ok ? loaded.value : undefined, ok };
}

export async function validateSpecText(text: string, options: ValidateOptions = {}): Promise<ValidationResult> {
  const loaded = loadJsoncWith(ExperimentSpec, text);
  const extra = duplicateKeyDiagnostics(loaded.parsed);
  // Reference rules read the raw value, so they report even while schema errors remain elsewhere.
  extra.push(...referenceDiagnostics(loaded.parsed.value, loaded.parsed));
  const spec = loaded.value;
  if (spec) {
    if (options.fs && options.specPath) {
      extra.push(...(await seedDiagnostics(spec, loaded.parsed, options.specPath, options.fs)));
      extra.push(...(await hostDiagnostics(spec, loaded.parsed, options.specPath, options.fs)));
    }
  }
  return finish(loaded, extra);
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
