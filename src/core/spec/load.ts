/**
 * Parses a spec's JSONC text and validates it against the zod model, reporting every problem with an exact
 * range. The JSONC parse is error-tolerant (jsonc-parser), so a syntax error does not hide schema errors
 * elsewhere in the file.
 */
import { createScanner, findNodeAtLocation, type Node, type ParseError, parseTree, printParseErrorCode } from "jsonc-parser";

// jsonc-parser's SyntaxKind is an ambient const enum, which isolated modules cannot read: its values here.
const Token = { OpenBrace: 1, CloseBrace: 2, OpenBracket: 3, CloseBracket: 4, EOF: 17 } as const;
import type { z } from "zod";
import { LineIndex, type Range } from "./positions";

export type Severity = "error" | "warning" | "info";

export interface SpecDiagnostic {
  /** Stable code, e.g. `syntax.InvalidSymbol`, `schema.invalid_type`, `semantic.unknown-generator`. */
  code: string;
  message: string;
  severity: Severity;
  range: Range;
  /** JSON path of the offending value, when there is one. */
  path: (string | number)[];
}

export interface ParsedJsonc {
  text: string;
  root: Node | undefined;
  value: unknown;
  lines: LineIndex;
  syntaxErrors: SpecDiagnostic[];
}

const PARSE_OPTIONS = { disallowComments: false, allowTrailingComma: true, allowEmptyContent: false } as const;

/** Deeper than any real spec; beyond it a tree walk could exhaust the stack, so we refuse early. */
export const MAX_NESTING = 200;

