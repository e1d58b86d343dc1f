/**
 * Command templates with `{{placeholder}}` slots — the same `{{name}}` syntax as the meta-prompt templates
 * (src/generation/prompts/template.ts), `{{! comments }}` included. Every substituted value is
 * shell-quoted, so a path or model name with spaces, quotes, `$` or `;` stays one inert argument. A
 * placeholder written inside quotes in the template would defeat that quoting, so it is an error.
 */

export class RecipeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RecipeError";
  }
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** POSIX shell quoting: bare when harmless, otherwise single quotes with `'` written as `'\''`. */
export function shellQuote(value: string): string {
  if (value !== "" && SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const COMMENT = /\{\{![\s\S]*?\}\}\n?/g;
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Names of the placeholders a template uses, in order of first use. */
export function placeholdersOf(template: string): string[] {
  const names = new Set<string>();
  for (const m of template.replace(COMMENT, "").matchAll(PLACEHOLDER)) names.add(m[1]);
  return [...names];
}

/** Quote state at each offset of a shell text: where `'…'` or `"…"` is open. */
function quotedAt(text: string): (offset: number) => boolean {
  const inside: boolean[] = new Array<boolean>(text.length).fill(false);
  let state: "none" | "single" | "double" = "none";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (state === "none") {
      if (c === "\\") {
        i++;
        continue;
      }
      if (c === "'") state = "single";
      else if (c === '"') state = "double";
      else if (c === "#" && (i === 0 || /\s/.test(text[i - 1]))) {
        // A comment runs to the end of the line; placeholders in it are harmless.
        while (i < text.length && text[i] !== "\n") i++;
      }
    } else {
      inside[i] = true;
      if (state === "single" && c === "'") state = "none";
      else if (state === "double") {
        if (c === "\\") {
          i++;
          if (i < text.length) inside[i] = true;
        } else if (c === '"') state = "none";
      }
    }
  }
  return (offset) => inside[offset] ?? false;
}

/**
 * Renders a command template: each `{{name}}` becomes the shell-quoted value. Unknown placeholders and
 * placeholders inside quotes are RecipeErrors naming the template's origin (`what`).
 */
export function renderCommand(template: string, values: Readonly<Record<string, string>>, what: string): string {
  const text = template.replace(COMMENT, "");
  const isQuoted = quotedAt(text);
  const unknown = new Set<string>();
  const quoted = new Set<string>();
  const out = text.replace(PLACEHOLDER, (whole: string, name: string, offset: number) => {
    if (!Object.prototype.hasOwnProperty.call(values, name)) {
      unknown.add(name);
      return whole;
    }
    if (isQuoted(offset)) {
      quoted.add(name);
      return whole;
    }
    return shellQuote(values[name]);
  });
  if (unknown.size > 0) {
    throw new RecipeError(
      `${what}: unknown placeholder${unknown.size > 1 ? "s" : ""} ${[...unknown].map((n) => `{{${n}}}`).join(", ")}. Available: ${Object.keys(values)
        .sort()
        .map((n) => `{{${n}}}`)
        .join(", ")}.`,
    );
  }
  if (quoted.size > 0) {
    throw new RecipeError(
      `${what}: ${[...quoted].map((n) => `{{${n}}}`).join(", ")} inside quotes. Write placeholders unquoted: their values are shell-quoted for you.`,
    );
  }
  return out;
}

/** A YAML scalar: JSON strings are valid YAML double-quoted scalars, numbers and booleans are themselves. */
export function yamlScalar(value: string | number | boolean | null): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RecipeError(`Cannot write ${value} to YAML.`);
    // YAML 1.1 (PyYAML) reads `1e-05` as a string; keep a dot in the mantissa so it stays a float.
    const s = String(value);
    return /e/i.test(s) && !s.includes(".") ? s.replace(/e/i, ".0e") : s;
  }
  return String(value);
}

/** Simple `key: value` YAML with nested maps and lists of scalars or maps, enough for trainer configs. */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

export function toYaml(value: { [key: string]: YamlValue }, indent = ""): string {
  const lines: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const k = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) ? key : JSON.stringify(key);
    if (Array.isArray(v)) {
      if (v.length === 0) {
        lines.push(`${indent}${k}: []`);
        continue;
      }
      lines.push(`${indent}${k}:`);
      for (const item of v) {
        if (item !== null && typeof item === "object" && !Array.isArray(item)) {
          const inner = toYaml(item, `${indent}    `).split("\n");
          lines.push(`${indent}  - ${inner[0].trimStart()}`, ...inner.slice(1));
        } else if (Array.isArray(item)) throw new RecipeError("Nested lists are not supported in generated YAML.");
        else lines.push(`${indent}  - ${yamlScalar(item)}`);
      }
    } else if (v !== null && typeof v === "object") {
      lines.push(`${indent}${k}:`, toYaml(v, `${indent}  `));
    } else lines.push(`${indent}${k}: ${yamlScalar(v)}`);
  }
  return lines.join("\n");
}
