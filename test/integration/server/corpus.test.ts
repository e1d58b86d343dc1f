/**
 * The broken-spec corpus (test/fixtures/specs/invalid/*.agora.json) through the bundled language server
 * over stdio: each file's diagnostics must be exactly the codes, severities and ranges in expected.json
 * (0-based `line:char-line:char severity code`). Every file is then edited (an incremental change), and
 * completion, hover, definition, code lens, outline, folding, formatting and quick fixes are asked at each
 * problem: a broken spec gets answers, never an error. `agora validate` (the bundled CLI) must report the
 * same problems at the same places, except the two rules that depend on the editor. Regenerate after a
 * deliberate change with `UPDATE_LSP_EXPECTATIONS=1 npx mocha … corpus.test.ts` and review the diff.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CodeAction, Diagnostic, DocumentSymbol, FoldingRange, TextEdit } from "vscode-languageserver-protocol";
import { cliPath, ensureBuilt, repoRoot } from "../../support/build";
import { LspTestClient } from "../../support/lsp-client";

const dir = join(repoRoot, "test", "fixtures", "specs", "invalid");
const expectedFile = join(dir, "expected.json");
const SEVERITY = ["", "error", "warning", "info", "hint"];
/** Rules that depend on what the editor knows (keys configured, models added in settings), not on the files. */
const EDITOR_ONLY = new Set(["semantic.api-key-missing", "semantic.unknown-model"]);

type Range = { start: { line: number; character: number }; end: { line: number; character: number } };
const fmtRange = (r: Range): string => `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
const fmt = (d: Diagnostic): string => `${fmtRange(d.range)} ${SEVERITY[d.severity ?? 1]} ${String(d.code)}`;

describe("language server: broken-spec corpus", function () {
  this.timeout(120_000);
  let client: LspTestClient;
  const files = readdirSync(dir).filter((f) => f.endsWith(".agora.json")).sort();
  const expected = JSON.parse(readFileSync(expectedFile, "utf8")) as Record<string, string[]>;
  const actual: Record<string, string[]> = {};

  before(async () => {
    ensureBuilt();
    // Keys for the two default providers are "configured"; the api-key fixture names a variable nobody has.
    ({ client } = await LspTestClient.start({ rootUri: pathToFileURL(dir).href, initializationOptions: { keysAvailable: { OPENAI_API_KEY: true, ANTHROPIC_API_KEY: true } } }));
  });
  after(async () => {
    await client?.stop();
    if (process.env.UPDATE_LSP_EXPECTATIONS) writeFileSync(expectedFile, `${JSON.stringify(actual, null, 2)}\n`);
  });

  it("has at least 40 broken specs, each with expectations", () => {
    assert.ok(files.length >= 40, `only ${files.length} fixtures`);
    if (!process.env.UPDATE_LSP_EXPECTATIONS) assert.deepEqual(Object.keys(expected).sort(), files);
  });

  for (const file of files) {
    it(file, async () => {
      const uri = pathToFileURL(join(dir, file)).href;
      const text = readFileSync(join(dir, file), "utf8");
      await client.open(uri, text);
      const diagnostics = await client.diagnostics(uri, 1);
      const got = diagnostics.map(fmt);
      actual[file] = got;
      assert.ok(got.length > 0, `${file} is meant to be broken but got no diagnostics`);
      if (!process.env.UPDATE_LSP_EXPECTATIONS) assert.deepEqual(got, expected[file]);

      // An incremental edit: a comment line inserted at the top (after a byte-order mark) moves every
      // problem one line down and changes nothing else.
      const top = { line: 0, character: text.startsWith("\uFEFF") ? 1 : 0 };
      await client.conn.sendNotification("textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: top, end: top }, text: "// edited\n" }] });
      const moved = got.map((line) => line.replace(/^(\d+):(\d+)-(\d+):(\d+)/, (_, a: string, b: string, c: string, d: string) => `${Number(a) + 1}:${b}-${Number(c) + 1}:${d}`));
      assert.deepEqual((await client.diagnostics(uri, 2)).map(fmt), moved, "after an edit");

      // Every feature at every problem answers (a rejected request fails the test) with a well-formed result.
      for (const d of diagnostics.slice(0, 20)) {
        const at = { textDocument: { uri }, position: d.range.start };
        const items = await client.completion(uri, d.range.start.line, d.range.start.character);
        assert.ok(Array.isArray(items));
        const hover = await client.hover(uri, d.range.start.line, d.range.start.character);
        assert.ok(hover === null || typeof hover.contents === "object" || typeof hover.contents === "string");
        assert.ok(Array.isArray(await client.request<unknown[]>("textDocument/definition", at)));
        const actions = await client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
        // A quick fix edits this document only, and only its diagnostic.
        for (const a of actions) {
          assert.deepEqual(a.diagnostics, [d], a.title);
          if (a.edit) assert.deepEqual(Object.keys(a.edit.changes ?? {}), [uri], a.title);
        }
      }
      const lenses = await client.codeLens(uri);
      assert.ok(lenses.every((l) => typeof l.command?.title === "string" && l.command.title.length > 0));
      assert.ok(Array.isArray(await client.request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri } })));
      assert.ok(Array.isArray(await client.request<FoldingRange[]>("textDocument/foldingRange", { textDocument: { uri } })));
      assert.ok(Array.isArray(await client.request<TextEdit[]>("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } })));
      await client.close(uri);
    });
  }

  it("agora validate reports the same problems at the same places as the server", function () {
    if (process.env.UPDATE_LSP_EXPECTATIONS) this.skip();
    const r = spawnSync(process.execPath, [cliPath, "validate", "--format", "json", ...files.map((f) => join(dir, f))], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, OPENAI_API_KEY: "", ANTHROPIC_API_KEY: "" } });
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { files: { file: string; diagnostics: { code: string; severity: string; range: Range }[] }[] };
    assert.equal(report.files.length, files.length);
    for (const f of report.files) {
      const name = f.file.slice(dir.length + 1);
      const cli = f.diagnostics.map((d) => `${fmtRange(d.range)} ${d.severity} ${d.code}`);
      assert.deepEqual(cli, expected[name]!.filter((line) => !EDITOR_ONLY.has(line.split(" ").pop()!)), name);
    }
  });
});
