/**
 * Runs INSIDE the real VS Code extension host (code-server's, or the desktop one under
 * @vscode/test-electron) with examples/ open: the extension's API as another extension or a user sees it.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as vscode from "vscode";
import { copyExamplesWorkspace } from "../../../src/extension/walkthrough";

const ID = "agorabench.agorabench-studio";

describe("AgoraBench Studio in the extension host", () => {
  it("is installed and activates in the examples workspace", async () => {
    const ext = vscode.extensions.getExtension(ID);
    assert.ok(ext, `${ID} is not loaded`);
    await ext.activate();
    assert.equal(ext.isActive, true);
    assert.ok(vscode.workspace.workspaceFolders?.[0]?.uri.path.endsWith("/examples"));
  });

  it("registers its commands", async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const c of ["agorabench.validateSpecs", "agorabench.showReferencePgr", "agorabench.computePgr"]) assert.ok(commands.includes(c), `${c} missing`);
  });

  it("gives *.agora.json files their own language id", async () => {
    const [uri] = await vscode.workspace.findFiles("experiments/math.instance_generation.agora.json");
    assert.ok(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.languageId, "agora-spec");
  });

  it("validates every example spec: all valid", async () => {
    const result = (await vscode.commands.executeCommand("agorabench.validateSpecs")) as { valid: number; invalid: number };
    assert.equal(result.invalid, 0);
    assert.ok(result.valid >= 10, `only ${result.valid} specs validated`);
  });

  it("computes PGR from the examples' scores file", async () => {
    const [uri] = await vscode.workspace.findFiles("scores.json");
    assert.ok(uri);
    const table = (await vscode.commands.executeCommand("agorabench.computePgr", uri)) as { generators: { generator: string; overall: number | null }[]; problems: unknown[] };
    assert.equal(table.problems.length, 0);
    assert.deepEqual(table.generators.map((g) => g.generator).sort(), ["claude-sonnet", "gpt-4o-mini"]);
    for (const g of table.generators) assert.equal(typeof g.overall, "number");
  });

  it("shows the paper's Table 2", async () => {
    await vscode.commands.executeCommand("agorabench.showReferencePgr");
    const text = vscode.window.activeTextEditor?.document.getText() ?? "";
    assert.match(text, /gpt-4o-2024-08-06\s+Instance generation\s+20\.6\s+73\.6\s+46\.1\s+46\.8/);
  });
});

describe("Open Examples", () => {
  it("copies the examples next to the schemas so relative $schema references resolve", async () => {
    const ext = vscode.extensions.getExtension(ID);
    assert.ok(ext);
    const storage = vscode.Uri.file(mkdtempSync(join(tmpdir(), "agora-examples-")));
    const examples = await copyExamplesWorkspace(ext.extensionUri, storage);
    const spec = vscode.Uri.joinPath(examples, "experiments", "math.instance_generation.agora.json");
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(spec));
    const ref = /"\$schema":\s*"([^"]+)"/.exec(text)?.[1];
    assert.ok(ref, "the example spec names its schema");
    const schema = vscode.Uri.joinPath(spec, "..", ref);
    const parsed = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(schema))) as { title?: string; $schema?: string };
    assert.ok(parsed.$schema, `${schema.fsPath} is not a JSON schema`);
    // A second call keeps the user's edits to the examples.
    await vscode.workspace.fs.writeFile(spec, new TextEncoder().encode(text + "\n// edited\n"));
    await copyExamplesWorkspace(ext.extensionUri, storage);
    assert.match(new TextDecoder().decode(await vscode.workspace.fs.readFile(spec)), /\/\/ edited/);
  });
});

describe("Problem matchers", () => {
  it("$agora turns `agora validate` output in a task into Problems", async function () {
    this.timeout(60_000);
    const ext = vscode.extensions.getExtension(ID);
    assert.ok(ext);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const cli = vscode.Uri.joinPath(ext.extensionUri, "dist", "cli.js").fsPath;
    const broken = vscode.Uri.joinPath(ext.extensionUri, "test", "fixtures", "cli", "broken.agora.json");
    const task = new vscode.Task(
      { type: "shell" },
      folder,
      "agora validate (problem matcher test)",
      "agorabench-test",
      new vscode.ProcessExecution(process.execPath, [cli, "validate", broken.fsPath], { env: { ELECTRON_RUN_AS_NODE: "1" } }),
      "$agora",
    );
    const changed = new Promise<vscode.Diagnostic[]>((resolve) => {
      const sub = vscode.languages.onDidChangeDiagnostics(() => {
        const found = vscode.languages.getDiagnostics(broken).filter((d) => d.source === "agorabench");
        if (found.length >= 3) {
          sub.dispose();
          resolve(found);
        }
      });
    });
    await vscode.tasks.executeTask(task);
    const diagnostics = await changed;
    const unknown = diagnostics.find((d) => d.code === "semantic.unknown-generator");
    assert.ok(unknown, JSON.stringify(diagnostics));
    assert.equal(unknown.severity, vscode.DiagnosticSeverity.Error);
    assert.deepEqual([unknown.range.start.line, unknown.range.start.character], [6, 117]);
  });
});
