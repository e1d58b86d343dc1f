/**
 * The bundled language server (dist/server.js) driven over stdio by a real LSP client: initialize, open,
 * change, completion, hover, code lens, definition, symbols, folding, formatting, quick fixes, key and
 * file-change notifications, hostile input, cancellation, shutdown. Specs come from examples/ and from a
 * temporary workspace each test writes itself.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CancellationTokenSource, type CodeAction, type CompletionItem, type Diagnostic, type DocumentSymbol, type FoldingRange, type LocationLink, type MarkupContent, type TextEdit } from "vscode-languageserver-protocol";
import { ensureBuilt, repoRoot } from "../../support/build";
import { LspTestClient, positionOf } from "../../support/lsp-client";

const KEYS = { OPENAI_API_KEY: true, ANTHROPIC_API_KEY: true };
const examplesDir = join(repoRoot, "examples", "experiments");
const md = (h: { contents: unknown } | null): string => ((h?.contents ?? { value: "" }) as MarkupContent).value;
const codes = (ds: Diagnostic[]): string[] => ds.map((d) => String(d.code));

describe("agora-language-server over stdio", function () {
  this.timeout(60_000);
  let client: LspTestClient;
  const dir = mkdtempSync(join(tmpdir(), "agora-lsp-"));
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return pathToFileURL(join(dir, name)).href;
  };

  before(async () => {
    ensureBuilt();
    mkdirSync(join(dir, "seeds"), { recursive: true });
    writeFileSync(join(dir, "seeds", "math.jsonl"), '{"config":"math","instruction":"What is 2+2?","response":"4 [RESULT] 4 [/RESULT]"}\n{"config":"math","instruction":"What is 3+3?","response":"6 [RESULT] 6 [/RESULT]"}\n');
    writeFileSync(join(dir, "agora.hosts.json"), '{\n  "hosts": [\n    { "name": "local", "kind": "local" },\n    { "name": "gpu-box", "kind": "ssh", "host": "127.0.0.1", "user": "agora" }\n  ]\n}\n');
    const started = await LspTestClient.start({
      rootUri: pathToFileURL(dir).href,
      initializationOptions: { keysAvailable: KEYS, models: [{ provider: "openai-compatible", id: "my-org/tiny-model", contextWindow: 8192, inputPer1M: 0.01, outputPer1M: 0.02, pricesAsOf: "2025-01-01" }] },
    });
    client = started.client;
    assert.equal(started.init.serverInfo?.name, "agora-language-server");
    const caps = started.init.capabilities;
    for (const c of ["completionProvider", "hoverProvider", "codeLensProvider", "definitionProvider", "documentSymbolProvider", "foldingRangeProvider", "documentFormattingProvider", "codeActionProvider"] as const) {
      assert.ok(caps[c], `missing capability ${c}`);
    }
  });

  after(async () => {
    await client?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("publishes syntax, schema and semantic diagnostics with exact ranges, and clears them when fixed", async () => {
    const broken = `{
  "name": "x",
  "generators": [ { "id": "g", "provider": "openai", "model": "gpt-4o-mini", "temprature": 1 } ],
  "settings": [ { "domain": "math", "method": "instance_generation", "seed": { "file": "nope.jsonl" }, "generators": ["zz"] } ]
}`;
    const uri = file("flow.agora.json", broken);
    await client.open(uri, broken);
    assert.deepEqual(
      (await client.diagnostics(uri, 1)).map((d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.character} ${d.code}`),
      ["2:77-89 schema.unrecognized_key", "3:118-122 semantic.unknown-generator"],
    );
    // With the schema error gone the seed file is checked on disk, relative to the spec.
    const step2 = broken.replace(', "temprature": 1', "");
    await client.change(uri, 2, step2);
    assert.deepEqual(codes(await client.diagnostics(uri, 2)), ["semantic.seed-missing", "semantic.unknown-generator"]);
    await client.change(uri, 3, step2.replace("nope.jsonl", "seeds/math.jsonl").replace('["zz"]', '["g"]'));
    assert.deepEqual(await client.diagnostics(uri, 3), []);
  });

  describe("on the examples", () => {
    const specs = readdirSync(examplesDir).filter((f) => f.endsWith(".agora.json")).sort();

    it("finds the examples", () => assert.ok(specs.length >= 1, "no examples/experiments/*.agora.json"));

    it("reports no problem in any example, and a lens trio above every setting", async () => {
      for (const f of specs) {
        const text = readFileSync(join(examplesDir, f), "utf8");
        const uri = pathToFileURL(join(examplesDir, f)).href;
        await client.open(uri, text);
        assert.deepEqual((await client.diagnostics(uri, 1)).map((d) => `${d.code} ${d.message}`), [], f);
        const lenses = await client.codeLens(uri);
        const settings = (JSON.parse(text.replace(/^\s*\/\/.*$/gm, "")) as { settings: unknown[] }).settings;
        assert.equal(lenses.length, settings.length * 3, f);
        assert.deepEqual(lenses.slice(0, 3).map((l) => l.command?.command), ["agorabench.runSetting", "agorabench.estimateCost", "agorabench.openSamples"]);
        assert.equal(lenses[0]!.command!.title, "$(play) Run Setting");
        assert.match(lenses[1]!.command!.title, /^\$\(credit-card\) Estimate cost \(~\$[\d.]+\+?\)$/);
        assert.equal(lenses[2]!.command!.title, "$(preview) Open samples");
        assert.deepEqual(lenses[0]!.command!.arguments, [{ specUri: uri, settingIndex: 0, settingId: lenses[0]!.command!.arguments![0].settingId }]);
        await client.close(uri);
      }
    });

    it("completes model ids for the generator's provider, hovers a setting with its cost, and jumps to definitions", async () => {
      const path = join(examplesDir, "math.instance_generation.agora.json");
      const text = readFileSync(path, "utf8");
      const uri = pathToFileURL(path).href;
      await client.open(uri, text, 5);
      await client.diagnostics(uri, 5);
      // Inside "gpt-4o-mini-2024-07-18": OpenAI models only, with price and context in the detail.
      const at = positionOf(text, '"gpt-4o-mini-2024-07-18"', 1);
      const items = await client.completion(uri, at.line, at.character);
      const labels = items.map((i) => i.label);
      assert.ok(labels.includes("gpt-4o-2024-08-06") && labels.includes("gpt-4o-mini-2024-07-18"), labels.join());
      assert.ok(!labels.includes("claude-3-5-sonnet-20240620"), "anthropic model offered for an openai generator");
      const mini = items.find((i) => i.label === "gpt-4o-mini-2024-07-18")!;
      assert.match(mini.detail ?? "", /128k ctx · \$0\.15\/\$0\.60 per 1M/);
      assert.deepEqual(mini.textEdit && "range" in mini.textEdit ? mini.textEdit.range : undefined, { start: { line: at.line, character: at.character - 1 }, end: { line: at.line, character: at.character + 23 } });
      // Hover on a setting's method: the schema doc, the method explained, and an estimate per generator.
      const h = md(await client.hover(uri, positionOf(text, '"method"', 2).line, positionOf(text, '"method"', 2).character));
      assert.match(h, /Data generation method/);
      assert.match(h, /Math × Instance generation/);
      assert.match(h, /\| gpt-4o-mini \| 20 \| [\d,]+ \| [\d,]+ \| \$/);
      assert.match(h, /Estimated total: \$/);
      // Definition: generator reference → the generator; seed path → the file; host default → hosts file.
      const ref = positionOf(text, '"claude-sonnet", "llama', 3);
      const [g] = (await client.request<LocationLink[]>("textDocument/definition", { textDocument: { uri }, position: ref }))!;
      assert.equal(g!.targetUri, uri);
      assert.equal(g!.targetSelectionRange.start.line, positionOf(text, '"id": "claude-sonnet"').line);
      const [seed] = await client.request<LocationLink[]>("textDocument/definition", { textDocument: { uri }, position: positionOf(text, "math_seed", 1) });
      assert.equal(seed!.targetUri, pathToFileURL(join(repoRoot, "examples", "seeds", "math_seed.jsonl")).href);
      await client.close(uri);
    });
  });

  it("completes property names and enum values with documentation, hosts, seed paths, settings and generator snippets", async () => {
    const text = `{
  "name": "c",
  "generators": [
    { "id": "g1", "provider": "anthropic", "model": "" },
    
  ],
  "settings": [
    { "domain": "math", "method": "response_generation", "seed": { "file": "" }, "host": "", "generators": [""] },
    
  ],
  "hosts": { "default": "local" }
}`;
    const uri = file("complete.agora.json", text);
    await client.open(uri, text);
    const lines = text.split("\n");
    // Property names inside a setting object, documented from the zod descriptions.
    const keyPos = { line: 7, character: lines[7]!.indexOf("{") + 2 };
    const props = await client.completion(uri, keyPos.line, keyPos.character);
    const instances = props.find((i) => i.label === "instances");
    assert.ok(instances, props.map((i) => i.label).join());
    assert.match(JSON.stringify(instances.documentation), /Instances to generate per generator/);
    // Enum values for "domain".
    const dom = await client.completion(uri, 7, lines[7]!.indexOf('"math"') + 1);
    assert.deepEqual(dom.filter((i) => ["math", "code", "instruction_following"].includes(String(i.label).replace(/"/g, ""))).length, 3);
    // Model ids for the anthropic generator.
    const models = await client.completion(uri, 3, lines[3]!.indexOf('"model": ""') + 10);
    assert.ok(models.some((i) => i.label === "claude-3-5-sonnet-20240620") && !models.some((i) => i.label === "gpt-4o-2024-08-06"));
    // Host names from agora.hosts.json.
    const hosts = await client.completion(uri, 7, lines[7]!.indexOf('"host": ""') + 9);
    assert.deepEqual(hosts.map((i) => i.label).filter((l) => l === "local" || l === "gpu-box").sort(), ["gpu-box", "local"]);
    // Generator ids in settings[].generators.
    const gens = await client.completion(uri, 7, lines[7]!.indexOf('[""]') + 2);
    assert.ok(gens.some((i) => i.label === "g1"));
    // Seed files relative to the spec.
    const seeds = await client.completion(uri, 7, lines[7]!.indexOf('"file": ""') + 9);
    assert.ok(seeds.some((i) => i.label === "seeds/math.jsonl"), seeds.map((i) => i.label).join());
    // An empty slot in settings: the nine settings as snippets; in generators: generator blocks.
    const settings = await client.completion(uri, 8, 4);
    assert.equal(settings.filter((i: CompletionItem) => String(i.label).startsWith("setting: ")).length, 9);
    const genSnippets = await client.completion(uri, 4, 4);
    assert.ok(genSnippets.some((i) => i.label === "generator: openai-compatible (vLLM)"));
    // Extra model from initializationOptions (agorabench.models).
    const compat = `{ "name": "m", "generators": [ { "id": "x", "provider": "openai-compatible", "baseUrl": "http://127.0.0.1:1/v1", "model": "" } ], "settings": [] }`;
    const curi = file("compat.agora.json", compat);
    await client.open(curi, compat);
    const extra = await client.completion(curi, 0, compat.indexOf('"model": ""') + 10);
    assert.ok(extra.some((i) => i.label === "my-org/tiny-model"));
  });

  it("hovers property docs, outlines, folds and formats keeping comments", async () => {
    const text = `// header comment
{
  "name": "h",
  "generators": [ { "id": "g", "provider": "openai", "model": "gpt-4o-mini" } ],
  "settings": [ { "domain": "code", "method": "instance_generation", "seed": { "file": "seeds/math.jsonl" }, "instances": 5 } ] // trailing
}`;
    const uri = file("hover.agora.json", text);
    await client.open(uri, text);
    assert.match(md(await client.hover(uri, 4, text.split("\n")[4]!.indexOf('"instances"') + 2)), /Instances to generate per generator/);
    const symbols = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri } });
    assert.deepEqual(symbols.map((s) => s.name), ["name", "generators", "settings"]);
    assert.deepEqual(symbols[1]!.children!.map((s) => `${s.name} ${s.detail}`), ["g openai · gpt-4o-mini"]);
    assert.deepEqual(symbols[2]!.children!.map((s) => `${s.name} ${s.detail}`), ["code.instance_generation code × instance_generation"]);
    const folds = await client.request<FoldingRange[]>("textDocument/foldingRange", { textDocument: { uri } });
    assert.ok(folds.some((f) => f.startLine === 1 && f.endLine >= 4));
    const edits = await client.request<TextEdit[]>("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    assert.ok(edits.length > 0);
    const formatted = applyEdits(text, edits);
    assert.ok(formatted.includes("// header comment") && formatted.includes("// trailing"));
    assert.deepEqual(JSON.parse(formatted.replace(/\/\/.*$/gm, "")), JSON.parse(text.replace(/\/\/.*$/gm, "")));
  });

  it("offers quick fixes: rename a misspelt key, change an unknown generator id, add baseUrl, set a missing key", async () => {
    const text = `{
  "name": "q",
  "generators": [
    { "id": "alpha", "provider": "openai", "model": "gpt-4o-mini", "batchh": true },
    { "id": "beta", "provider": "openai-compatible", "model": "meta-llama/Llama-3.1-8B-Instruct", "apiKeyEnv": "NOBODY_HAS_THIS_KEY" }
  ],
  "settings": [ { "domain": "math", "method": "instance_generation", "seed": { "file": "seeds/math.jsonl" }, "generators": ["alpah"] } ]
}`;
    const uri = file("fix.agora.json", text);
    await client.open(uri, text);
    const ds = await client.diagnostics(uri, 1);
    assert.deepEqual(codes(ds), ["schema.unrecognized_key", "semantic.base-url-required", "semantic.unknown-generator"]);
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: ds[0]!.range, context: { diagnostics: ds } });
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Rename "batchh" to "batch"'), titles.join(" | "));
    assert.ok(titles.includes('Remove property "batchh"'));
    assert.ok(titles.includes('Change to generator "alpha"'));
    const addUrl = actions.find((a) => a.title.startsWith('Add "baseUrl"'))!;
    const fixed = applyEdits(text, addUrl.edit!.changes![uri]!);
    assert.match(fixed, /"baseUrl": "http:\/\/127\.0\.0\.1:8000\/v1"/);
    const rename = actions.find((a) => a.title === 'Rename "batchh" to "batch"')!;
    const change = actions.find((a) => a.title === 'Change to generator "alpha"')!;
    let all = applyEdits(text, [...rename.edit!.changes![uri]!, ...change.edit!.changes![uri]!]);
    all = applyEdits(all, addUrlAfter(all, uri, addUrl));
    await client.change(uri, 2, all);
    // Only the missing key of "beta" remains, and its fix runs the Set API Key command.
    const left = await client.diagnostics(uri, 2);
    assert.deepEqual(codes(left), ["semantic.api-key-missing"]);
    const keyFix = await client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: left[0]!.range, context: { diagnostics: left } });
    assert.deepEqual(keyFix.map((a) => a.command?.command), ["agorabench.setApiKey"]);
    assert.deepEqual(keyFix[0]!.command!.arguments, ["NOBODY_HAS_THIS_KEY"]);
  });

  it("re-validates when the client reports keys, and when a referenced file changes on disk", async () => {
    const text = `{ "name": "k", "generators": [ { "id": "c", "provider": "anthropic", "model": "claude-3-5-sonnet-20240620" } ],
  "settings": [ { "domain": "math", "method": "instance_generation", "seed": { "file": "seeds/later.jsonl" } } ] }`;
    const uri = file("keys.agora.json", text);
    await client.conn.sendNotification("agora/keysAvailable", { keys: { OPENAI_API_KEY: true, ANTHROPIC_API_KEY: false } });
    await client.open(uri, text);
    assert.deepEqual(codes(await client.diagnostics(uri, 1)), ["semantic.api-key-missing", "semantic.seed-missing"]);
    let n = client.count(uri);
    await client.conn.sendNotification("agora/keysAvailable", { keys: KEYS });
    assert.deepEqual(codes(await client.nextDiagnostics(uri, n)), ["semantic.seed-missing"]);
    n = client.count(uri);
    writeFileSync(join(dir, "seeds", "later.jsonl"), readFileSync(join(dir, "seeds", "math.jsonl")));
    await client.conn.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: pathToFileURL(join(dir, "seeds", "later.jsonl")).href, type: 1 }] });
    assert.deepEqual(await client.nextDiagnostics(uri, n), []);
    // The seed file turns bad: the spec says so after the change notification.
    n = client.count(uri);
    writeFileSync(join(dir, "seeds", "later.jsonl"), "not json\n");
    await client.conn.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: pathToFileURL(join(dir, "seeds", "later.jsonl")).href, type: 2 }] });
    assert.deepEqual(codes(await client.nextDiagnostics(uri, n)), ["semantic.seed-not-jsonl"]);
  });

  it("survives hostile input: deep nesting, a 10 MB document, invalid UTF-8, truncation — and keeps answering", async () => {
    const cases: [string, string][] = [
      ["deep", "[".repeat(100_000)],
      ["deep-obj", '{"a":'.repeat(50_000)],
      ["big", `{"name": "big", "description": "${"x".repeat(10 * 1024 * 1024)}", "generators": [], "settings": []}`],
      ["utf8", Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x22, 0x7d]).toString("utf8")],
      ["truncated", readFileSync(join(examplesDir, "math.instance_generation.agora.json"), "utf8").slice(0, 700)],
      ["garbage", "\u0000\u0001}}]]{{[[::,,\"\\u12".repeat(2000)],
    ];
    for (const [name, text] of cases) {
      const uri = pathToFileURL(join(dir, `${name}.agora.json`)).href;
      await client.open(uri, text);
      const ds = await client.diagnostics(uri, 1, 30_000);
      assert.ok(ds.length > 0, `${name}: no diagnostic`);
      const mid = { line: 0, character: Math.min(10, text.length) };
      await client.completion(uri, mid.line, mid.character);
      await client.hover(uri, mid.line, mid.character);
      await client.codeLens(uri);
      await client.request("textDocument/documentSymbol", { textDocument: { uri } });
      await client.request("textDocument/foldingRange", { textDocument: { uri } });
      await client.request("textDocument/definition", { textDocument: { uri }, position: mid });
      await client.close(uri);
    }
    assert.deepEqual(codes(await client.diagnostics(pathToFileURL(join(dir, "deep.agora.json")).href, 1)), ["syntax.TooDeep"]);
    const ok = file("alive.agora.json", '{"name": 1}');
    await client.open(ok, '{"name": 1}', 7);
    assert.ok(codes(await client.diagnostics(ok, 7)).includes("schema.invalid_type"));
  });

  it("cancels stale requests and keeps serving", async () => {
    const text = readFileSync(join(examplesDir, "math.instance_generation.agora.json"), "utf8");
    const uri = file("cancel.agora.json", text);
    await client.open(uri, text);
    const source = new CancellationTokenSource();
    const at = positionOf(text, '"gpt-4o-mini-2024-07-18"', 1);
    const pending = client.conn.sendRequest("textDocument/completion", { textDocument: { uri }, position: at }, source.token);
    source.cancel();
    const outcome = await pending.then(
      () => "answered",
      (e: { code?: number }) => (e.code === -32800 ? "cancelled" : `error ${e.code}`),
    );
    assert.ok(outcome === "answered" || outcome === "cancelled", outcome);
    assert.ok((await client.completion(uri, at.line, at.character)).length > 0);
  });
});

/** Applies LSP text edits (non-overlapping) to a text. */
function applyEdits(text: string, edits: TextEdit[]): string {
  const offsets = (p: { line: number; character: number }) => {
    const lines = text.split("\n");
    let o = 0;
    for (let i = 0; i < p.line; i++) o += lines[i]!.length + 1;
    return o + p.character;
  };
  const sorted = edits.map((e) => ({ s: offsets(e.range.start), e: offsets(e.range.end), t: e.newText })).sort((a, b) => b.s - a.s);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.s) + e.t + out.slice(e.e);
  return out;
}

/** The add-baseUrl fix recomputed on an edited text (its offsets were for the original). */
function addUrlAfter(text: string, _uri: string, _action: CodeAction): TextEdit[] {
  const anchor = '"provider": "openai-compatible",';
  const i = text.indexOf(anchor) + anchor.length;
  const before = text.slice(0, i);
  const line = before.split("\n").length - 1;
  const character = before.length - before.lastIndexOf("\n") - 1;
  return [{ range: { start: { line, character }, end: { line, character } }, newText: ' "baseUrl": "http://127.0.0.1:8000/v1",' }];
}
