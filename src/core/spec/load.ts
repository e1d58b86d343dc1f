/**
 * Parses a spec's JSONC text and validates it against the zod model, reporting every problem with an exact
 * range. The JSONC parse is error-tolerant (jsonc-parser), so a syntax error does not hide schema errors
 * elsewhere in the file.
 */
import { findNodeAtLocation, type Node, type ParseError, parseTree, printParseErrorCode } from "jsonc-parser";

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
  readonly text: string;
  /** The error-tolerant tree (built on first use when the text is plain JSON with comments: see parseJsonc). */
  readonly root: Node | undefined;
  /** False when there is no value at all (empty text, refused nesting). */
  readonly hasValue: boolean;
  readonly value: unknown;
  readonly lines: LineIndex;
  readonly syntaxErrors: SpecDiagnostic[];
  /** Property keys whose name already appeared in the same object. */
  readonly duplicateKeys: readonly DuplicateKey[];
}

export interface DuplicateKey {
  name: string;
  /** Offset and length of the key token, quotes included. */
  offset: number;
  length: number;
}

const PARSE_OPTIONS = { disallowComments: false, allowTrailingComma: true, allowEmptyContent: false } as const;

/** Deeper than any real spec; beyond it a tree walk could exhaust the stack, so we refuse early. */
export const MAX_NESTING = 200;

/**
 * At most this many diagnostics per document (the rest are summarised in one `limit.too-many-problems`).
 * A 10 MB file of repeated keys or stray symbols would otherwise yield millions of them: seconds of work
 * and a publish message of hundreds of MB, i.e. a hung editor. Each producer stops at this bound on its
 * own, so the cost of a hostile file stays linear in its size and small in what is sent.
 */
export const MAX_DIAGNOSTICS = 1000;

interface ScanResult {
  /** Offset where nesting first exceeds MAX_NESTING. */
  tooDeep?: number;
  /** Comment ranges [start, end) in order. */
  comments: number[];
  /** Offsets of trailing commas (after a value, before `}` or `]`) in order. */
  trailingCommas: number[];
  duplicateKeys: DuplicateKey[];
}

/**
 * One flat pass over the text (no recursion), run on every keystroke before anything else, so it must cost
 * next to nothing: a character loop, not jsonc-parser's tokenizer. It finds where nesting exceeds
 * MAX_NESTING (deeper trees could exhaust the stack), where comments are, trailing commas (JSONC allows
 * them, JSON.parse does not: a spec being edited often has one), and duplicate property keys.
 * Strings end at their closing quote or at a line break, as jsonc-parser ends them, and comments are
 * skipped, so it sees exactly the brackets the parser will see.
 */
function scan(text: string): ScanResult {
  const comments: number[] = [];
  const trailingCommas: number[] = [];
  const duplicateKeys: DuplicateKey[] = [];
  // Per open container: the keys seen so far (objects) or null (arrays).
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  // A value just ended (so a comma here may be trailing), and the offset of such a comma not yet followed
  // by anything but blanks and comments. `[,]` and `[1,,]` stay errors: their commas follow no value.
  let afterValue = false;
  let comma = -1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (d === 0x22 || d === 10 || d === 13) break;
      }
      const keys = stack[stack.length - 1];
      if (expectKey && keys) {
        let name = text.slice(start + 1, i);
        if (escaped) {
          try {
            name = JSON.parse(text.slice(start, i + 1)) as string;
          } catch {
            // a malformed key: the parser reports it
          }
        }
        if (!keys.has(name)) keys.add(name);
        else if (duplicateKeys.length <= MAX_DIAGNOSTICS) duplicateKeys.push({ name, offset: start, length: i + 1 - start });
      }
      expectKey = false;
      afterValue = true;
      comma = -1;
    } else if (c === 0x2f /* / */ && text.charCodeAt(i + 1) === 0x2f) {
      const start = i;
      for (i += 2; i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13; i++);
      comments.push(start, i);
      i--;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a /* * */) {
      const end = text.indexOf("*/", i + 2);
      comments.push(i, end < 0 ? n : end + 2);
      if (end < 0) break;
      i = end + 1;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push(c === 0x7b ? new Set() : null);
      if (stack.length > MAX_NESTING) return { tooDeep: i, comments, trailingCommas, duplicateKeys };
      expectKey = c === 0x7b;
      afterValue = false;
      comma = -1;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
      if (comma >= 0) trailingCommas.push(comma);
      afterValue = true;
      comma = -1;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] != null;
      comma = afterValue ? i : -1;
      afterValue = false;
    } else if (c !== 0x20 && c !== 10 && c !== 13 && c !== 9) {
      expectKey = false;
      // A number or literal continues a value; a colon (or any stray symbol) does not end one.
      afterValue = c !== 0x3a /* : */;
      comma = -1;
    }
  }
  return { comments, trailingCommas, duplicateKeys };
}

/**
 * The text with every comment and trailing comma replaced by spaces (line breaks kept), so offsets stay
 * the same and JSON.parse takes it. Both lists are in order; they are merged on the way.
 */