/** Offset where nesting first exceeds MAX_NESTING, found by a flat token scan (no recursion). */
function excessiveNestingAt(text: string): number | undefined {
  const scanner = createScanner(text, true);
  let depth = 0;
  for (let kind = scanner.scan(); kind !== Token.EOF; kind = scanner.scan()) {
    if (kind === Token.OpenBrace || kind === Token.OpenBracket) {
      if (++depth > MAX_NESTING) return scanner.getTokenOffset();
    } else if (kind === Token.CloseBrace || kind === Token.CloseBracket) {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}

/** Parses JSONC into a tree and a plain value, collecting every syntax error with its range. */
export function parseJsonc(text: string): ParsedJsonc {
  const lines = new LineIndex(text);
  const errors: ParseError[] = [];
  // A byte-order mark is legal at the start of a file but not JSON: blank it out so offsets stay the same.
  const source = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  const tooDeep = excessiveNestingAt(source);
  if (tooDeep !== undefined) {
    const diagnostic: SpecDiagnostic = {
      code: "syntax.TooDeep",
      message: `The document nests objects/arrays more than ${MAX_NESTING} levels deep; it cannot be a spec.`,
      severity: "error",
      range: lines.rangeAt(tooDeep, 1),
      path: [],
    };
    return { text, root: undefined, value: undefined, lines, syntaxErrors: [diagnostic] };
  }
  const root = parseTree(source, errors, PARSE_OPTIONS);
  const syntaxErrors = errors.map<SpecDiagnostic>((e) => ({
    code: `syntax.${printParseErrorCode(e.error)}`,
    message: describeParseError(printParseErrorCode(e.error)),
    severity: "error",
    range: lines.rangeAt(e.offset, Math.max(1, e.length)),
    path: [],
  }));
  return { text, root, value: root ? nodeValue(root) : undefined, lines, syntaxErrors };
}

function describeParseError(code: string): string {
  switch (code) {
    case "InvalidSymbol":
      return "Invalid symbol: not valid JSON here.";
    case "InvalidNumberFormat":
      return "Invalid number format.";
    case "PropertyNameExpected":
      return "Property name expected (a double-quoted string).";
    case "ValueExpected":
      return "Value expected.";
    case "ColonExpected":
      return "Colon expected after the property name.";
    case "CommaExpected":
      return "Comma expected between entries.";
    case "CloseBraceExpected":
      return "Closing brace `}` expected.";
    case "CloseBracketExpected":
      return "Closing bracket `]` expected.";
    case "EndOfFileExpected":
      return "End of file expected: only one top-level value is allowed.";
    case "UnexpectedEndOfString":
      return "Unterminated string.";
    case "UnexpectedEndOfComment":
      return "Unterminated block comment.";
    case "InvalidEscapeCharacter":
      return "Invalid escape character in string.";
    case "InvalidUnicode":
      return "Invalid unicode escape sequence.";
    case "InvalidCharacter":
      return "Invalid character in string (control characters must be escaped).";
    default:
      return `JSON syntax error (${code}).`;
  }
}

/**
 * Like jsonc-parser's getNodeValue, but safe against `__proto__` keys (stored as plain data, never as a
 * prototype). Duplicate keys: the last value wins, as with JSON.parse; the semantic rules report them.
 */
function nodeValue(node: Node): unknown {
  switch (node.type) {
    case "object": {
      const entries: [string, unknown][] = [];
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (k && v) entries.push([String(k.value), nodeValue(v)]);
      }
      // fromEntries defines own data properties, so a "__proto__" key never becomes a prototype.
      return Object.fromEntries(entries);
    }
    case "array":
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}

/** Finds the node for a path, falling back to the nearest existing ancestor. */
export function nodeForPath(root: Node | undefined, path: (string | number)[]): { node: Node | undefined; exact: boolean } {
  if (!root) return { node: undefined, exact: false };
  for (let n = path.length; n >= 0; n--) {
    const node = findNodeAtLocation(root, path.slice(0, n));
    if (node) return { node, exact: n === path.length };
  }
  return { node: root, exact: false };
}

/** The range of a property's key when the node is a property value, else of the node itself. */
export function keyOrValueRange(parsed: ParsedJsonc, node: Node): Range {
  const parent = node.parent;
  if (parent?.type === "property" && parent.children?.[0]) {
    const key = parent.children[0];
    return parsed.lines.rangeAt(key.offset, key.length);
  }
  return parsed.lines.rangeAt(node.offset, node.length);
}

function rangeOfValue(parsed: ParsedJsonc, node: Node): Range {
  // Whole objects/arrays make huge squiggles; point at the key that holds them instead.
  if (node.type === "object" || node.type === "array") return keyOrValueRange(parsed, node);
  return parsed.lines.rangeAt(node.offset, node.length);
}

function rangeOfObjectStart(parsed: ParsedJsonc, node: Node): Range {
  if (node.parent?.type === "property") return keyOrValueRange(parsed, node);
  return parsed.lines.rangeAt(node.offset, 1);
}

/** Converts zod issues into diagnostics positioned on the JSONC tree. */
export function zodIssuesToDiagnostics(parsed: ParsedJsonc, issues: readonly z.core.$ZodIssue[]): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      const { node } = nodeForPath(parsed.root, path);
      for (const key of issue.keys) {
        const keyNode = node ? findNodeAtLocation(node, [key]) : undefined;
        out.push({
          code: "schema.unrecognized_key",
          message: `Unknown property "${key}".`,
          severity: "error",
          range: keyNode ? keyOrValueRange(parsed, keyNode) : node ? rangeOfObjectStart(parsed, node) : parsed.lines.rangeAt(0, 0),
          path: [...path, key],
        });
      }
      continue;
    }
    const { node, exact } = nodeForPath(parsed.root, path);
    const missing = !exact;
    const range = node
      ? missing
        ? rangeOfObjectStart(parsed, node)
        : rangeOfValue(parsed, node)
      : parsed.lines.rangeAt(0, Math.min(1, parsed.text.length));
    const field = path.length ? String(path[path.length - 1]) : "spec";
    const message = missing && issue.code === "invalid_type" ? `Missing required property "${field}".` : issue.message;
    out.push({ code: missing && issue.code === "invalid_type" ? "schema.missing" : `schema.${issue.code}`, message, severity: "error", range, path });
  }
  return out;
}

export interface LoadResult<T> {
  /** The parsed value with defaults applied; undefined when any error was found. */
  value: T | undefined;
  diagnostics: SpecDiagnostic[];
  parsed: ParsedJsonc;
}

/** Parses and validates JSONC text against a zod schema. */
export function loadJsoncWith<S extends z.ZodType>(schema: S, text: string): LoadResult<z.output<S>> {
  const parsed = parseJsonc(text);
  if (!parsed.root) {
    const diagnostics = parsed.syntaxErrors.length
      ? parsed.syntaxErrors
      : [{ code: "syntax.empty", message: "The file is empty: a spec is a JSON object.", severity: "error" as const, range: parsed.lines.rangeAt(0, 0), path: [] }];
    return { value: undefined, diagnostics, parsed };
  }
  const result = schema.safeParse(parsed.value);
  const diagnostics = [...parsed.syntaxErrors];
  if (!result.success) diagnostics.push(...zodIssuesToDiagnostics(parsed, result.error.issues));
  diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  const ok = result.success && parsed.syntaxErrors.length === 0;
  return { value: ok ? result.data : undefined, diagnostics, parsed };
}
