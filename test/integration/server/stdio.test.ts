/**
 * The bundled language server (dist/server.js) driven over stdio by a real LSP client: initialize, open,
 * change, completion, hover, code lens, definition, symbols, folding, formatting, quick fixes, key,
 * configuration and file-change notifications, hostile input, cancellation, stale requests, shutdown. Specs
 * come from examples/ and from a temporary workspace each test writes itself.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { findNodeAtLocation, getNodePath, type Node, parseTree } from "jsonc-parser";
import { type CodeAction, type CompletionItem, type Diagnostic, type DocumentSymbol, type FoldingRange, type LocationLink, type MarkupContent, type TextEdit } from "vscode-languageserver-protocol";
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
        const settings = findNodeAtLocation(parseTree(text)!, ["settings"])!.children!;
        assert.equal(lenses.length, settings.length * 3, f);
        settings.forEach((node, i) => {
          const trio = lenses.slice(i * 3, i * 3 + 3);
          // Plain titles: this client did not ask for VS Code's $(icon) syntax.
          assert.deepEqual(trio.map((l) => l.command?.command), ["agorabench.runSetting", "agorabench.estimateCost", "agorabench.openSamples"], f);
          assert.equal(trio[0]!.command!.title, "Run Setting");
          assert.match(trio[1]!.command!.title, /^Estimate cost \(~\$[\d.]+\+?\)$/);
          assert.equal(trio[2]!.command!.title, "Open samples");
          // Above the setting: at the position of its opening brace.
          const start = positionAtOffset(text, node.offset);
          for (const l of trio) assert.deepEqual(l.range.start, start, `${f} settings[${i}]`);
          const arg = trio[0]!.command!.arguments![0] as { specUri: string; settingIndex: number; settingId: string };
          assert.equal(arg.specUri, uri);
          assert.equal(arg.settingIndex, i);
          const raw = findNodeAtLocation(node, ["id"])?.value ?? `${String(findNodeAtLocation(node, ["domain"])?.value)}.${String(findNodeAtLocation(node, ["method"])?.value)}`;
          assert.equal(arg.settingId, raw);
        });
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

  it("adds a missing enum property with its first allowed value, and a missing host by the closest name", async () => {
    const text = `{
  "name": "m",
  "generators": [ { "id": "g", "provider": "openai", "model": "gpt-4o-mini" } ],
  "settings": [ { "method": "instance_generation", "seed": { "file": "seeds/math.jsonl" }, "host": "gpu-bx" } ]
}`;
    const uri = file("missing-enum.agora.json", text);
    await client.open(uri, text);
    const ds = await client.diagnostics(uri, 1);
    assert.deepEqual(ds.map((d) => `${d.code} ${d.message}`), ['schema.missing Missing required property "domain" ("math", "code" or "instruction_following").']);
    const [add] = await client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: ds[0]!.range, context: { diagnostics: ds } });
    assert.equal(add?.title, 'Add missing property "domain"');
    const fixed = applyEdits(text, add!.edit!.changes![uri]!);
    assert.equal((JSON.parse(fixed) as { settings: { domain: string }[] }).settings[0]!.domain, "math");
    // With the shape right, the host reference is checked against agora.hosts.json.
    await client.change(uri, 2, fixed);
    const left = await client.diagnostics(uri, 2);
    assert.deepEqual(codes(left), ["semantic.unknown-host"]);
    const hostFixes = await client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: left[0]!.range, context: { diagnostics: left } });
    assert.equal(hostFixes[0]?.title, 'Change to host "gpu-box"');
    await client.change(uri, 3, applyEdits(fixed, hostFixes[0]!.edit!.changes![uri]!));
    assert.deepEqual(await client.diagnostics(uri, 3), []);
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

  it("bounds what it sends for floods of problems and huge outlines", async () => {
    const MAX_DIAGNOSTICS = 1000;
    const MAX_ITEMS = 5000;
    const setting = '{ "domain": "math", "method": "instance_generation", "seed": { "file": "seeds/math.jsonl" } }';
    const cases: [string, string][] = [
      // 1.5 million repeated keys in 9 MB: one warning each, were it not for the bound.
      ["dup-keys", `{${'"a": 1,'.repeat(1_250_000)}"a": 1}`],
      // 5 million stray symbols in 10 MB: one syntax error each.
      ["symbols", "@ ".repeat(5_000_000)],
      // 300,000 unknown properties (3.5 MB): one zod issue listing them all.
      ["unknown-keys", `{${Array.from({ length: 300_000 }, (_, i) => `"k${i}": 1`).join(",")}}`],
      // 40,000 settings with the same id (3.6 MB): a duplicate-setting error each, and an outline/lens per setting.
      ["settings", `{ "name": "many", "generators": [ { "id": "g", "provider": "openai", "model": "gpt-4o-mini" } ], "settings": [ ${Array(40_000).fill(setting).join(",\n")} ] }`],
    ];
    for (const [name, text] of cases) {
      const uri = pathToFileURL(join(dir, `flood-${name}.agora.json`)).href;
      await client.open(uri, text);
      const ds = await client.diagnostics(uri, 1, 60_000);
      assert.equal(ds.length, MAX_DIAGNOSTICS + 1, name);
      const last = ds[ds.length - 1]!;
      assert.equal(last.code, "limit.too-many-problems", name);
      // The summary sits where the first problem left out would have been: after every one shown.
      assert.ok(ds.slice(0, -1).every((d) => d.range.start.line < last.range.start.line || (d.range.start.line === last.range.start.line && d.range.start.character <= last.range.start.character)), name);
      const symbols = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri } });
      const count = (xs: DocumentSymbol[]): number => xs.reduce((n, x) => n + 1 + count(x.children ?? []), 0);
      assert.ok(count(symbols) <= MAX_ITEMS, `${name}: ${count(symbols)} symbols`);
      const lenses = await client.codeLens(uri);
      assert.ok(lenses.length <= MAX_ITEMS, `${name}: ${lenses.length} lenses`);
      if (name === "settings") {
        assert.equal(lenses.length, Math.floor(MAX_ITEMS / 3) * 3);
        // The outline still says how many there are.
        assert.equal(symbols.find((x) => x.name === "settings")?.detail, "40000 setting(s)");
      }
      await client.close(uri);
    }
  });

  it("takes a document whose bytes on the wire are not valid UTF-8", async () => {
    const uri = pathToFileURL(join(dir, "wire-utf8.agora.json")).href;
    // The JSON-RPC body itself carries the bytes FF FE C3 inside the document text.
    const head = Buffer.from(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"${uri}","languageId":"agora-spec","version":1,"text":"{\\"name\\": \\"`, "utf8");
    const tail = Buffer.from('\\"}"}}}', "utf8");
    await client.sendRaw([Buffer.concat([head, Buffer.from([0xff, 0xfe, 0xc3]), tail])]);
    const ds = await client.diagnostics(uri, 1);
    // Decoded with U+FFFD for each bad byte, it is a spec with a name and nothing else.
    assert.deepEqual(ds.map((d) => `${d.range.start.line}:${d.range.start.character} ${d.code} ${d.message}`), [
      '0:0 schema.missing Missing required property "generators".',
      '0:0 schema.missing Missing required property "settings".',
    ]);
    assert.match(md(await client.hover(uri, 0, 3)), /Name of the experiment/);
  });

  it("answers RequestCancelled to a request cancelled before it ran, and keeps serving", async () => {
    const text = readFileSync(join(examplesDir, "math.instance_generation.agora.json"), "utf8");
    const uri = file("cancel.agora.json", text);
    await client.open(uri, text);
    await client.diagnostics(uri, 1);
    const at = positionOf(text, '"gpt-4o-mini-2024-07-18"', 1);
    // Request and cancellation in one write: the cancellation is read before the request is dispatched.
    await client.sendRaw([
      { id: "cancel-1", method: "textDocument/completion", params: { textDocument: { uri }, position: at } },
      { method: "$/cancelRequest", params: { id: "cancel-1" } },
    ]);
    const r = await client.rawResponse("cancel-1");
    assert.equal(r.error?.code, -32800, JSON.stringify(r));
    assert.ok((await client.completion(uri, at.line, at.character)).some((i) => i.label === "gpt-4o-mini-2024-07-18"));
  });

  it("answers ContentModified to a request whose document changed while it ran (a stale request)", async () => {
    // A seed file no validation has read yet: reading it takes the server several turns of its event loop
    // (stat, then open/read/close), one after the other.
    const seedName = `stale-${process.pid}-${Date.now()}.jsonl`;
    writeFileSync(join(dir, "seeds", seedName), readFileSync(join(dir, "seeds", "math.jsonl")));
    const text = `{ "name": "stale", "generators": [ { "id": "g", "provider": "openai", "model": "gpt-4o-mini" } ],
  "settings": [ { "domain": "math", "method": "instance_generation", "seed": { "file": "seeds/${seedName}" }, "instances": 3 } ] }`;
    const uri = file("stale.agora.json", text);
    const at = positionOf(text, '"method"', 2);
    // Open, hover on the setting and change, in one write (well under a pipe's atomic size), so the server
    // reads all three at once and handles one per turn: the open starts validating version 1, the hover
    // waits for that validation (it shows its cost estimate), and the change is handled in the next turn,
    // while the seed file is still being read. The hover's answer would describe a text that is gone.
    await client.sendRaw([
      { method: "textDocument/didOpen", params: { textDocument: { uri, languageId: "agora-spec", version: 1, text } } },
      { id: "stale-1", method: "textDocument/hover", params: { textDocument: { uri }, position: at } },
      { method: "textDocument/didChange", params: { textDocument: { uri, version: 2 }, contentChanges: [{ text: `${text}\n` }] } },
    ]);
    const r = await client.rawResponse("stale-1");
    assert.equal(r.error?.code, -32801, JSON.stringify(r).slice(0, 300));
    // The same hover on the current version answers, with the setting's estimate.
    assert.match(md(await client.hover(uri, at.line, at.character)), /Estimated total: \$/);
    assert.deepEqual(await client.diagnostics(uri, 2), []);
  });

  it("goes from a host reference to its entry in the hosts file", async () => {
    const text = `{
  "name": "hd",
  "generators": [ { "id": "g", "provider": "openai", "model": "gpt-4o-mini" } ],
  "settings": [ { "domain": "math", "method": "instance_generation", "seed": { "file": "seeds/math.jsonl" }, "host": "gpu-box" } ],
  "student": { "host": "gpu-box" },
  "hosts": { "default": "local" }
}`;
    const uri = file("hostdef.agora.json", text);
    await client.open(uri, text);
    assert.deepEqual(await client.diagnostics(uri, 1), []);
    const hostsPath = join(dir, "agora.hosts.json");
    const hostsText = readFileSync(hostsPath, "utf8");
    for (const [needle, occurrence, name] of [['"gpu-box"', 0, "gpu-box"], ['"gpu-box"', 1, "gpu-box"], ['"local"', 0, "local"]] as const) {
      const links = await client.request<LocationLink[]>("textDocument/definition", { textDocument: { uri }, position: positionOf(text, needle, 2, occurrence) });
      assert.equal(links.length, 1, needle);
      assert.equal(links[0]!.targetUri, pathToFileURL(hostsPath).href);
      const nameAt = positionOf(hostsText, `"name": "${name}"`, 8);
      assert.deepEqual(links[0]!.targetSelectionRange, { start: nameAt, end: { line: nameAt.line, character: nameAt.character + name.length + 2 } });
      // The whole host object is the target range, its name the selection.
      assert.equal(links[0]!.targetRange.start.line, nameAt.line);
      assert.ok(links[0]!.targetRange.start.character < nameAt.character);
      assert.deepEqual(links[0]!.originSelectionRange!.start, positionOf(text, needle, 0, occurrence));
    }
  });

  it("documents every property of the spec and hosts schemas on hover", async () => {
    for (const [kind, schemaFile, name] of [["spec", "agora-spec.schema.json", "every.agora.json"], ["hosts", "agora-hosts.schema.json", "every.hosts.json"]] as const) {
      const schema = JSON.parse(readFileSync(join(repoRoot, "schemas", schemaFile), "utf8")) as SchemaNode;
      const expected = new Map<string, string>();
      // Its "$schema" is "x": a value naming no bundled schema must not switch hover off.
      const text = JSON.stringify(exemplar(schema, [], expected), null, 2);
      const uri = file(name, text);
      await client.open(uri, text);
      await client.diagnostics(uri, 1);
      const keys = propertyKeys(parseTree(text)!);
      // Every property the schema has occurs in the exemplar (nothing skipped by the generator).
      assert.deepEqual([...new Set(keys.map((k) => k.path))].sort(), [...expected.keys()].sort(), kind);
      // A guard against an exemplar that silently lost a part of the schema.
      assert.ok(expected.size >= (kind === "spec" ? 80 : 25), `${kind}: only ${expected.size} properties`);
      for (const k of keys) {
        const h = md(await client.hover(uri, ...pos(positionAtOffset(text, k.offset + 1))));
        assert.ok(h.includes(expected.get(k.path)!), `${kind} ${k.path}: hover was ${JSON.stringify(h).slice(0, 300)}`);
      }
      await client.close(uri);
    }
  });

  it("documents each enum value in completion and hover", async () => {
    const text = `{
  "name": "e",
  "generators": [ { "id": "g", "provider": "anthropic", "model": "claude-3-5-sonnet-20240620" } ],
  "settings": [ { "domain": "math", "method": "response_generation", "seed": { "file": "seeds/math.jsonl" } } ]
}`;
    const uri = file("enums.agora.json", text);
    await client.open(uri, text);
    const methods = await client.completion(uri, ...pos(positionOf(text, '"response_generation"', 1)));
    const doc = (label: string): string => {
      const item = methods.find((i) => String(i.label).replace(/"/g, "") === label);
      assert.ok(item, `${label} not offered: ${methods.map((i) => i.label).join()}`);
      return typeof item.documentation === "string" ? item.documentation : (item.documentation?.value ?? "");
    };
    assert.match(doc("instance_generation"), /^\*\*Instance generation\*\*: The generator sees a few demonstrations/);
    assert.match(doc("response_generation"), /^\*\*Response generation\*\*: The generator writes a response for each seed instruction/);
    assert.match(doc("quality_enhancement"), /^\*\*Quality enhancement\*\*: The generator rewrites/);
    assert.match(md(await client.hover(uri, ...pos(positionOf(text, '"math"', 2)))), /\*\*Math\*\*: students are evaluated on GSM8K and MATH/);
    assert.match(md(await client.hover(uri, ...pos(positionOf(text, '"anthropic"', 2)))), /Anthropic\*\* Messages API/);
  });

  it("takes models added in the agorabench.models setting: completion, hover, no unknown-model note", async () => {
    const text = `{ "name": "cfg", "generators": [ { "id": "n", "provider": "openai", "model": "my-new-model" } ],
  "settings": [ { "domain": "math", "method": "instance_generation", "seed": { "file": "seeds/math.jsonl" }, "instances": 3 } ] }`;
    const uri = file("config.agora.json", text);
    await client.open(uri, text);
    assert.deepEqual(codes(await client.diagnostics(uri, 1)), ["semantic.unknown-model"]);
    const n = client.count(uri);
    const models = [
      { provider: "openai-compatible", id: "my-org/tiny-model", contextWindow: 8192, inputPer1M: 0.01, outputPer1M: 0.02, pricesAsOf: "2025-01-01" },
      { provider: "openai", id: "my-new-model", label: "My new model", contextWindow: 64_000, inputPer1M: 1, outputPer1M: 2, pricesAsOf: "2025-02-02" },
    ];
    await client.conn.sendNotification("workspace/didChangeConfiguration", { settings: { agorabench: { models } } });
    assert.deepEqual(await client.nextDiagnostics(uri, n), []);
    const items = await client.completion(uri, ...pos(positionOf(text, '"my-new-model"', 1)));
    const mine = items.find((i) => i.label === "my-new-model");
    assert.ok(mine, items.map((i) => i.label).join());
    assert.match(mine.detail ?? "", /openai · 64k ctx · \$1\.00\/\$2\.00 per 1M/);
    assert.match(md(await client.hover(uri, ...pos(positionOf(text, '"my-new-model"', 2)))), /My new model[\s\S]*as of 2025-02-02/);
  });

  it("registers its file watcher with editors that allow it, titles lenses with icons for VS Code, and shuts down cleanly", async () => {
    const { client: vsc } = await LspTestClient.start({
      rootUri: pathToFileURL(dir).href,
      capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } },
      initializationOptions: { keysAvailable: KEYS, codeLensIcons: true },
    });
    try {
      const path = join(examplesDir, "math.instance_generation.agora.json");
      const uri = pathToFileURL(path).href;
      await vsc.open(uri, readFileSync(path, "utf8"));
      const lenses = await vsc.codeLens(uri);
      assert.deepEqual(lenses.slice(0, 3).map((l) => l.command!.title.replace(/\(~.*\)$/, "(~)")), ["$(play) Run Setting", "$(credit-card) Estimate cost (~)", "$(preview) Open samples"]);
      // The registration was sent (and answered) before the lens request was read.
      const watch = vsc.registrations.find((r) => r.method === "workspace/didChangeWatchedFiles");
      assert.deepEqual(watch?.registerOptions, { watchers: [{ globPattern: "**/*.{json,jsonl}" }] });
      // The shared client did not offer dynamic registration: it is not asked to watch.
      assert.ok(!client.registrations.some((r) => r.method === "workspace/didChangeWatchedFiles"));
      assert.deepEqual(await vsc.shutdown(), { result: null, exitCode: 0 });
    } finally {
      await vsc.stop();
    }
  });
});

