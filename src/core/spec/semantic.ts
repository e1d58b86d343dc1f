/**
 * Rules a JSON schema cannot express: references between parts of a spec, files on disk, and the hosts
 * file. File access goes through `SpecFileSystem` so the core stays free of any particular I/O (the CLI
 * passes node:fs, the language server its document-aware reader, tests an in-memory map).
 */
import { findNodeAtLocation } from "jsonc-parser";
import { type SeedStats, seedStatsOf } from "../models";
import { type Domain, type Method, METHOD_INFO, SETTINGS } from "../settings";
import { HostsFile } from "./hosts";
import { keyOrValueRange, loadJsoncWith, type ParsedJsonc, type SpecDiagnostic } from "./load";
import type { ExperimentSpec } from "./model";
import { settingId } from "./model";

export interface SpecFileSystem {
  /** Reads a text file; resolves undefined when it does not exist. */
  readText(absolutePath: string): Promise<string | undefined>;
  /** Joins a path relative to the spec's folder. */
  resolve(specPath: string, relative: string): string;
  /**
   * Optional: the parsed seed file, for implementations that cache it (the language server re-validates on
   * every keystroke; parsing a large seed file each time would be wasted work). Same contract as readText.
   */
  readSeed?(absolutePath: string): Promise<SeedReadResult | undefined>;
}

/** Stable codes of semantic diagnostics (documented in README's spec reference). */
export const SemanticCode = {
  duplicateKey: "semantic.duplicate-key",
  duplicateGenerator: "semantic.duplicate-generator",
  unknownGenerator: "semantic.unknown-generator",
  duplicateSetting: "semantic.duplicate-setting",
  baseUrlRequired: "semantic.base-url-required",
  seedMissing: "semantic.seed-missing",
  seedNotJsonl: "semantic.seed-not-jsonl",
  seedFields: "semantic.seed-fields",
  seedTooSmall: "semantic.seed-too-small",
  hostsFileMissing: "semantic.hosts-file-missing",
  hostsFileInvalid: "semantic.hosts-file-invalid",
  unknownHost: "semantic.unknown-host",
  instancesOverSeed: "semantic.instances-over-seed",
  customRecipeCommand: "semantic.custom-recipe-needs-command",
  seedSettingMismatch: "semantic.seed-setting-mismatch",
  apiKeyMissing: "semantic.api-key-missing",
  unknownModel: "semantic.unknown-model",
  costOverBudget: "semantic.cost-over-budget",
  budgetConfirmAboveMax: "semantic.budget-confirm-above-max",
  promptOverContext: "semantic.prompt-over-context",
} as const;

function at(parsed: ParsedJsonc, path: (string | number)[]): SpecDiagnostic["range"] {
  const node = parsed.root ? findNodeAtLocation(parsed.root, path) : undefined;
  if (!node) return parsed.lines.rangeAt(0, 0);
  return node.type === "object" || node.type === "array" ? keyOrValueRange(parsed, node) : parsed.lines.rangeAt(node.offset, node.length);
}

export function diag(
  parsed: ParsedJsonc,
  code: string,
  message: string,
  path: (string | number)[],
  severity: SpecDiagnostic["severity"] = "error",
): SpecDiagnostic {
  return { code, message, severity, path, range: at(parsed, path) };
}

