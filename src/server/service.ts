/**
 * The language server's state, independent of the transport: open documents' analyses, the model catalog
 * (bundled + `agorabench.models`), which API keys the client has, the file cache, and validation. The
 * connection wiring lives in main.ts; the benchmark drives this class directly.
 */
import type { TextDocument } from "vscode-languageserver-textdocument";
import { type Diagnostic, DiagnosticSeverity } from "vscode-languageserver";
import { ModelCatalog } from "../core/models";
import type { SpecDiagnostic } from "../core/spec/load";
import { validateHostsText, validateSpecText } from "../core/spec/validate";
import type { DiagnosticData } from "./code-actions";
import { DocContext, type Validation } from "./context";
import type { DocKind } from "./json-service";
import { CachedFs } from "./workspace-fs";

const SEVERITY: Record<SpecDiagnostic["severity"], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** Larger documents get one diagnostic instead of a parse on every keystroke. */
export const MAX_DOCUMENT_CHARS = 16 * 1024 * 1024;

export function toLspDiagnostic(d: SpecDiagnostic): Diagnostic {
  const data: DiagnosticData = { path: d.path };
  return { range: d.range, message: d.message, severity: SEVERITY[d.severity], code: d.code, source: "agorabench", data };
}

/** Hosts files (`agora.hosts.json`, `*.hosts.json`) get the hosts schema; everything else is a spec. */
export function kindOf(uri: string): DocKind {
  const name = decodeURIComponent(uri.replace(/[?#].*$/, "").replace(/^.*\//, ""));
  return /(^|\.)hosts\.json$/.test(name) && !name.endsWith(".agora.json") ? "hosts" : "spec";
}

export interface ServerOptions {
  /** Which API-key environment variables are configured (booleans only, never values). */
  keysAvailable?: Record<string, boolean>;
  /** Extra model entries (the `agorabench.models` setting). */
  models?: unknown;
  /** Milliseconds between the last change and validation (default 150). */
  debounceMs?: number;
  /** Prefix code-lens titles with VS Code codicons (`$(play) Run Setting`); other editors show them literally. */
  codeLensIcons?: boolean;
}

export class AgoraService {
  readonly fs = new CachedFs();
  private readonly contexts = new Map<string, DocContext>();
  private keys: Record<string, boolean> | undefined;
  private catalogValue = new ModelCatalog();
  /** Where validation failures go (the server log); they never reach the client as errors. */
  onError: (e: unknown) => void = () => undefined;
  /** Problems with user model entries, for the server log. */
  modelProblems: string[] = [];

  constructor(options: ServerOptions = {}) {
    this.configure(options);
  }

  configure(options: ServerOptions): void {
    if (options.keysAvailable !== undefined) this.setKeys(options.keysAvailable);
    if (options.models !== undefined) this.setModels(options.models);
  }

  setKeys(keys: unknown): void {
    if (typeof keys !== "object" || keys === null || Array.isArray(keys)) return;
    this.keys = Object.fromEntries(Object.entries(keys).filter(([, v]) => typeof v === "boolean")) as Record<string, boolean>;
    this.resetValidations();
  }

  setModels(models: unknown): void {
    const { entries, problems } = ModelCatalog.parseExtra(models);
    this.catalogValue = new ModelCatalog(entries);
    this.modelProblems = problems;
    this.resetValidations();
  }

  get catalog(): ModelCatalog {
    return this.catalogValue;
  }

  /** The client's report wins; standalone (no report), the server's own environment says. */
  isKeyConfigured = (envName: string): boolean => this.keys?.[envName] ?? !!process.env[envName];

  /** The analysis of a document's current version (created once per version). */
  context(doc: TextDocument): DocContext {
    const hit = this.contexts.get(doc.uri);
    if (hit && hit.version === doc.version) return hit;
    const ctx = new DocContext(doc, kindOf(doc.uri), this.fs, () => this.catalogValue);
    this.contexts.set(doc.uri, ctx);
    return ctx;
  }

  forget(uri: string): void {
    this.contexts.delete(uri);
  }

  private resetValidations(): void {
    for (const c of this.contexts.values()) c.validation = undefined;
  }

  /** Drops cached file contents and validations that read `paths`; returns the URIs to re-validate. */
  filesChanged(paths: readonly string[]): string[] {
    for (const p of paths) this.fs.invalidate(p);
    const affected: string[] = [];
    for (const [uri, ctx] of this.contexts) {
      const v = ctx.validationDeps;
      if (!v || paths.some((p) => v.has(p))) {
        ctx.validation = undefined;
        affected.push(uri);
      }
    }
    return affected;
  }

  /** The validation of the document's current version, computed once and shared by every feature. */
  validate(doc: TextDocument): Promise<Validation> {
    const ctx = this.context(doc);
    // Never rejects: a rule that throws must not take the other features (or the process) with it.
    ctx.validation ??= this.run(ctx).catch((e: unknown) => {
      this.onError(e);
      return { diagnostics: [], deps: new Set<string>() };
    });
    return ctx.validation;
  }

  private async run(ctx: DocContext): Promise<Validation> {
    const deps = new Set<string>();
    const text = ctx.doc.getText();
    if (text.length > MAX_DOCUMENT_CHARS) {
      const diagnostic: SpecDiagnostic = {
        code: "size.too-large",
        message: `The document is larger than ${MAX_DOCUMENT_CHARS / 1024 / 1024} MB; it is not validated.`,
        severity: "warning",
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
        path: [],
      };
      ctx.validationDeps = deps;
      return { diagnostics: [diagnostic], deps };
    }
    if (ctx.kind === "hosts") {
      const r = validateHostsText(text);
      ctx.validationDeps = deps;
      return { diagnostics: r.diagnostics, deps };
    }
    const specPath = ctx.filePath;
    const spec = await validateSpecText(text, {
      ...(specPath ? { fs: this.fs.tracking(deps), specPath } : {}),
      isKeyConfigured: this.isKeyConfigured,
      models: this.catalogValue,
    });
    ctx.validationDeps = deps;
    return { diagnostics: spec.diagnostics, spec, deps };
  }
}
