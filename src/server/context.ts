/**
 * Per-document analysis shared by every language feature: the JSONC tree (core parser, the one validation
 * uses), a lazily built vscode-json-languageservice document, and the current version's validation result.
 * Everything is cached by document version, so a burst of requests after one keystroke parses once.
 */
import { fileURLToPath } from "node:url";
import type { JSONDocument } from "vscode-json-languageservice";
import { TextDocument } from "vscode-languageserver-textdocument";
import { type ModelCatalog } from "../core/models";
import { type HostDefinition, HostsFile, IMPLICIT_LOCAL_HOST } from "../core/spec/hosts";
import { loadJsoncWith, parseJsonc, type ParsedJsonc, type SpecDiagnostic } from "../core/spec/load";
import { type ValidationResult } from "../core/spec/validate";
import { type DocKind, jsonService } from "./json-service";
import type { CachedFs } from "./workspace-fs";
import { isObj, str } from "./util";

/** Documents above this size get diagnostics only; tree-walking features answer nothing for them. */
export const MAX_FEATURE_CHARS = 4 * 1024 * 1024;

export interface Validation {
  diagnostics: SpecDiagnostic[];
  /** Only for specs. */
  spec?: ValidationResult;
  /** Files the validation looked at. */
  deps: Set<string>;
}

export interface HostsInfo {
  /** Absolute path of the hosts file the spec uses. */
  path: string;
  hosts: HostDefinition[];
  /** The hosts file's text, for go-to-definition ranges. */
  text?: string;
}

export class DocContext {
  private jsonDocCache: JSONDocument | undefined;
  validation: Promise<Validation> | undefined;
  /** Files the last finished validation read; undefined until one finished. */
  validationDeps: Set<string> | undefined;
  private parsedCache: ParsedJsonc | undefined;

  /**
   * An immutable snapshot of the document at one version: TextDocuments updates its documents in place, so
   * a feature that awaits (file reads, the JSON service) must not see a newer text than it started with.
   */
  readonly doc: TextDocument;
  readonly version: number;

  constructor(
    live: TextDocument,
    readonly kind: DocKind,
    readonly fs: CachedFs,
    readonly catalog: () => ModelCatalog,
  ) {
    this.version = live.version;
    this.doc = TextDocument.create(live.uri, live.languageId, live.version, live.getText());
  }

  /** Parsed on first use: validation parses on its own, so a keystroke alone costs one parse. */
  get parsed(): ParsedJsonc {
    this.parsedCache ??= parseJsonc(this.doc.getText());
    return this.parsedCache;
  }

  /** False for pathologically nested or huge documents: only diagnostics are offered then. */
  get featuresEnabled(): boolean {
    // Size first: for a huge document not even the (lazily built) tree is made.
    return this.doc.getText().length <= MAX_FEATURE_CHARS && this.parsed.root !== undefined && !this.parsed.syntaxErrors.some((d) => d.code === "syntax.TooDeep");
  }

  /** The raw (not schema-checked) value of the document: features must work on broken specs too. */
  get value(): unknown {
    return this.parsed.value;
  }

  get filePath(): string | undefined {
    if (!this.doc.uri.startsWith("file:")) return undefined;
    try {
      return fileURLToPath(this.doc.uri);
    } catch {
      return undefined;
    }
  }

  jsonDoc(): JSONDocument {
    this.jsonDocCache ??= jsonService(this.kind).parseJSONDocument(this.doc);
    return this.jsonDocCache;
  }

  /** Host definitions visible to a spec: its hosts file (relative to the spec) plus the implicit `local`. */
  async hosts(): Promise<HostsInfo | undefined> {
    const specPath = this.filePath;
    if (!specPath) return undefined;
    const v = this.value;
    const hostsRef = isObj(v) && isObj(v.hosts) ? v.hosts : {};
    const file = str(hostsRef.file) ?? "agora.hosts.json";
    const fsys = this.fs.tracking(new Set());
    const path = fsys.resolve(specPath, file);
    const text = await this.fs.readText(path);
    const hosts: HostDefinition[] = [];
    if (text !== undefined) {
      // Take every well-formed host even when the file has errors elsewhere.
      const loaded = loadJsoncWith(HostsFile, text);
      const raw = loaded.parsed.value;
      const list = loaded.value?.hosts ?? (isObj(raw) && Array.isArray(raw.hosts) ? raw.hosts.filter((h): h is HostDefinition => isObj(h) && typeof h.name === "string" && typeof h.kind === "string") : []);
      for (const h of list) hosts.push(h);
    }
    if (!hosts.some((h) => h.name === "local")) hosts.push(IMPLICIT_LOCAL_HOST);
    return { path, hosts, text };
  }
}
