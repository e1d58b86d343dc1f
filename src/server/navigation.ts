/**
 * Go to definition: from a generator id in `settings[].generators` to the generator, from a host reference
 * to its entry in the hosts file, and from a file path (seed file, meta-prompt, hosts file) to the file.
 */
import { existsSync, statSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { findNodeAtOffset, getNodePath, type Node } from "jsonc-parser";
import type { LocationLink, Position } from "vscode-languageserver";
import { parseJsonc } from "../core/spec/load";
import type { DocContext } from "./context";
import { at, matches, nodeRange } from "./util";

const HOST_REFS: (string | number)[][] = [
  ["settings", "#", "host"],
  ["student", "host"],
  ["evaluation", "host"],
  ["hosts", "default"],
];

export async function definition(ctx: DocContext, position: Position): Promise<LocationLink[]> {
  if (!ctx.featuresEnabled) return [];
  const root = ctx.parsed.root;
  if (!root) return [];
  const node = findNodeAtOffset(root, ctx.doc.offsetAt(position), true);
  if (!node || node.type !== "string" || typeof node.value !== "string") return [];
  // Keys are strings too: only values reference anything.
  if (node.parent?.type === "property" && node.parent.children?.[0] === node) return [];
  const path = getNodePath(node);
  const origin = nodeRange(ctx.doc, node);
  const value = node.value;

  if (ctx.kind === "hosts") {
    if (!matches(path, ["hosts", "#", "jumpHost"]) && !matches(path, ["hosts", "#", "via"])) return [];
    const target = hostNameNode(root, value);
    return target ? [{ originSelectionRange: origin, targetUri: ctx.doc.uri, targetRange: nodeRange(ctx.doc, target.parent?.parent ?? target), targetSelectionRange: nodeRange(ctx.doc, target) }] : [];
  }

  if (matches(path, ["settings", "#", "generators", "#"])) {
    const gens = at(root, ["generators"]);
    for (const g of gens?.children ?? []) {
      const id = g.type === "object" ? at(g, ["id"]) : undefined;
      if (id?.value === value) return [{ originSelectionRange: origin, targetUri: ctx.doc.uri, targetRange: nodeRange(ctx.doc, g), targetSelectionRange: nodeRange(ctx.doc, id) }];
    }
    return [];
  }

  if (HOST_REFS.some((p) => matches(path, p))) {
    const info = await ctx.hosts();
    if (!info?.text) return [];
    const parsed = parseJsonc(info.text);
    const target = parsed.root ? hostNameNode(parsed.root, value) : undefined;
    if (!target) return [];
    const range = (n: Node) => parsed.lines.rangeAt(n.offset, n.length);
    return [{ originSelectionRange: origin, targetUri: pathToFileURL(info.path).href, targetRange: range(target.parent?.parent ?? target), targetSelectionRange: range(target) }];
  }

  if (matches(path, ["settings", "#", "seed", "file"]) || matches(path, ["settings", "#", "metaPrompt"]) || matches(path, ["hosts", "file"])) {
    const specPath = ctx.filePath;
    if (!specPath) return [];
    const target = ctx.fs.tracking(new Set()).resolve(specPath, value);
    if (!existsSync(target) || !statSync(target).isFile()) return [];
    const zero = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    return [{ originSelectionRange: origin, targetUri: pathToFileURL(target).href, targetRange: zero, targetSelectionRange: zero }];
  }
  return [];
}

function hostNameNode(root: Node, name: string): Node | undefined {
  for (const h of at(root, ["hosts"])?.children ?? []) {
    const n = h.type === "object" ? at(h, ["name"]) : undefined;
    if (n?.value === name) return n;
  }
  return undefined;
}
