/**
 * Completion: the schema's property names and enum values (vscode-json-languageservice, with the zod
 * descriptions as documentation), plus what only AgoraBench knows: model ids per provider from the model
 * table, generator ids, host names from the hosts file, seed file paths on disk, the nine settings, and
 * snippets for a whole generator / setting / host block.
 */
import { readdir } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { getLocation } from "jsonc-parser";
import { type CompletionItem, CompletionItemKind, type CompletionList, InsertTextFormat, MarkupKind, type Position, type Range } from "vscode-languageserver";
import { formatUsd, type ModelEntry } from "../core/models";
import { DOMAIN_INFO, METHOD_INFO, SETTINGS } from "../core/settings";
import type { DocContext } from "./context";
import { jsonService } from "./json-service";
import { isObj, matches, str } from "./util";

/** Settings (and the hosts view) list seed files below the spec's parent folder, this deep at most. */
const SEED_SCAN_DEPTH = 4;
const SEED_SCAN_LIMIT = 500;
/** Folders read at most per listing: a spec in a home folder must not make completion walk the whole disk. */
const SEED_SCAN_DIRS = 2000;
const SKIP_DIRS = new Set(["node_modules", ".git", "runs", "dist", "out", ".vscode-test"]);

export async function complete(ctx: DocContext, position: Position): Promise<CompletionList> {
  const base = ctx.featuresEnabled ? await jsonService(ctx.kind).doComplete(ctx.doc, position, ctx.jsonDoc()) : null;
  const items: CompletionItem[] = base?.items ?? [];
  if (!ctx.featuresEnabled) return { isIncomplete: false, items };
  const extra = ctx.kind === "spec" ? await specItems(ctx, position) : hostsFileItems(ctx, position);
  const labels = new Set(items.map((i) => i.label));
  for (const e of extra) {
    if (labels.has(e.label)) {
      // Ours carry richer documentation (e.g. model prices): replace the schema's plain item.
      const idx = items.findIndex((i) => i.label === e.label);
      items[idx] = { ...items[idx], ...e };
    } else items.push(e);
  }
  return { isIncomplete: base?.isIncomplete ?? false, items };
}

interface ValueSpot {
  path: (string | number)[];
  /** Range a proposed value replaces (the string under the cursor, or the empty range at it). */
  range: Range;
  /** Text already typed inside the string, without quotes. */
  typed: string;
}

/** When the cursor is at a value (not a key), where and what it would replace. */
function valueSpot(ctx: DocContext, position: Position): ValueSpot | undefined {
  const text = ctx.doc.getText();
  const offset = ctx.doc.offsetAt(position);
  const loc = getLocation(text, offset);
  if (loc.isAtPropertyKey) return undefined;
  const prev = loc.previousNode;
  if (prev && prev.type !== "property" && offset >= prev.offset && offset <= prev.offset + prev.length && prev.type === "string") {
    return {
      path: loc.path,
      range: { start: ctx.doc.positionAt(prev.offset), end: ctx.doc.positionAt(prev.offset + prev.length) },
      typed: text.slice(prev.offset + 1, offset),
    };
  }
  return { path: loc.path, range: { start: position, end: position }, typed: "" };
}

const quoted = (s: string): string => JSON.stringify(s);

function valueItem(label: string, spot: ValueSpot, kind: CompletionItemKind, detail?: string, documentation?: string, sortText?: string): CompletionItem {
  return {
    label,
    kind,
    detail,
    documentation: documentation ? { kind: MarkupKind.Markdown, value: documentation } : undefined,
    textEdit: { range: spot.range, newText: quoted(label) },
    filterText: quoted(label),
    sortText,
  };
}

export function modelDoc(m: ModelEntry): string {
  const lines = [`**${m.label ?? m.id}** · \`${m.provider}\``];
  if (m.contextWindow) lines.push(`Context window: ${m.contextWindow.toLocaleString("en-US")} tokens${m.maxOutputTokens ? `, max output ${m.maxOutputTokens.toLocaleString("en-US")}` : ""}`);
  if (m.inputPer1M !== undefined && m.outputPer1M !== undefined) {
    lines.push(`Price: ${formatUsd(m.inputPer1M)} in / ${formatUsd(m.outputPer1M)} out per 1M tokens${m.pricesAsOf ? ` (as of ${m.pricesAsOf})` : ""}`);
    if (m.source) lines.push(`Source: ${m.source}`);
  }
  return lines.join("\n\n");
}

