/**
 * Runs INSIDE the real VS Code extension host (code-server's, or the desktop one under
 * @vscode/test-electron) with examples/ open: the extension's API as another extension or a user sees it.
 */
import assert from "node:assert/strict";
import * as vscode from "vscode";

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