const pos = (p: { line: number; character: number }): [number, number] => [p.line, p.character];

/** Line and character (UTF-16, as LSP counts) of an offset. */
function positionAtOffset(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { line, character: before.length - before.lastIndexOf("\n") - 1 };
}

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  enum?: unknown[];
  const?: unknown;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  additionalProperties?: SchemaNode | boolean;
  description?: string;
}

/**
 * A value holding every property the schema describes (arrays of a union get one element per
 * alternative), recording each property's JSON path and description in `expected`. Values only need the
 * right shape for the key to be recognised; validity does not matter for hover.
 */
function exemplar(s: SchemaNode, path: (string | number)[], expected: Map<string, string>): unknown {
  const alts = s.oneOf ?? s.anyOf;
  if (alts) return exemplar(alts.find((a) => a.properties) ?? alts[0]!, path, expected);
  if (s.enum) return s.enum[0];
  if (s.const !== undefined) return s.const;
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === "object" && s.properties) {
    const out: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(s.properties)) {
      const at = [...path, k];
      assert.ok(p.description, `schema property ${at.join(".")} has no description`);
      expected.set(JSON.stringify(at), p.description);
      out[k] = exemplar(p, at, expected);
    }
    return out;
  }
  // Maps (`env`): one entry, whose key is data, not a schema property.
  if (type === "object") return typeof s.additionalProperties === "object" ? { MAP_KEY: exemplar(s.additionalProperties, [...path, "MAP_KEY"], expected) } : {};
  if (type === "array") {
    const items = s.items ?? {};
    const variants = items.oneOf ?? items.anyOf;
    return variants?.every((v) => v.properties) ? variants.map((v, i) => exemplar(v, [...path, i], expected)) : [exemplar(items, [...path, 0], expected)];
  }
  if (type === "string") return "x";
  if (type === "number" || type === "integer") return 1;
  if (type === "boolean") return true;
  return null;
}

/** Every property key of a JSON tree with its offset and JSON path (as exemplar records it), map keys left out. */
function propertyKeys(root: Node): { path: string; offset: number }[] {
  const out: { path: string; offset: number }[] = [];
  const walk = (n: Node): void => {
    if (n.type === "property") {
      const [key, value] = n.children!;
      const p = getNodePath(value ?? key!);
      if (p[p.length - 1] !== "MAP_KEY") out.push({ path: JSON.stringify(p), offset: key!.offset });
    }
    for (const c of n.children ?? []) walk(c);
  };
  walk(root);
  return out;
}

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
