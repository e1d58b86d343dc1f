/**
 * The bundled meta-prompt templates (prompts/templates/<domain>.<method>.prompt.md). In the esbuild bundles
 * they are inlined as text (`loader: { ".md": "text" }` in scripts/build.mjs, through the static
 * `require` map below); when running from source (tests, tsx) they are read from disk next to this file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Domain, Method } from "../../core/settings";

function fromBundle(name: string): string | undefined {
  // Each require names its file literally so that esbuild inlines exactly these nine templates.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const table: Record<string, () => unknown> = {
    "math.instance_generation": () => require("./templates/math.instance_generation.prompt.md"),
    "math.response_generation": () => require("./templates/math.response_generation.prompt.md"),
    "math.quality_enhancement": () => require("./templates/math.quality_enhancement.prompt.md"),
    "code.instance_generation": () => require("./templates/code.instance_generation.prompt.md"),
    "code.response_generation": () => require("./templates/code.response_generation.prompt.md"),
    "code.quality_enhancement": () => require("./templates/code.quality_enhancement.prompt.md"),
    "instruction_following.instance_generation": () => require("./templates/instruction_following.instance_generation.prompt.md"),
    "instruction_following.response_generation": () => require("./templates/instruction_following.response_generation.prompt.md"),
    "instruction_following.quality_enhancement": () => require("./templates/instruction_following.quality_enhancement.prompt.md"),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  try {
    const m = table[name]?.();
    if (typeof m === "string") return m;
    if (m && typeof (m as { default?: unknown }).default === "string") return (m as { default: string }).default;
  } catch {
    // Not bundled (running from source): Node cannot require a .md file.
  }
  return undefined;
}

const cache = new Map<string, string>();

export function bundledTemplate(domain: Domain, method: Method): string {
  const name = `${domain}.${method}`;
  let text = cache.get(name);
  if (text === undefined) {
    try {
      text = readFileSync(join(__dirname, "templates", `${name}.prompt.md`), "utf8");
    } catch {
      text = fromBundle(name);
    }
    if (text === undefined) throw new Error(`Bundled template ${name}.prompt.md is missing from this build.`);
    cache.set(name, text);
  }
  return text;
}
