/**
 * parseJsonc's fast path (comments blanked + JSON.parse, tree built lazily) must give exactly what the
 * error-tolerant jsonc-parser path gives: the same value, the same duplicate keys, the same tree.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, type ParseError, parseTree } from "jsonc-parser";
import { parseJsonc } from "../../../src/core/spec/load";
import { duplicateKeyDiagnostics } from "../../../src/core/spec/semantic";
import { repoRoot } from "../../support/build";

const examples = join(repoRoot, "examples", "experiments");
const invalid = join(repoRoot, "test", "fixtures", "specs", "invalid");

describe("parseJsonc", () => {
  const texts: [string, string][] = [
    ...readdirSync(examples).map((f): [string, string] => [f, readFileSync(join(examples, f), "utf8")]),
    ...readdirSync(invalid)
      .filter((f) => f.endsWith(".json") && f !== "expected.json")
      .map((f): [string, string] => [f, readFileSync(join(invalid, f), "utf8")]),
    ["comments everywhere", '/* a */ { // b\n "x" /* c */ : /* d */ [1, /* e */ 2] // f\n } /* g */'],
    ["strings that look like comments", '{ "url": "http://x//y", "glob": "a/*b*/c", "q": "\\"//\\"" }'],
    ["escaped keys", '{ "a\\u0062": 1, "ab": 2, "x": { "ab": 3 } }'],
    ["trailing commas", '{ "a": [1, 2,], }'],
    ["trailing commas with comments and nesting", '{ "a": [1, [2,], {"b": 3,},] /* x */ , // y\n "c": "d" , /* z */ }'],
    ["a comma after no value is an error", "[,]"],
    ["a double comma is an error", '{ "a": 1,, }'],
    ["a comma after a colon is an error", '{ "a": , }'],
    ["bom", "\ufeff{ \"a\": 1 }"],
  ];

  for (const [name, text] of texts) {
    it(`agrees with jsonc-parser: ${name}`, () => {
      const p = parseJsonc(text);
      const source = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
      if (p.syntaxErrors.some((d) => d.code === "syntax.TooDeep")) return;
      assert.deepEqual(p.value, parse(source, [], { allowTrailingComma: true, disallowComments: false }));
      assert.deepEqual(JSON.stringify(p.root, (k, v: unknown) => (k === "parent" ? undefined : v)), JSON.stringify(parseTree(source, [], { allowTrailingComma: true }), (k, v: unknown) => (k === "parent" ? undefined : v)));
    });
  }

  it("finds duplicate keys on both paths, escaped spellings included", () => {
    const fast = parseJsonc('{ "a": 1, "b": { "a": 2, "c": 3, "c": 4 }, "a": 5, "\\u0061": 6 }');
    assert.deepEqual(duplicateKeyDiagnostics(fast).map((d) => `${d.range.start.character} ${d.message}`), [
      '33 Duplicate property "c": only the last one is used.',
      '43 Duplicate property "a": only the last one is used.',
      '51 Duplicate property "a": only the last one is used.',
    ]);
    // A syntax error (the missing comma before "z") sends it down the tolerant path.
    const slow = parseJsonc('{ "a": 1, "b": { "a": 2, "c": 3, "c": 4 }, "a": 5, "\\u0061": 6 "z": 0 }');
    assert.deepEqual(slow.syntaxErrors.map((d) => d.code), ["syntax.CommaExpected"]);
    assert.deepEqual(duplicateKeyDiagnostics(slow).map((d) => d.range.start.character).sort((x, y) => x - y), [33, 43, 51]);
  });

  // (jsonc-parser's own parse() turns such a key into the prototype; ours keeps it as data on both paths.)
  it("takes trailing commas on the fast path and reports errors the tolerant parser reports", () => {
    const ok = parseJsonc('{ "a": [1, 2,], "b": {"c": 3,}, }');
    assert.deepEqual(ok.syntaxErrors, []);
    assert.deepEqual(ok.value, { a: [1, 2], b: { c: 3 } });
    for (const bad of ["[,]", '{ "a": 1,, }', '{ "a": , }', '{ "a" , }']) {
      const p = parseJsonc(bad);
      const errors: ParseError[] = [];
      parseTree(bad, errors, { allowTrailingComma: true });
      assert.ok(errors.length > 0, bad);
      assert.equal(p.syntaxErrors.length, errors.length, bad);
    }
  });

  it("keeps a __proto__ key as data on the fast path", () => {
    const v = parseJsonc('{ "__proto__": { "polluted": true } }').value as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.deepEqual(Object.keys(v), ["__proto__"]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("refuses deep nesting without recursing, strings and comments not counted", () => {
    assert.deepEqual(parseJsonc("[".repeat(100_000)).syntaxErrors.map((d) => d.code), ["syntax.TooDeep"]);
    assert.equal(parseJsonc(`{ "s": "${"[".repeat(500)}" } // ${"{".repeat(500)}`).syntaxErrors.length, 0);
  });
});