async function specItems(ctx: DocContext, position: Position): Promise<CompletionItem[]> {
  const spot = valueSpot(ctx, position);
  const v = ctx.value;
  if (!spot) return [];
  const { path } = spot;
  // generators[i].model: model ids for the generator's provider.
  if (matches(path, ["generators", "#", "model"])) {
    const g = isObj(v) && Array.isArray(v.generators) ? v.generators[path[1] as number] : undefined;
    const provider = isObj(g) ? str(g.provider) : undefined;
    const models = provider ? ctx.catalog().list(provider) : ctx.catalog().entries;
    return models.map((m, i) =>
      valueItem(m.id, spot, CompletionItemKind.Value, `${m.provider}${m.contextWindow ? ` · ${Math.round(m.contextWindow / 1000)}k ctx` : ""}${m.inputPer1M !== undefined ? ` · ${formatUsd(m.inputPer1M)}/${formatUsd(m.outputPer1M ?? 0)} per 1M` : ""}`, modelDoc(m), String(i).padStart(3, "0")),
    );
  }
  // settings[i].generators[j]: the spec's generator ids.
  if (matches(path, ["settings", "#", "generators", "#"])) {
    const gens = isObj(v) && Array.isArray(v.generators) ? v.generators.filter(isObj) : [];
    return gens
      .filter((g) => typeof g.id === "string")
      .map((g) => valueItem(g.id as string, spot, CompletionItemKind.Reference, `${str(g.provider) ?? "?"} · ${str(g.model) ?? "?"}`, `Generator \`${String(g.id)}\` defined in \`generators\`.`));
  }
  // Host references.
  if (matches(path, ["settings", "#", "host"]) || matches(path, ["student", "host"]) || matches(path, ["evaluation", "host"]) || matches(path, ["hosts", "default"])) {
    const info = await ctx.hosts();
    return (info?.hosts ?? []).map((h) => valueItem(h.name, spot, CompletionItemKind.Reference, `${h.kind} host`, hostDoc(h)));
  }
  // Seed files (and meta-prompt templates) relative to the spec.
  if (matches(path, ["settings", "#", "seed", "file"]) || matches(path, ["settings", "#", "metaPrompt"]) || matches(path, ["hosts", "file"])) {
    const specPath = ctx.filePath;
    if (!specPath) return [];
    const want = path[2] === "seed" ? /\.(jsonl|json)$/ : path[0] === "hosts" ? /hosts\.json$/ : /\.prompt\.md$/;
    const files = await listFiles(dirname(dirname(specPath)), want);
    return files.map((f) => {
      const rel = relative(dirname(specPath), f).split(sep).join("/");
      return valueItem(rel, spot, CompletionItemKind.File, "file relative to the spec");
    });
  }
  // Array slots: whole blocks.
  if (matches(path, ["settings", "#"])) return settingSnippets(spot);
  if (matches(path, ["generators", "#"])) return generatorSnippets(spot);
  return [];
}

function hostDoc(h: { name: string; kind: string; host?: string; user?: string; partition?: string }): string {
  if (h.kind === "ssh") return `SSH host \`${h.name}\`: ${h.user ?? "?"}@${h.host ?? "?"}`;
  if (h.kind === "slurm") return `Slurm host \`${h.name}\`${h.partition ? `, partition ${h.partition}` : ""}`;
  return `Local host \`${h.name}\`: this machine.`;
}

function snippet(label: string, spot: ValueSpot, body: string, detail: string, documentation: string, sortText: string): CompletionItem {
  return {
    label,
    kind: CompletionItemKind.Snippet,
    insertTextFormat: InsertTextFormat.Snippet,
    textEdit: { range: spot.range, newText: body },
    detail,
    documentation: { kind: MarkupKind.Markdown, value: documentation },
    sortText,
    filterText: `${label} {`,
  };
}

function settingSnippets(spot: ValueSpot): CompletionItem[] {
  const items = SETTINGS.map((s, i) => {
    const body = [
      "{",
      `\t"domain": "${s.domain}",`,
      `\t"method": "${s.method}",`,
      `\t"seed": { "file": "\${1:seeds/${DOMAIN_INFO[s.domain].referenceName}_seed.jsonl}" },`,
      `\t"instances": \${2:100}`,
      "}",
    ].join("\n");
    return snippet(
      `setting: ${s.id}`,
      spot,
      body,
      `${DOMAIN_INFO[s.domain].label} × ${METHOD_INFO[s.method].label}`,
      `${METHOD_INFO[s.method].summary}\n\nPaper seed data: ${s.seedSource} (${s.seedSize.toLocaleString("en-US")} records); 10,000 instances per generator.`,
      `0${i}`,
    );
  });
  items.push(
    snippet(
      "setting (blank)",
      spot,
      '{\n\t"domain": "${1|math,code,instruction_following|}",\n\t"method": "${2|instance_generation,response_generation,quality_enhancement|}",\n\t"seed": { "file": "$3" },\n\t"instances": ${4:100}\n}',
      "New setting",
      "A domain × method setting with its seed file.",
      "09",
    ),
  );
  return items;
}

