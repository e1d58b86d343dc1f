/**
 * Writes docs/spec-reference.md from the generated JSON schemas: one table row per field with its type,
 * default and description, so the reference never drifts from the zod model. `--check` fails on drift.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
  additionalProperties?: Schema | boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
  format?: string;
};

const root = join(__dirname, "..");

function typeOf(s: Schema): string {
  if (s.enum) return s.enum.map((e) => `\`${JSON.stringify(e)}\``).join(" | ");
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.map(typeOf).join(" | ");
  if (s.type === "array") return `${s.items ? typeOf(s.items) : "any"}[]`;
  if (s.type === "object" && s.additionalProperties && typeof s.additionalProperties === "object") return `map of ${typeOf(s.additionalProperties)}`;
  const t = Array.isArray(s.type) ? s.type.join(" | ") : (s.type ?? "any");
  const big = (n: number | undefined): boolean => n !== undefined && Math.abs(n) >= Number.MAX_SAFE_INTEGER;
  const range = [s.minimum !== undefined && !big(s.minimum) ? `≥ ${s.minimum}` : s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : "", s.maximum !== undefined && !big(s.maximum) ? `≤ ${s.maximum}` : ""].filter(Boolean).join(", ");
  return range ? `${t} (${range})` : t;
}

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function rows(s: Schema, path: string, out: string[]): void {
  const variants = s.oneOf ?? s.anyOf;
  if (variants && variants.every((v) => v.properties)) {
    for (const v of variants) {
      const kind = v.properties?.kind?.const;
      rows(v, kind !== undefined ? `${path} (kind ${JSON.stringify(kind)})` : path, out);
    }
    return;
  }
  const props = s.properties ?? (s.type === "array" ? s.items?.properties : undefined);
  const req = new Set(s.required ?? (s.type === "array" ? s.items?.required : undefined) ?? []);
  const base = s.type === "array" ? `${path}[]` : path;
  for (const [name, p] of Object.entries(props ?? {})) {
    const full = base ? `${base}.${name}` : name;
    const def = p.default !== undefined ? `\`${JSON.stringify(p.default)}\`` : req.has(name) ? "**required**" : "";
    out.push(`| \`${full}\` | ${cell(typeOf(p))} | ${def} | ${cell(p.description ?? "")} |`);
    const inner = p.type === "array" ? p.items : p;
    if (inner && (inner.properties || inner.oneOf || inner.anyOf?.every((v) => v.properties))) rows(p, full, out);
  }
}

function section(title: string, file: string, intro: string): string {
  const schema = JSON.parse(readFileSync(join(root, "schemas", file), "utf8")) as Schema;
  const out = [`## ${title}`, "", intro, "", "| Field | Type | Default | Description |", "|---|---|---|---|"];
  rows(schema, "", out);
  return out.join("\n");
}

const text = `${[
  "# Spec reference",
  "",
  "Generated from the zod model by `npm run docs:spec` — do not edit by hand.",
  "",
  section("Experiment spec (`*.agora.json`)", "agora-spec.schema.json", "JSON with comments. Paths are relative to the spec file. Defaults are the paper's setup."),
  "",
  section("Hosts file (`agora.hosts.json`)", "agora-hosts.schema.json", "Where stages run. `local` always exists."),
  "",
  section("Scores file (read by `agora pgr`, written by the score stage)", "agora-scores.schema.json", "Scores in percent per benchmark id: `gsm8k`, `math`, `mbpp`, `humaneval`, `alpacaeval2`, `arenahard`."),
].join("\n")}\n`;

const target = join(root, "docs", "spec-reference.md");
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {
    /* missing = drift */
  }
  if (current !== text) {
    console.error("docs/spec-reference.md is out of date: run `npm run docs:spec`.");
    process.exit(1);
  }
  console.log("docs/spec-reference.md is up to date");
} else {
  writeFileSync(target, text);
  console.log("wrote docs/spec-reference.md");
}
