/**
 * Meta-prompt templates: plain text with `{{name}}` placeholders and `{{! comments }}` (stripped).
 * Rendering is a single pass, so text substituted into a placeholder (seed data can contain `{{`) is
 * never re-expanded. The grammar that highlights these files is syntaxes/agora-prompt.tmLanguage.json.
 */

export class TemplateError extends Error {}

const COMMENT = /\{\{![\s\S]*?\}\}\n?/g;
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export interface ParsedTemplate {
  text: string;
  placeholders: string[];
}

export function parseTemplate(source: string): ParsedTemplate {
  const text = source.replace(COMMENT, "");
  const placeholders = [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
  const stray = text.replace(PLACEHOLDER, "").match(/\{\{[^}]*\}\}/);
  if (stray) throw new TemplateError(`Malformed placeholder ${stray[0]}: use {{name}} with letters, digits and _.`);
  return { text, placeholders };
}

/** A template split once into its literal runs and the placeholder names between them. */
interface Compiled {
  literals: string[];
  names: string[];
}
const compiled = new WeakMap<ParsedTemplate, Compiled>();

function compile(t: ParsedTemplate): Compiled {
  let c = compiled.get(t);
  if (!c) {
    c = { literals: [], names: [] };
    let last = 0;
    for (const m of t.text.matchAll(PLACEHOLDER)) {
      c.literals.push(t.text.slice(last, m.index));
      c.names.push(m[1]!);
      last = m.index + m[0].length;
    }
    c.literals.push(t.text.slice(last));
    compiled.set(t, c);
  }
  return c;
}

/**
 * Fills every placeholder; a placeholder without a value is an error, never an empty string. Renders
 * by concatenating the precompiled parts (it runs once per item of a run, so no regex pass per render).
 */
export function renderTemplate(t: ParsedTemplate, values: Readonly<Record<string, string>>): string {
  const { literals, names } = compile(t);
  let out = literals[0]!;
  for (let i = 0; i < names.length; i++) {
    const v = values[names[i]!];
    if (v === undefined) throw new TemplateError(`The template uses {{${names[i]}}}, which this method does not provide (available: ${Object.keys(values).join(", ")}).`);
    out += v + literals[i + 1]!;
  }
  return out;
}

/** Placeholders each method provides. A template must use the required ones. */
export const METHOD_PLACEHOLDERS = {
  instance_generation: { required: ["demonstrations"], optional: ["theme", "domain", "k"] },
  response_generation: { required: ["instruction"], optional: ["domain"] },
  quality_enhancement: { required: ["instruction", "response"], optional: ["domain"] },
} as const;

export function checkTemplate(t: ParsedTemplate, method: keyof typeof METHOD_PLACEHOLDERS): void {
  const spec = METHOD_PLACEHOLDERS[method];
  const known = new Set<string>([...spec.required, ...spec.optional]);
  const unknown = t.placeholders.filter((p) => !known.has(p));
  if (unknown.length) throw new TemplateError(`Unknown placeholder(s) for ${method}: ${unknown.map((p) => `{{${p}}}`).join(", ")}. Available: ${[...known].join(", ")}.`);
  const missing = spec.required.filter((p) => !t.placeholders.includes(p));
  if (missing.length) throw new TemplateError(`A ${method} template must use ${missing.map((p) => `{{${p}}}`).join(", ")}.`);
}
