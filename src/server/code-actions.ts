/**
 * Quick fixes for common mistakes, keyed by diagnostic code: a misspelt or unknown property (rename to the
 * closest allowed one, or remove it), a missing required property (add it), an unknown generator or host
 * id (change it to the closest defined one), an OpenAI-compatible generator without `baseUrl` (add one),
 * a duplicate key (remove it) and a missing API key (run "Set API Key"). Edits come from jsonc-parser's
 * `modify`, which keeps comments and formatting around the change.
 */
import { type FormattingOptions, modify } from "jsonc-parser";
import { type CodeAction, CodeActionKind, type Diagnostic, type Range, type TextEdit } from "vscode-languageserver";
import type { DocContext } from "./context";
import { allowedKeys, schemasAt, schemaOf } from "./json-service";
import { closest, isObj, type JsonPath } from "./util";

/** What the server attaches to each diagnostic (`Diagnostic.data`), so fixes know the JSON path. */
export interface DiagnosticData {
  path: JsonPath;
}

const FORMAT: FormattingOptions = { insertSpaces: true, tabSize: 2, eol: "\n" };

function edits(ctx: DocContext, path: JsonPath, value: unknown): TextEdit[] {
  const text = ctx.doc.getText();
  const fmt = { ...FORMAT, eol: text.includes("\r\n") ? "\r\n" : "\n" };
  return modify(text, path, value, { formattingOptions: fmt }).map((e) => ({
    range: { start: ctx.doc.positionAt(e.offset), end: ctx.doc.positionAt(e.offset + e.length) },
    newText: e.content,
  }));
}

function fix(ctx: DocContext, title: string, diagnostic: Diagnostic, textEdits: TextEdit[], preferred = false): CodeAction {
  return { title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: preferred, edit: { changes: { [ctx.doc.uri]: textEdits } } };
}

function replaceRange(range: Range, text: string): TextEdit[] {
  return [{ range, newText: text }];
}

/** A placeholder value of the right type for a missing property. */
function placeholder(ctx: DocContext, path: JsonPath): unknown {
  const [s] = schemasAt(schemaOf(ctx.kind), path);
  if (!s) return "";
  if (s.enum?.length) return s.enum[0];
  switch (s.type) {
    case "object":
      return Object.fromEntries((s.required ?? []).map((k) => [k, placeholder(ctx, [...path, k])]));
    case "array":
      return [];
    case "number":
    case "integer":
      return typeof s.minimum === "number" ? s.minimum : 0;
    case "boolean":
      return false;
    default:
      return "";
  }
}

export function codeActions(ctx: DocContext, diagnostics: Diagnostic[]): CodeAction[] {
  if (!ctx.featuresEnabled) return [];
  const out: CodeAction[] = [];
  const v = ctx.value;
  for (const d of diagnostics) {
    const message = typeof d.message === "string" ? d.message : "";
    const data = d.data as Partial<DiagnosticData> | undefined;
    const path = Array.isArray(data?.path) ? data.path : undefined;
    if (!path) continue;
    const last = path[path.length - 1];
    switch (d.code) {
      case "schema.unrecognized_key": {
        if (typeof last !== "string") break;
        const parent = path.slice(0, -1);
        for (const k of closest(last, allowedKeys(ctx.kind, parent)).slice(0, 2)) {
          out.push(fix(ctx, `Rename "${last}" to "${k}"`, d, replaceRange(d.range, JSON.stringify(k)), true));
        }
        out.push(fix(ctx, `Remove property "${last}"`, d, edits(ctx, path, undefined)));
        break;
      }
      case "schema.missing": {
        if (typeof last !== "string") break;
        out.push(fix(ctx, `Add missing property "${last}"`, d, edits(ctx, path, placeholder(ctx, path)), true));
        break;
      }
      case "semantic.unknown-generator": {
        const ids = isObj(v) && Array.isArray(v.generators) ? v.generators.map((g) => (isObj(g) && typeof g.id === "string" ? g.id : undefined)).filter((x): x is string => !!x) : [];
        const typed = message.match(/"([^"]*)"/)?.[1] ?? "";
        const ranked = [...closest(typed, ids, Number.MAX_SAFE_INTEGER)].slice(0, 3);
        ranked.forEach((id, i) => out.push(fix(ctx, `Change to generator "${id}"`, d, replaceRange(d.range, JSON.stringify(id)), i === 0)));
        break;
      }
      case "semantic.unknown-host": {
        const known = [...message.matchAll(/"([^"]*)"/g)].map((m) => m[1]!).slice(2);
        const typed = message.match(/"([^"]*)"/)?.[1] ?? "";
        closest(typed, known, Number.MAX_SAFE_INTEGER)
          .slice(0, 3)
          .forEach((h, i) => out.push(fix(ctx, `Change to host "${h}"`, d, replaceRange(d.range, JSON.stringify(h)), i === 0)));
        break;
      }
      case "semantic.base-url-required": {
        out.push(fix(ctx, 'Add "baseUrl": "http://127.0.0.1:8000/v1" (vLLM default)', d, edits(ctx, [...path.slice(0, -1), "baseUrl"], "http://127.0.0.1:8000/v1"), true));
        break;
      }
      case "semantic.duplicate-key": {
        out.push(fix(ctx, "Remove this duplicate property", d, removeDuplicate(ctx, d.range)));
        break;
      }
      case "semantic.api-key-missing": {
        const env = message.match(/API key in ([A-Z_][A-Z0-9_]*)/)?.[1];
        if (env) out.push({ title: `Set API key for ${env}…`, kind: CodeActionKind.QuickFix, diagnostics: [d], command: { title: `Set API key for ${env}`, command: "agorabench.setApiKey", arguments: [env] } });
        break;
      }
    }
  }
  return out;
}

/** Deletes the property whose key is at `keyRange`, with its separating comma. */
function removeDuplicate(ctx: DocContext, keyRange: Range): TextEdit[] {
  const text = ctx.doc.getText();
  const start = ctx.doc.offsetAt(keyRange.start);
  const prop = ctx.parsed.root ? findProperty(ctx.parsed.root, start) : undefined;
  if (!prop) return [];
  let from = prop.offset;
  let to = prop.offset + prop.length;
  const after = /^\s*,/.exec(text.slice(to));
  if (after) to += after[0].length;
  else {
    const before = /,\s*$/.exec(text.slice(0, from));
    if (before) from -= before[0].length;
  }
  return [{ range: { start: ctx.doc.positionAt(from), end: ctx.doc.positionAt(to) }, newText: "" }];
}

function findProperty(node: import("jsonc-parser").Node, keyOffset: number): import("jsonc-parser").Node | undefined {
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === "property" && n.children?.[0]?.offset === keyOffset) return n;
    // A loop, not push(...children): an object may have more children than a call has room for arguments.
    if (keyOffset >= n.offset && keyOffset <= n.offset + n.length) for (const c of n.children ?? []) stack.push(c);
  }
  return undefined;
}
