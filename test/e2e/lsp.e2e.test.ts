/**
 * The experiment-spec language server in a real VS Code (code-server 4.139.1 in headless Chromium): the
 * packaged extension starts dist/server.js through vscode-languageclient; an `*.agora.json` file with an
 * unknown generator id gets a squiggle, its code lenses appear above the setting, and Ctrl+Space inside a
 * generator's "model" offers the model table's ids for that provider. The spec's seed file does not exist
 * at first; once it is written to disk the problem goes away without touching the spec (the server's own
 * file watcher, registered through VS Code). Screenshots go to test-results/screenshots/
 * (e2e-lsp-squiggle.png, e2e-lsp-completion.png).
 */
import assert from "node:assert/strict";
import { copyFileSync, cpSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../support/build";
import { uiSuite } from "./support/workbench";

const SPEC = `{
  "name": "LSP e2e",
  "generators": [
    { "id": "alpha", "provider": "openai", "model": "gpt-4o-mini" }
  ],
  "settings": [
    {
      "domain": "math",
      "method": "instance_generation",
      "seed": { "file": "../seeds/later.jsonl" },
      "instances": 5,
      "generators": ["alhpa"]
    }
  ],
  "hosts": { "file": "../agora.hosts.json" }
}
`;

describe("real VS Code: spec language server (UI)", function () {
  this.timeout(300_000);
  const suite = uiSuite("lsp");
  const tmp = suite.tmp;

  it("shows a squiggle, code lenses and model-id completion in an *.agora.json file", async () => {
    // A copy of examples/, so the test never writes into the repository.
    const workspace = join(tmp, "examples");
    cpSync(join(repoRoot, "examples"), workspace, { recursive: true });
    writeFileSync(join(workspace, "experiments", "lsp-e2e.agora.json"), SPEC);
    const wb = suite.open();
    const page = await wb.start({ workspace, extensionBundle: suite.extensionBundle(), settings: { "editor.codeLens": true, "editor.hover.delay": 100 } });

    // Quick Open the spec; VS Code gives it our language id.
    await page.keyboard.press("Escape");
    await page.keyboard.press("Control+P");
    await page.locator(".quick-input-widget input").fill("lsp-e2e.agora.json");
    await page.locator(".quick-input-widget .monaco-list-row", { hasText: "lsp-e2e.agora.json" }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press("Enter");
    await page.locator(".statusbar-item", { hasText: "AgoraBench Experiment Spec" }).first().waitFor({ timeout: 20_000 });
    const editor = page.locator(".monaco-editor").first();
    await editor.locator(".view-lines").waitFor({ timeout: 10_000 });

    // The server's diagnostic for "alhpa" arrives as an error squiggle (the language server is started lazily).
    await editor.locator(".squiggly-error").first().waitFor({ state: "attached", timeout: 60_000 });
    // Its code lenses sit above the setting.
    await editor.locator(".contentWidgets .codelens-decoration, .codelens-decoration", { hasText: "Run Setting" }).first().waitFor({ timeout: 30_000 });
    const lensText = await editor.locator(".codelens-decoration").first().innerText();
    assert.match(lensText, /Run Setting/);
    assert.match(lensText, /Estimate cost/);
    assert.match(lensText, /Open samples/);
    // The Problems panel names the rule.
    await page.keyboard.press("Control+Shift+M");
    const problems = await wb.panelText(/Unknown generator "alhpa"/, 30_000);
    assert.match(problems, /lsp-e2e\.agora\.json/);
    // The seed file is checked on disk, relative to the spec: it is not there yet.
    await wb.panelText(/Seed file "\.\.\/seeds\/later\.jsonl" not found/, 30_000);
    const squiggleShot = await wb.screenshot("e2e-lsp-squiggle");
    assert.ok(statSync(squiggleShot).size > 20_000, "screenshot too small to show the workbench");

    // Completion inside the generator's "model" value: OpenAI model ids from the bundled table.
    await editor.locator(".view-lines").click();
    const line = SPEC.split("\n").findIndex((l) => l.includes('"model": "gpt-4o-mini"'));
    const column = SPEC.split("\n")[line]!.indexOf('"gpt-4o-mini"') + 2; // just inside the opening quote (1-based)
    await page.keyboard.press("Control+G");
    await page.locator(".quick-input-widget input").fill(`:${line + 1}:${column}`);
    await page.keyboard.press("Enter");
    await page.locator(".quick-input-widget").waitFor({ state: "hidden", timeout: 10_000 });
    const suggest = page.locator(".suggest-widget");
    const row = suggest.locator(".monaco-list-row", { hasText: "gpt-4o-2024-08-06" }).first();
    // The editor may still be taking focus back from Go to Line: ask again if the first Ctrl+Space is lost.
    for (let attempt = 1; ; attempt++) {
      await page.keyboard.press("Control+Space");
      const shown = await row.waitFor({ state: "visible", timeout: 10_000 }).then(() => true, () => false);
      if (shown) break;
      if (attempt >= 3) throw new Error("no completion list after three Ctrl+Space");
      await page.keyboard.press("Escape");
    }
    const labels = await suggest.locator(".monaco-list-row").allInnerTexts();
    assert.ok(!labels.some((l) => l.includes("claude-3-5-sonnet")), `anthropic models offered for an openai generator: ${labels.join(" | ")}`);
    const completionShot = await wb.screenshot("e2e-lsp-completion");
    assert.ok(statSync(completionShot).size > 20_000);
    await page.keyboard.press("Escape");

    // The seed file appears on disk: the seed problem goes, the generator one stays.
    copyFileSync(join(workspace, "seeds", "math_seed.jsonl"), join(workspace, "seeds", "later.jsonl"));
    await wb.panelText(/^(?![\s\S]*later\.jsonl" not found)(?=[\s\S]*Unknown generator "alhpa")/, 60_000);
  });
});
