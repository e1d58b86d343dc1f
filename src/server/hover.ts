/**
 * Hover: the schema's documentation of every property (the zod descriptions, through
 * vscode-json-languageservice), plus on a setting its domain / method explanation and an estimated token
 * count and cost for each of its generators, and on a model id its context window and price.
 */
import { getLocation } from "jsonc-parser";
import { type Hover, MarkupKind, type Position } from "vscode-languageserver";
import { CHARS_PER_TOKEN, formatUsd, type SettingCostEstimate } from "../core/models";
import { DOMAIN_INFO, isDomain, isMethod, METHOD_INFO, SETTINGS, BENCHMARKS } from "../core/settings";
import { modelDoc } from "./completion";
import type { DocContext } from "./context";
import { jsonService } from "./json-service";
import { isObj, matches, str } from "./util";

export async function hover(ctx: DocContext, position: Position): Promise<Hover | null> {
  if (!ctx.featuresEnabled) return null;
  const base = await jsonService(ctx.kind).doHover(ctx.doc, position, ctx.jsonDoc());
  const parts: string[] = [];
  if (base) parts.push(...contentsToStrings(base.contents));
  if (ctx.kind === "spec") parts.push(...(await specHover(ctx, position)));
  if (!parts.length) return null;
  return { contents: { kind: MarkupKind.Markdown, value: parts.join("\n\n---\n\n") }, range: base?.range };
}

function contentsToStrings(c: Hover["contents"]): string[] {
  if (typeof c === "string") return [c];
  if (Array.isArray(c)) return c.map((x) => (typeof x === "string" ? x : `\`\`\`${x.language}\n${x.value}\n\`\`\``));
  return [c.value];
}

async function specHover(ctx: DocContext, position: Position): Promise<string[]> {
  const loc = getLocation(ctx.doc.getText(), ctx.doc.offsetAt(position));
  const path = loc.path;
  const v = ctx.value;
  if (matches(path, ["generators", "#", "model"]) && !loc.isAtPropertyKey) {
    const g = isObj(v) && Array.isArray(v.generators) ? v.generators[path[1] as number] : undefined;
    const provider = isObj(g) ? str(g.provider) : undefined;
    const model = isObj(g) ? str(g.model) : undefined;
    const entry = provider && model ? ctx.catalog().lookup(provider, model) : undefined;
    return entry ? [modelDoc(entry)] : model ? [`\`${model}\` is not in the model table: cost estimates leave it out unless the generator sets \`price\`.`] : [];
  }
  if (path[0] !== "settings" || typeof path[1] !== "number") return [];
  // On the setting itself (between its properties) or on its id / domain / method.
  const onSetting = path.length === 2 || (path.length === 3 && (path[2] === "domain" || path[2] === "method" || path[2] === "id" || path[2] === ""));
  if (!onSetting) return [];
  const s = isObj(v) && Array.isArray(v.settings) ? v.settings[path[1]] : undefined;
  if (!isObj(s)) return [];
  const domain = str(s.domain);
  const method = str(s.method);
  if (!domain || !method || !isDomain(domain) || !isMethod(method)) return [];
  const info = SETTINGS.find((x) => x.domain === domain && x.method === method)!;
  const lines = [
    `**${DOMAIN_INFO[domain].label} × ${METHOD_INFO[method].label}** (\`${info.id}\`)`,
    METHOD_INFO[method].summary,
    `In the paper: seed data ${info.seedSource} (${info.seedSize.toLocaleString("en-US")} records), 10,000 instances per generator; the student is scored on ${info.benchmarks.map((b) => BENCHMARKS[b].label).join(" and ")}.`,
  ];
  const validation = await ctx.validation;
  const estimate = validation?.spec?.estimates?.[path[1]];
  lines.push(estimate ? estimateTable(estimate) : "_No cost estimate: fix the spec's errors first._");
  return [lines.join("\n\n")];
}

export function estimateTable(e: SettingCostEstimate): string {
  const rows = e.perGenerator.map(
    (g) => `| ${g.generator} | ${g.items.toLocaleString("en-US")} | ${g.inputTokens.toLocaleString("en-US")} | ${g.outputTokens.toLocaleString("en-US")} | ${g.usd === undefined ? "unknown" : formatUsd(g.usd)} |`,
  );
  const total = `**Estimated total: ${formatUsd(e.totalUsd)}**${e.incomplete ? " (some generators have no known price)" : ""}`;
  const how = `Estimate: about ${e.inputTokensPerRequest.toLocaleString("en-US")} input and ${e.outputTokensPerRequest.toLocaleString("en-US")} output tokens per request (${e.assumedSeed ? "typical seed lengths assumed: the seed file could not be read" : "from the seed file's text length"}, ${CHARS_PER_TOKEN} characters per token); batch generators at the batch discount.`;
  const table = ["| generator | items | input tokens | output tokens | cost |", "|---|---:|---:|---:|---:|", ...rows].join("\n");
  return [total, table, how].join("\n\n");
}
