/**
 * The broken-spec corpus (test/fixtures/specs/invalid/*.agora.json) through the bundled language server
 * over stdio: each file's diagnostics must be exactly the codes, severities and ranges in expected.json
 * (0-based `line:char-line:char severity code`). Regenerate after a deliberate change with
 * `UPDATE_LSP_EXPECTATIONS=1 npx mocha … corpus.test.ts` and review the diff.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Diagnostic } from "vscode-languageserver-protocol";
import { ensureBuilt, repoRoot } from "../../support/build";
import { LspTestClient } from "../../support/lsp-client";

const dir = join(repoRoot, "test", "fixtures", "specs", "invalid");
const expectedFile = join(dir, "expected.json");
const SEVERITY = ["", "error", "warning", "info", "hint"];

const fmt = (d: Diagnostic): string => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${SEVERITY[d.severity ?? 1]} ${String(d.code)}`;

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
      await client.open(uri, readFileSync(join(dir, file), "utf8"));
      const got = (await client.diagnostics(uri, 1)).map(fmt);
      await client.close(uri);
      actual[file] = got;
      assert.ok(got.length > 0, `${file} is meant to be broken but got no diagnostics`);
      if (!process.env.UPDATE_LSP_EXPECTATIONS) assert.deepEqual(got, expected[file]);
    });
  }
});