/** Duplicate keys in any object: JSON.parse silently keeps the last one, which hides mistakes. */
export function duplicateKeyDiagnostics(parsed: ParsedJsonc): SpecDiagnostic[] {
  // parseJsonc finds them while it builds the value (one tree walk for both).
  return parsed.duplicateKeys.map((key) => ({
    code: SemanticCode.duplicateKey,
    message: `Duplicate property "${key.name}": only the last one is used.`,
    severity: "warning" as const,
    path: [],
    range: parsed.lines.rangeAt(key.offset, key.length),
  }));
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * Rules that need only the spec itself. They read the raw parsed value, not the zod output, so that they
 * still report (for instance an unknown generator id) while the spec also has schema errors elsewhere:
 * errors must not hide each other. Each rule looks only at fields of the right type.
 */
export function referenceDiagnostics(spec: unknown, parsed: ParsedJsonc): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  if (!isObj(spec)) return out;
  const ids = new Map<string, number>();
  const generators = Array.isArray(spec.generators) ? spec.generators : [];
  generators.forEach((g, i) => {
    const id = isObj(g) ? str(g.id) : undefined;
    if (!isObj(g) || id === undefined) return;
    if (ids.has(id)) {
      out.push(diag(parsed, SemanticCode.duplicateGenerator, `Generator id "${id}" is already used by generators[${ids.get(id)}].`, ["generators", i, "id"]));
    } else ids.set(id, i);
    if (g.provider === "openai-compatible" && g.baseUrl === undefined) {
      out.push(diag(parsed, SemanticCode.baseUrlRequired, `Generator "${id}" uses provider "openai-compatible" and needs a "baseUrl" (e.g. http://127.0.0.1:8000/v1).`, ["generators", i, "provider"]));
    }
  });
  const settingIds = new Map<string, number>();
  const settings = Array.isArray(spec.settings) ? spec.settings : [];
  settings.forEach((s, i) => {
    if (!isObj(s)) return;
    const domain = str(s.domain);
    const method = str(s.method);
    const sid = str(s.id) ?? (domain && method ? settingId({ domain, method }) : undefined);
    if (sid !== undefined) {
      if (settingIds.has(sid)) {
        out.push(diag(parsed, SemanticCode.duplicateSetting, `Setting "${sid}" is defined twice (also settings[${settingIds.get(sid)}]); give one an "id".`, ["settings", i, s.id !== undefined ? "id" : "method"]));
      } else settingIds.set(sid, i);
    }
    // Unknown ids are only meaningful when the generator list itself could be read.
    if (!Array.isArray(spec.generators) || !Array.isArray(s.generators)) return;
    s.generators.forEach((gid, j) => {
      if (typeof gid === "string" && !ids.has(gid)) {
        const known = [...ids.keys()].map((k) => `"${k}"`).join(", ");
        out.push(diag(parsed, SemanticCode.unknownGenerator, `Unknown generator "${gid}". Defined generators: ${known || "none"}.`, ["settings", i, "generators", j]));
      }
    });
  });
  const training = isObj(spec.student) && isObj(spec.student.training) ? spec.student.training : undefined;
  if (training?.recipe === "custom" && training.command === undefined) {
    out.push(diag(parsed, SemanticCode.customRecipeCommand, `The "custom" training recipe needs a "command".`, ["student", "training", "recipe"]));
  }
  return out;
}

export interface SeedRecord {
  instruction?: unknown;
  response?: unknown;
  [k: string]: unknown;
}

export interface SeedReadResult {
  records: SeedRecord[];
  /** 1-based line (JSONL) or index (JSON array) of the first malformed record, if any. */
  firstBadLine?: number;
  format: "jsonl" | "json-array";
}

/** Reads seed data as JSONL, or as a JSON array (the reference code's `*.json` seed files). */
export function parseSeedText(text: string): SeedReadResult {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("[")) {
    try {
      const arr: unknown = JSON.parse(trimmed);
      if (Array.isArray(arr)) {
        const bad = arr.findIndex((r) => typeof r !== "object" || r === null || Array.isArray(r));
        return { records: arr.filter((r): r is SeedRecord => typeof r === "object" && r !== null && !Array.isArray(r)), firstBadLine: bad >= 0 ? bad + 1 : undefined, format: "json-array" };
      }
    } catch {
      return { records: [], firstBadLine: 1, format: "json-array" };
    }
  }
  const records: SeedRecord[] = [];
  let firstBadLine: number | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    try {
      const r: unknown = JSON.parse(line);
      if (typeof r === "object" && r !== null && !Array.isArray(r)) records.push(r as SeedRecord);
      else firstBadLine ??= i + 1;
    } catch {
      firstBadLine ??= i + 1;
    }
  }
  return { records, firstBadLine, format: "jsonl" };
}

/** Reads and parses a seed file through the file system's cache when it has one. */
export async function readSeedFile(fs: SpecFileSystem, absolutePath: string): Promise<SeedReadResult | undefined> {
  if (fs.readSeed) return fs.readSeed(absolutePath);
  const text = await fs.readText(absolutePath);
  return text === undefined ? undefined : parseSeedText(text);
}

interface SeedFacts {
  stats: SeedStats;
  allInstructions: boolean;
  allResponses: boolean;
  /** The `config` value every record shares, if they all share one string. */
  uniformConfig: string | undefined;
}

