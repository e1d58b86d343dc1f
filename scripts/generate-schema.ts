/**
 * Writes the JSON schemas in schemas/ from the zod models (`npm run schema`). With `--check` it only
 * compares and exits 1 when the committed files drift from the models (run in CI by `npm test`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ScoresFile } from "../src/core/pgr";
import { ExperimentSpec } from "../src/core/spec/model";
import { HostsFile } from "../src/core/spec/hosts";

const root = join(__dirname, "..");
const targets: { file: string; schema: z.ZodType; title: string; id: string }[] = [
  { file: "agora-spec.schema.json", schema: ExperimentSpec, title: "AgoraBench experiment spec", id: "agora-spec" },
  { file: "agora-hosts.schema.json", schema: HostsFile, title: "AgoraBench hosts file", id: "agora-hosts" },
  { file: "agora-scores.schema.json", schema: ScoresFile, title: "AgoraBench scores file", id: "agora-scores" },
];

/** VS Code's JSON service renders `markdownDescription` as markdown on hover; our descriptions use backticks. */
function addMarkdownDescriptions(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(addMarkdownDescriptions);
  if (!node || typeof node !== "object") return;
  const obj = node as Record<string, unknown>;
  if (typeof obj.description === "string" && obj.markdownDescription === undefined) obj.markdownDescription = obj.description;
  for (const v of Object.values(obj)) addMarkdownDescriptions(v);
}

export function renderSchema(schema: z.ZodType, title: string, id: string): string {
  // io: "input" — fields with defaults are optional in what users write; the zod output fills them in.
  const json = z.toJSONSchema(schema, { target: "draft-7", io: "input", unrepresentable: "throw" }) as Record<string, unknown>;
  addMarkdownDescriptions(json);
  const ordered = { $schema: json.$schema, $id: `https://agorabench.invalid/schemas/${id}.schema.json`, title, ...json };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

const check = process.argv.includes("--check");
let drift = 0;
for (const t of targets) {
  const path = join(root, "schemas", t.file);
  const next = renderSchema(t.schema, t.title, t.id);
  let current = "";
  try {
    current = readFileSync(path, "utf8");
  } catch {
    /* missing counts as drift */
  }
  if (current === next) continue;
  if (check) {
    console.error(`schemas/${t.file} is out of date with the zod model: run \`npm run schema\` and commit the result.`);
    drift++;
  } else {
    writeFileSync(path, next);
    console.log(`wrote schemas/${t.file}`);
  }
}
if (check && drift) process.exit(1);
if (check) console.log("schemas are up to date");