function blankForJson(text: string, comments: readonly number[], commas: readonly number[]): string {
  if (comments.length === 0 && commas.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  let k = 0;
  let m = 0;
  while (k < comments.length || m < commas.length) {
    if (m < commas.length && (k >= comments.length || commas[m]! < comments[k]!)) {
      const from = commas[m++]!;
      parts.push(text.slice(at, from), " ");
      at = from + 1;
    } else {
      const from = comments[k]!;
      const to = comments[k + 1]!;
      k += 2;
      // A line comment holds no line break: plain spaces, no regex (specs have hundreds of comments).
      const isLine = text.charCodeAt(from + 1) === 0x2f;
      parts.push(text.slice(at, from), isLine ? " ".repeat(to - from) : text.slice(from, to).replace(/[^\r\n]/g, " "));
      at = to;
    }
  }
  parts.push(text.slice(at));
  return parts.join("");
}

class Parsed implements ParsedJsonc {
  private rootCache: Node | undefined;
  private rootDone = false;
  private linesCache: LineIndex | undefined;

  constructor(
    readonly text: string,
    private readonly source: string,
    readonly hasValue: boolean,
    readonly value: unknown,
    readonly syntaxErrors: SpecDiagnostic[],
    readonly duplicateKeys: readonly DuplicateKey[],
    root?: Node,
  ) {
    if (root) {
      this.rootCache = root;
      this.rootDone = true;
    }
  }

  get root(): Node | undefined {
    if (!this.rootDone) {
      this.rootDone = true;
      // Only reached for texts JSON.parse accepted (comments blanked): the tolerant parse finds no errors.
      if (this.hasValue) this.rootCache = parseTree(this.source, [], PARSE_OPTIONS);
    }
    return this.rootCache;
  }

  get lines(): LineIndex {
    this.linesCache ??= new LineIndex(this.text);
    return this.linesCache;
  }
}

/**
 * Parses JSONC into a tree and a plain value, collecting every syntax error with its range.
 *
 * Fast path: a spec is almost always valid JSON plus comments and perhaps trailing commas, so after the
 * flat scan those are blanked and the engine's native JSON.parse builds the value; the tree (for ranges)
 * and the line index are only built when something asks for them, e.g. to place a diagnostic. Any text
 * JSON.parse still refuses (a syntax error) takes the error-tolerant jsonc-parser path, so errors never
 * hide others.
 */
export function parseJsonc(text: string): ParsedJsonc {
  // A byte-order mark is legal at the start of a file but not JSON: blank it out so offsets stay the same.
  const source = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  const scanned = scan(source);
  if (scanned.tooDeep !== undefined) {
    const parsed = new Parsed(text, source, false, undefined, [], []);
    const diagnostic: SpecDiagnostic = {
      code: "syntax.TooDeep",
      message: `The document nests objects/arrays more than ${MAX_NESTING} levels deep; it cannot be a spec.`,
      severity: "error",
      range: parsed.lines.rangeAt(scanned.tooDeep, 1),
      path: [],
    };
    parsed.syntaxErrors.push(diagnostic);
    return parsed;
  }
  try {
    // JSON.parse stores a "__proto__" key as an own data property, never as a prototype.
    const value: unknown = JSON.parse(blankForJson(source, scanned.comments, scanned.trailingCommas));
    return new Parsed(text, source, true, value, [], scanned.duplicateKeys);
  } catch {
    // not plain JSON: the tolerant parser below reports exactly what is wrong
  }
  const errors: ParseError[] = [];
  const root = parseTree(source, errors, PARSE_OPTIONS);
  const duplicateKeys: DuplicateKey[] = [];
  const value = root ? nodeValue(root, duplicateKeys) : undefined;
  const parsed = new Parsed(text, source, root !== undefined, value, [], duplicateKeys, root);
  // One past the bound, so the caller knows there were more (see MAX_DIAGNOSTICS).
  for (const e of errors.length > MAX_DIAGNOSTICS ? errors.slice(0, MAX_DIAGNOSTICS + 1) : errors) {
    parsed.syntaxErrors.push({
      code: `syntax.${printParseErrorCode(e.error)}`,
      message: describeParseError(printParseErrorCode(e.error)),
      severity: "error",
      range: parsed.lines.rangeAt(e.offset, Math.max(1, e.length)),
      path: [],
    });
  }
  return parsed;
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
 * prototype). Duplicate keys: the last value wins, as with JSON.parse; their key nodes go to `duplicates`
 * for the semantic rules (one walk of the tree for both).
 */
function nodeValue(node: Node, duplicates: DuplicateKey[]): unknown {
  switch (node.type) {
    case "object": {
      const obj: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (!k || !v) continue;
        const key = String(k.value);
        if (Object.prototype.hasOwnProperty.call(obj, key) && duplicates.length <= MAX_DIAGNOSTICS) duplicates.push({ name: key, offset: k.offset, length: k.length });
        const value = nodeValue(v, duplicates);
        // defineProperty makes an own data property even for "__proto__", which never becomes a prototype.
        if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
        else obj[key] = value;
      }
      return obj;
    }
    case "array": {
      const children = node.children ?? [];
      const arr = new Array<unknown>(children.length);
      for (let i = 0; i < children.length; i++) arr[i] = nodeValue(children[i]!, duplicates);
      return arr;
    }
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

/** `"a", "b" or "c"` for an enum's allowed values. */
function oneOf(values: readonly unknown[]): string {
  const quoted = values.map((v) => JSON.stringify(v));
  return quoted.length <= 1 ? (quoted[0] ?? "") : `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
}

/**
 * Converts zod issues into diagnostics positioned on the JSONC tree. A required property that is absent
 * is `schema.missing` whatever zod calls it: zod reports a missing string as `invalid_type` but a missing
 * enum (`domain`, `method`, `provider`) as `invalid_value`, and "Invalid option" would send the user
 * looking for a value that is not there.
 */
export function zodIssuesToDiagnostics(parsed: ParsedJsonc, issues: readonly z.core.$ZodIssue[], limit = MAX_DIAGNOSTICS + 1): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  for (const issue of issues) {
    if (out.length >= limit) break;
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      const { node } = nodeForPath(parsed.root, path);
      // One pass over the object's properties, not one per unknown key: an object with 100,000 unknown
      // keys must cost 100,000 steps, not 10^10.
      const keyNodes = new Map<string, Node>();
      if (node?.type === "object") {
        for (const prop of node.children ?? []) {
          const k = prop.children?.[0];
          // The first of duplicate keys, as findNodeAtLocation finds it.
          if (k && typeof k.value === "string" && !keyNodes.has(k.value)) keyNodes.set(k.value, prop.children?.[1] ?? k);
        }
      }
      for (const key of issue.keys) {
        if (out.length >= limit) break;
        const keyNode = keyNodes.get(key);
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
    const missing = !exact && (issue.code === "invalid_type" || issue.code === "invalid_value");
    const range = node
      ? !exact
        ? rangeOfObjectStart(parsed, node)
        : rangeOfValue(parsed, node)
      : parsed.lines.rangeAt(0, Math.min(1, parsed.text.length));
    const field = path.length ? String(path[path.length - 1]) : "spec";
    const allowed = issue.code === "invalid_value" && issue.values.length ? ` (${oneOf(issue.values)})` : "";
    const message = missing ? `Missing required property "${field}"${allowed}.` : issue.message;
    out.push({ code: missing ? "schema.missing" : `schema.${issue.code}`, message, severity: "error", range, path });
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
  if (!parsed.hasValue) {
    const diagnostics = parsed.syntaxErrors.length
      ? parsed.syntaxErrors
      : [{ code: "syntax.empty", message: "The file is empty: a spec is a JSON object.", severity: "error" as const, range: parsed.lines.rangeAt(0, 0), path: [] }];
    return { value: undefined, diagnostics, parsed };
  }
  const result = schema.safeParse(parsed.value);
  const diagnostics = [...parsed.syntaxErrors];
  // zodIssuesToDiagnostics stops at MAX_DIAGNOSTICS + 1, so spreading them is safe.
  if (!result.success) diagnostics.push(...zodIssuesToDiagnostics(parsed, result.error.issues));
  const ok = result.success && parsed.syntaxErrors.length === 0;
  return { value: ok ? result.data : undefined, diagnostics: limitDiagnostics(diagnostics), parsed };
}

const byPosition = (a: SpecDiagnostic, b: SpecDiagnostic): number =>
  a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character;

/**
 * Sorts diagnostics by position and keeps the first MAX_DIAGNOSTICS, replacing the rest by one
 * `limit.too-many-problems` at the first one left out (so the user sees where the flood begins).
 */
export function limitDiagnostics(diagnostics: SpecDiagnostic[]): SpecDiagnostic[] {
  // A summary from an earlier stage (loadJsoncWith, then validate adding semantic rules) says where
  // that stage stopped; the earliest stop wins.
  const earlier = diagnostics.filter((d) => d.code === TOO_MANY);
  const real = (earlier.length ? diagnostics.filter((d) => d.code !== TOO_MANY) : diagnostics).sort(byPosition);
  if (real.length <= MAX_DIAGNOSTICS && earlier.length === 0) return real;
  const kept = real.slice(0, MAX_DIAGNOSTICS);
  const left = [...earlier, ...real.slice(MAX_DIAGNOSTICS)];
  const at = left.map((d) => d.range.start).sort((a, b) => a.line - b.line || a.character - b.character)[0]!;
  // As severe as the worst problem left out: an error must not hide behind a warning.
  const severity = left.some((d) => d.severity === "error") ? "error" : left.some((d) => d.severity === "warning") ? "warning" : "info";
  kept.push({
    code: TOO_MANY,
    // Each producer stops one past the bound, so the exact number left out is not known: say "more".
    message: `More problems from here on are not shown: at most ${MAX_DIAGNOSTICS} are reported per file. Fix the ones above first.`,
    severity,
    range: { start: at, end: at },
    path: [],
  });
  return kept.sort(byPosition);
}

/** Code of the diagnostic that stands for those left out by limitDiagnostics. */
export const TOO_MANY = "limit.too-many-problems";