/**
 * What the rules need to know about a seed file under one field mapping, computed once per (file version,
 * mapping): a spec with hundreds of settings over a few large seed files would otherwise walk every record
 * once per setting on every keystroke. Keyed weakly by the parsed file, which a caching reader keeps stable.
 */
const factsCache = new WeakMap<SeedReadResult, Map<string, SeedFacts>>();

function seedFacts(seed: SeedReadResult, fields: { instruction: string; response: string; config: string }): SeedFacts {
  const key = `${fields.instruction}\u0000${fields.response}\u0000${fields.config}`;
  let byFields = factsCache.get(seed);
  if (!byFields) factsCache.set(seed, (byFields = new Map()));
  const hit = byFields.get(key);
  if (hit) return hit;
  const first = seed.records[0]?.[fields.config];
  const facts: SeedFacts = {
    stats: seedStatsOf(seed.records, fields),
    allInstructions: seed.records.every((r) => typeof r[fields.instruction] === "string"),
    allResponses: seed.records.every((r) => typeof r[fields.response] === "string"),
    uniformConfig: typeof first === "string" && seed.records.every((r) => r[fields.config] === first) ? first : undefined,
  };
  byFields.set(key, facts);
  return facts;
}

/**
 * Rules that read the seed files a spec references. When `stats` is given, it receives each setting's seed
 * statistics (undefined when the file could not be used), for the cost estimate.
 */
export async function seedDiagnostics(
  spec: ExperimentSpec,
  parsed: ParsedJsonc,
  specPath: string,
  fs: SpecFileSystem,
  stats?: (SeedStats | undefined)[],
): Promise<SpecDiagnostic[]> {
  const out: SpecDiagnostic[] = [];
  // Hundreds of settings usually share a few seed files: read each file once, all of them at the same
  // time (one wait for the disk instead of one per file, one after the other).
  const reads = new Map<string, Promise<SeedReadResult | undefined>>();
  const paths = spec.settings.map((s) => fs.resolve(specPath, s.seed.file));
  for (const p of paths) if (!reads.has(p)) reads.set(p, readSeedFile(fs, p));
  // Settle every read before the first await: a file that fails must not leave the others unobserved.
  await Promise.allSettled(reads.values());
  for (let i = 0; i < spec.settings.length; i++) {
    const s = spec.settings[i]!;
    const filePath = ["settings", i, "seed", "file"];
    const seed = await reads.get(paths[i]!)!;
    if (seed === undefined) {
      out.push(diag(parsed, SemanticCode.seedMissing, `Seed file "${s.seed.file}" not found (paths are relative to the spec).`, filePath));
      continue;
    }
    if (seed.firstBadLine !== undefined) {
      out.push(
        diag(parsed, SemanticCode.seedNotJsonl, `Seed file "${s.seed.file}" is not valid JSONL: record ${seed.firstBadLine} is not a JSON object.`, filePath),
      );
      if (seed.records.length === 0) continue;
    }
    const facts = seedFacts(seed, s.seed.fields);
    if (stats) stats[i] = facts.stats;
    const mismatch = facts.uniformConfig === undefined ? undefined : seedSettingMismatch([{ [s.seed.fields.config]: facts.uniformConfig }], s.seed.fields.config, s.domain, s.method);
    if (mismatch) {
      out.push(
        diag(
          parsed,
          SemanticCode.seedSettingMismatch,
          `Seed file "${s.seed.file}" looks like the paper's seed data for ${mismatch.setting}, not for ${s.domain} × ${s.method} (its records' "${s.seed.fields.config}" is "${mismatch.config}").`,
          filePath,
          "warning",
        ),
      );
    }
    const needs = METHOD_INFO[s.method].seedNeeds;
    const fields = s.seed.fields;
    const missing: string[] = [];
    if (needs.instruction && !facts.allInstructions) missing.push(fields.instruction);
    if (needs.response && !facts.allResponses) missing.push(fields.response);
    if (missing.length) {
      const which = missing.map((m) => `"${m}"`).join(" and ");
      out.push(
        diag(
          parsed,
          SemanticCode.seedFields,
          `Method "${s.method}" needs ${which} as a string in every seed record of "${s.seed.file}". Map other field names with "seed.fields".`,
          filePath,
        ),
      );
      continue;
    }
    if (s.method === "instance_generation" && seed.records.length < Math.max(1, s.demonstrations - 1)) {
      out.push(
        diag(parsed, SemanticCode.seedTooSmall, `Instance generation samples ${Math.max(1, s.demonstrations - 1)} demonstrations from the seed set, but "${s.seed.file}" has ${seed.records.length} record(s).`, filePath),
      );
    }
    const usable = s.seed.limit ? Math.min(s.seed.limit, seed.records.length) : seed.records.length;
    if (s.method !== "instance_generation" && s.instances > usable) {
      out.push(
        diag(
          parsed,
          SemanticCode.instancesOverSeed,
          `${s.method === "response_generation" ? "Response generation" : "Quality enhancement"} makes one instance per seed record: ${s.instances} instances asked, ${usable} seed records available.`,
          ["settings", i, "instances"],
          "warning",
        ),
      );
    }
  }
  return out;
}

