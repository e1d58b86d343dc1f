/** Small helpers shared by the language features: positions on the JSONC tree, path matching, fuzzy names. */
import { findNodeAtLocation, getNodePath, type Node } from "jsonc-parser";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { Range } from "vscode-languageserver";

export type JsonPath = (string | number)[];

export function nodeRange(doc: TextDocument, node: Pick<Node, "offset" | "length">): Range {
  return { start: doc.positionAt(node.offset), end: doc.positionAt(node.offset + node.length) };
}

/** The property key node of a value node, when it is a property value. */
export function keyNodeOf(node: Node): Node | undefined {
  return node.parent?.type === "property" ? node.parent.children?.[0] : undefined;
}

/** `pattern` matches `path` segment by segment; "*" matches any one segment, "#" any index. */
export function matches(path: readonly (string | number)[], pattern: readonly (string | number)[]): boolean {
  if (path.length !== pattern.length) return false;
  return pattern.every((p, i) => p === "*" || (p === "#" ? typeof path[i] === "number" : p === path[i]));
}

export function pathOf(node: Node): JsonPath {
  return getNodePath(node);
}

export function at(root: Node | undefined, path: JsonPath): Node | undefined {
  return root ? findNodeAtLocation(root, path) : undefined;
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** Candidates ordered by edit distance to `word` (case-insensitive), those within `max` only. */
export function closest(word: string, candidates: Iterable<string>, max = Math.max(2, Math.floor(word.length / 3))): string[] {
  const w = word.toLowerCase();
  return [...new Set(candidates)]
    .map((c) => ({ c, d: levenshtein(w, c.toLowerCase()) }))
    .filter((x) => x.d <= max)
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .map((x) => x.c);
}

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
