/**
 * Document symbols (the outline: generators by id, settings by setting id, the other sections with their
 * properties) and the code lenses above each setting: Run Setting, Estimate cost, Open samples.
 */
import type { Node } from "jsonc-parser";
import { type CodeLens, type DocumentSymbol, SymbolKind } from "vscode-languageserver";
import { formatUsd } from "../core/models";
import { settingId } from "../core/spec/model";
import type { DocContext } from "./context";
import { at, isObj, keyNodeOf, nodeRange, str } from "./util";

export const LENS_COMMANDS = {
  run: "agorabench.runSetting",
  estimate: "agorabench.estimateCost",
  samples: "agorabench.openSamples",
} as const;

/**
 * At most this many symbols in the outline and lenses per document: a 4 MB spec with 100,000 settings
 * would otherwise answer with a message of tens of MB that no editor can show anyway (VS Code's own JSON
 * support stops at 5,000 outline items too).
 */
export const MAX_ITEMS = 5000;

export interface LensOptions {
  /** Prefix titles with VS Code codicons (`$(play) Run Setting`); other editors would show them literally. */
  icons: boolean;
}

/** The lens titles (the commands behind them are in LENS_COMMANDS). */
export function lensTitles(icons: boolean, cost = ""): { run: string; estimate: string; samples: string } {
  const icon = (name: string): string => (icons ? `$(${name}) ` : "");
  return { run: `${icon("play")}Run Setting`, estimate: `${icon("credit-card")}Estimate cost${cost}`, samples: `${icon("preview")}Open samples` };
}

/** Arguments every setting lens passes to its command. */
export interface SettingLensArgs {
  specUri: string;
  settingIndex: number;
  settingId: string;
}

function idOf(raw: unknown, index: number): string {
  if (!isObj(raw)) return `settings[${index}]`;
  const domain = str(raw.domain);
  const method = str(raw.method);
  return str(raw.id) ?? (domain && method ? settingId({ domain, method }) : `settings[${index}]`);
}

export async function codeLenses(ctx: DocContext, options: LensOptions = { icons: false }): Promise<CodeLens[]> {
  if (ctx.kind !== "spec" || !ctx.featuresEnabled) return [];
  const settings = at(ctx.parsed.root, ["settings"]);
  if (!settings || settings.type !== "array") return [];
  const v = ctx.value;
  const raw = isObj(v) && Array.isArray(v.settings) ? v.settings : [];
  const validation = await ctx.validation;
  const estimates = validation?.spec?.estimates;
  const lenses: CodeLens[] = [];
  (settings.children ?? []).forEach((node, i) => {
    if (node.type !== "object" || lenses.length + 3 > MAX_ITEMS) return;
    const start = ctx.doc.positionAt(node.offset);
    const range = { start, end: start };
    const args: SettingLensArgs = { specUri: ctx.doc.uri, settingIndex: i, settingId: idOf(raw[i], i) };
    const e = estimates?.[i];
    const cost = e ? ` (~${formatUsd(e.totalUsd)}${e.incomplete ? "+" : ""})` : "";
    const titles = lensTitles(options.icons, cost);
    lenses.push(
      { range, command: { title: titles.run, command: LENS_COMMANDS.run, arguments: [args] } },
      { range, command: { title: titles.estimate, command: LENS_COMMANDS.estimate, arguments: [args] } },
      { range, command: { title: titles.samples, command: LENS_COMMANDS.samples, arguments: [args] } },
    );
  });
  return lenses;
}

function symbol(ctx: DocContext, name: string, kind: SymbolKind, node: Node, selection: Node | undefined, detail?: string, children?: DocumentSymbol[]): DocumentSymbol {
  const range = nodeRange(ctx.doc, node.parent?.type === "property" ? node.parent : node);
  return { name: name || "(empty)", kind, detail, range, selectionRange: selection ? nodeRange(ctx.doc, selection) : { start: range.start, end: range.start }, children };
}

function kindOfValue(node: Node): SymbolKind {
  switch (node.type) {
    case "object":
      return SymbolKind.Object;
    case "array":
      return SymbolKind.Array;
    case "string":
      return SymbolKind.String;
    case "number":
      return SymbolKind.Number;
    case "boolean":
      return SymbolKind.Boolean;
    default:
      return SymbolKind.Null;
  }
}