/** Host names a spec may reference: those of its hosts file plus the implicit `local`. */
export async function readHostNames(spec: ExperimentSpec, specPath: string, fs: SpecFileSystem): Promise<{ names: Set<string>; problem?: "missing" | "invalid" }> {
  const names = new Set<string>(["local"]);
  const text = await fs.readText(fs.resolve(specPath, spec.hosts.file));
  if (text === undefined) return { names, problem: "missing" };
  const loaded = loadJsoncWith(HostsFile, text);
  if (!loaded.value) return { names, problem: "invalid" };
  for (const h of loaded.value.hosts) names.add(h.name);
  return { names };
}

/** Rules that check host references against the hosts file. */
export async function hostDiagnostics(spec: ExperimentSpec, parsed: ParsedJsonc, specPath: string, fs: SpecFileSystem): Promise<SpecDiagnostic[]> {
  const out: SpecDiagnostic[] = [];
  const refs: { name: string; path: (string | number)[] }[] = [{ name: spec.hosts.default, path: ["hosts", "default"] }];
  spec.settings.forEach((s, i) => s.host && refs.push({ name: s.host, path: ["settings", i, "host"] }));
  if (spec.student.host) refs.push({ name: spec.student.host, path: ["student", "host"] });
  if (spec.evaluation.host) refs.push({ name: spec.evaluation.host, path: ["evaluation", "host"] });
  const { names, problem } = await readHostNames(spec, specPath, fs);
  // Read from the raw value (defaults are not written): no tree needed on the valid, fast path.
  const raw = parsed.value;
  const explicitlyNamed = isObj(raw) && isObj(raw.hosts) && raw.hosts.file !== undefined;
  if (problem === "missing" && (explicitlyNamed || refs.some((r) => r.name !== "local"))) {
    out.push(diag(parsed, SemanticCode.hostsFileMissing, `Hosts file "${spec.hosts.file}" not found (relative to the spec).`, explicitlyNamed ? ["hosts", "file"] : ["hosts"], "warning"));
  } else if (problem === "invalid") {
    out.push(diag(parsed, SemanticCode.hostsFileInvalid, `Hosts file "${spec.hosts.file}" has errors; run "agora validate ${spec.hosts.file}" or open it to see them.`, explicitlyNamed ? ["hosts", "file"] : ["hosts"], "warning"));
  }
  for (const ref of refs) {
    if (!names.has(ref.name)) {
      out.push(diag(parsed, SemanticCode.unknownHost, `Host "${ref.name}" is not defined in "${spec.hosts.file}". Known hosts: ${[...names].map((n) => `"${n}"`).join(", ")}.`, ref.path));
    }
  }
  return out;
}

/**
 * When every seed record carries the same `config` and it is the reference code's name of the seed data of
 * another setting (e.g. "magpie_math", response-generation data, under a math instance-generation setting,
 * or under a code setting), the file does not fit the setting's domain or method: each method expects its
 * own kind of seed data (demonstrations, bare instructions, low-quality instances to improve). A warning,
 * since reusing data on purpose is possible. Unknown config values say nothing and are not reported.
 */
export function seedSettingMismatch(
  records: readonly SeedRecord[],
  configField: string,
  domain: Domain,
  method: Method,
): { setting: string; config: string } | undefined {
  const first = records[0]?.[configField];
  if (typeof first !== "string" || !records.every((r) => r[configField] === first)) return undefined;
  const known = SETTINGS.filter((x) => x.seedConfig === first);
  if (known.length === 0 || known.some((x) => x.domain === domain && x.method === method)) return undefined;
  const other = known[0]!;
  return { setting: `${other.domain} × ${other.method}`, config: first };
}
