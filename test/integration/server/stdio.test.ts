/** The bundled language server driven over stdio by a real LSP client (vscode-languageserver-protocol). */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createMessageConnection, type MessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-languageserver-protocol/node";
import type { PublishDiagnosticsParams } from "vscode-languageserver-protocol";
import { ensureBuilt, repoRoot } from "../../support/build";

describe("agora-language-server over stdio", function () {
  this.timeout(60_000);
  let proc: ChildProcess;
  let conn: MessageConnection;
  const dir = mkdtempSync(join(tmpdir(), "agora-lsp-"));
  const published: PublishDiagnosticsParams[] = [];

  const next = (uri: string, version?: number): Promise<PublishDiagnosticsParams> =>
    new Promise((resolve, reject) => {
      const deadline = Date.now() + 20_000;
      const tick = (): void => {
        const hit = published.find((p) => p.uri === uri && (version === undefined || p.version === version));
        if (hit) return resolve(hit);
        if (Date.now() > deadline) return reject(new Error(`no diagnostics for ${uri} v${version}`));
        setTimeout(tick, 20);
      };
      tick();
    });

  before(async () => {
    ensureBuilt();
    proc = spawn(process.execPath, [join(repoRoot, "dist", "server.js"), "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
    conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    conn.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => {
      published.push(p);
    });
    conn.listen();
    const init = (await conn.sendRequest("initialize", { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} })) as { serverInfo: { name: string } };
    assert.equal(init.serverInfo.name, "agora-language-server");
    await conn.sendNotification("initialized", {});
  });

  after(async () => {
    await conn.sendRequest("shutdown").catch(() => undefined);
    await conn.sendNotification("exit").catch(() => undefined);
    conn.dispose();
    proc.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("publishes schema, syntax and semantic diagnostics with exact ranges, and clears them when fixed", async () => {
    writeFileSync(join(dir, "seed.jsonl"), '{"instruction":"q","response":"r"}\n{"instruction":"q2","response":"r2"}\n');
    const uri = pathToFileURL(join(dir, "x.agora.json")).href;
    const broken = `{
  "name": "x",
  "generators": [ { "id": "g", "provider": "openai", "model": "m", "temprature": 1 } ],
  "settings": [ { "domain": "math", "method": "instance_generation", "seed": { "file": "nope.jsonl" }, "generators": ["zz"] } ]
}`;
    await conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "agora-spec", version: 1, text: broken } });
    const d1 = await next(uri, 1);
    assert.deepEqual(
      d1.diagnostics.map((d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.character} ${d.code}`),
      ["2:67-79 schema.unrecognized_key", "3:118-122 semantic.unknown-generator"],
    );
    // Fix the schema error: now the seed file on disk is checked too (relative to the spec).
    const step2 = broken.replace(', "temprature": 1', "");
    await conn.sendNotification("textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: [{ text: step2 }] });
    const d2 = await next(uri, 2);
    assert.deepEqual(d2.diagnostics.map((d) => d.code), ["semantic.seed-missing", "semantic.unknown-generator"]);
    const fixed = step2.replace("nope.jsonl", "seed.jsonl").replace('["zz"]', '["g"]');
    await conn.sendNotification("textDocument/didChange", { textDocument: { uri, version: 3 }, contentChanges: [{ text: fixed }] });
    assert.deepEqual((await next(uri, 3)).diagnostics, []);
  });

  it("survives hostile input: deep nesting, a 10 MB document, invalid UTF-8 decoded text", async () => {
    const deep = pathToFileURL(join(dir, "deep.agora.json")).href;
    await conn.sendNotification("textDocument/didOpen", { textDocument: { uri: deep, languageId: "agora-spec", version: 1, text: "[".repeat(100_000) } });
    assert.deepEqual((await next(deep, 1)).diagnostics.map((d) => d.code), ["syntax.TooDeep"]);
    const big = pathToFileURL(join(dir, "big.agora.json")).href;
    const text = `{"name": "big", "description": "${"x".repeat(10 * 1024 * 1024)}", "generators": [], "settings": []}`;
    await conn.sendNotification("textDocument/didOpen", { textDocument: { uri: big, languageId: "agora-spec", version: 1, text } });
    assert.deepEqual((await next(big, 1)).diagnostics.map((d) => d.code), ["schema.too_small", "schema.too_small"]);
    const bad = pathToFileURL(join(dir, "bad.agora.json")).href;
    await conn.sendNotification("textDocument/didOpen", { textDocument: { uri: bad, languageId: "agora-spec", version: 1, text: Buffer.from([0x7b, 0xff, 0xfe, 0x22]).toString("utf8") } });
    assert.ok((await next(bad, 1)).diagnostics.length > 0);
    // Still answering after all of that.
    const again = pathToFileURL(join(dir, "ok.agora.json")).href;
    await conn.sendNotification("textDocument/didOpen", { textDocument: { uri: again, languageId: "agora-spec", version: 7, text: '{"name": 1}' } });
    assert.ok((await next(again, 7)).diagnostics.some((d) => d.code === "schema.invalid_type"));
  });
});