/** How many more symbols the outline may hold (MAX_ITEMS in all). */
class Budget {
  private left = MAX_ITEMS;

  /** The first items of `xs` that still fit, counted as spent. */
  take<T>(xs: readonly T[] | undefined): readonly T[] {
    const all = xs ?? [];
    const n = Math.max(0, Math.min(all.length, this.left));
    this.left -= n;
    return n === all.length ? all : all.slice(0, n);
  }
}

/** Properties of an object node as symbols, one level deep. */
function propertySymbols(ctx: DocContext, obj: Node, budget: Budget): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const prop of budget.take(obj.children)) {
    const [k, val] = prop.children ?? [];
    if (!k || !val) continue;
    out.push(symbol(ctx, String(k.value), kindOfValue(val), val, k, val.type === "object" || val.type === "array" ? undefined : String(val.value)));
  }
  return out;
}

export function documentSymbols(ctx: DocContext): DocumentSymbol[] {
  if (!ctx.featuresEnabled) return [];
  const root = ctx.parsed.root;
  if (!root || root.type !== "object") return [];
  const budget = new Budget();
  const out: DocumentSymbol[] = [];
  for (const prop of budget.take(root.children)) {
    const [k, val] = prop.children ?? [];
    if (!k || !val) continue;
    const key = String(k.value);
    const count = val.children?.length ?? 0;
    if (ctx.kind === "spec" && key === "generators" && val.type === "array") {
      const children = budget.take(val.children).map((g, i) => {
        const id = g.type === "object" ? at(g, ["id"]) : undefined;
        const provider = g.type === "object" ? at(g, ["provider"])?.value : undefined;
        const model = g.type === "object" ? at(g, ["model"])?.value : undefined;
        return symbol(ctx, typeof id?.value === "string" ? id.value : `generators[${i}]`, SymbolKind.Class, g, id, [provider, model].filter((x) => typeof x === "string").join(" · "), g.type === "object" ? propertySymbols(ctx, g, budget) : undefined);
      });
      out.push(symbol(ctx, key, SymbolKind.Array, val, k, `${count} generator(s)`, children));
    } else if (ctx.kind === "spec" && key === "settings" && val.type === "array") {
      const raw = isObj(ctx.value) && Array.isArray(ctx.value.settings) ? ctx.value.settings : [];
      const children = budget.take(val.children).map((s, i) => {
        const r = raw[i];
        const detail = isObj(r) && typeof r.domain === "string" && typeof r.method === "string" ? `${r.domain} × ${r.method}` : undefined;
        const sel = s.type === "object" ? (at(s, ["id"]) ?? at(s, ["method"]) ?? at(s, ["domain"])) : undefined;
        return symbol(ctx, idOf(r, i), SymbolKind.Event, s, sel ? (keyNodeOf(sel) ?? sel) : undefined, detail, s.type === "object" ? propertySymbols(ctx, s, budget) : undefined);
      });
      out.push(symbol(ctx, key, SymbolKind.Array, val, k, `${count} setting(s)`, children));
    } else if (ctx.kind === "hosts" && key === "hosts" && val.type === "array") {
      const children = budget.take(val.children).map((h, i) => {
        const name = h.type === "object" ? at(h, ["name"]) : undefined;
        const kind = h.type === "object" ? at(h, ["kind"])?.value : undefined;
        return symbol(ctx, typeof name?.value === "string" ? name.value : `hosts[${i}]`, SymbolKind.Interface, h, name, typeof kind === "string" ? kind : undefined, h.type === "object" ? propertySymbols(ctx, h, budget) : undefined);
      });
      out.push(symbol(ctx, key, SymbolKind.Array, val, k, undefined, children));
    } else {
      out.push(symbol(ctx, key, val.type === "object" ? SymbolKind.Module : kindOfValue(val), val, k, val.type === "object" || val.type === "array" ? undefined : String(val.value), val.type === "object" ? propertySymbols(ctx, val, budget) : undefined));
    }
  }
  return out;
}
