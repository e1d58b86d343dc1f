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

/** Fills every placeholder; a placeholder without a value is an error, never an empty string. */
export function renderTemplate(t: ParsedTemplate, values: Readonly<Record<string, string>>): string {
  return t.text.replace(PLACEHOLDER, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new TemplateError(`The template uses {{${name}}}, which this method does not provide (available: ${Object.keys(values).join(", ")}).`);
    return v;
  });
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