function generatorSnippets(spot: ValueSpot): CompletionItem[] {
  return [
    snippet("generator: openai", spot, '{\n\t"id": "${1:gpt-4o-mini}",\n\t"provider": "openai",\n\t"model": "${2:gpt-4o-mini-2024-07-18}"\n}', "OpenAI generator", "A generator called through the OpenAI API (key: `OPENAI_API_KEY`).", "00"),
    snippet("generator: anthropic", spot, '{\n\t"id": "${1:claude-sonnet}",\n\t"provider": "anthropic",\n\t"model": "${2:claude-3-5-sonnet-20240620}"\n}', "Anthropic generator", "A generator called through the Anthropic Messages API (key: `ANTHROPIC_API_KEY`).", "01"),
    snippet(
      "generator: openai-compatible (vLLM)",
      spot,
      '{\n\t"id": "${1:llama-8b}",\n\t"provider": "openai-compatible",\n\t"baseUrl": "${2:http://127.0.0.1:8000/v1}",\n\t"model": "${3:meta-llama/Llama-3.1-8B-Instruct}",\n\t"price": { "inputPer1M": ${4:0}, "outputPer1M": ${5:0} }\n}',
      "Self-hosted generator",
      "A model served by vLLM or any OpenAI-compatible server. Self-hosted: set its price to 0 so the budget ignores it.",
      "02",
    ),
  ];
}

/** Snippets for hosts files: a whole local / SSH / Slurm host block in the `hosts` array. */
function hostsFileItems(ctx: DocContext, position: Position): CompletionItem[] {
  const spot = valueSpot(ctx, position);
  if (!spot || !matches(spot.path, ["hosts", "#"])) return [];
  return [
    snippet("host: ssh", spot, '{\n\t"name": "${1:gpu-box}",\n\t"kind": "ssh",\n\t"host": "${2:gpu-box.example.org}",\n\t"user": "${3:$USER}",\n\t"workDir": "${4:~/agorabench}"\n}', "SSH host", "A GPU machine reached over SSH (its host key must be in known_hosts).", "00"),
    snippet("host: slurm", spot, '{\n\t"name": "${1:cluster}",\n\t"kind": "slurm",\n\t"via": "${2:login}",\n\t"partition": "${3:gpu}",\n\t"gpusPerJob": ${4:4},\n\t"time": "${5:24:00:00}"\n}', "Slurm host", "A Slurm cluster; `via` names an SSH host (login node) of this file.", "01"),
    snippet("host: local", spot, '{\n\t"name": "${1:local}",\n\t"kind": "local",\n\t"workDir": "${2:runs}"\n}', "Local host", "This machine.", "02"),
  ];
}

const listCache = new Map<string, { at: number; files: Promise<string[]> }>();

/** Drops cached folder listings (a file was created or deleted on disk). */
export function forgetFileLists(): void {
  listCache.clear();
}

/** Files below `root` matching `want`, breadth-first, bounded; cached for a few seconds (typing bursts). */
function listFiles(root: string, want: RegExp): Promise<string[]> {
  const key = `${root}\u0000${want.source}`;
  const hit = listCache.get(key);
  if (hit && Date.now() - hit.at < 5000) return hit.files;
  const files = (async () => {
    const out: string[] = [];
    let level = [root];
    let dirs = 0;
    for (let depth = 0; depth < SEED_SCAN_DEPTH && level.length && out.length < SEED_SCAN_LIMIT; depth++) {
      const next: string[] = [];
      for (const dir of level) {
        if (++dirs > SEED_SCAN_DIRS) break;
        const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
        for (const e of entries) {
          if (e.name.startsWith(".") || SKIP_DIRS.has(e.name)) continue;
          const p = join(dir, e.name);
          if (e.isDirectory()) next.push(p);
          else if (want.test(e.name) && !e.name.endsWith(".agora.json") && out.length < SEED_SCAN_LIMIT) out.push(p);
        }
      }
      level = next;
    }
    return out.sort();
  })();
  listCache.set(key, { at: Date.now(), files });
  return files;
}
