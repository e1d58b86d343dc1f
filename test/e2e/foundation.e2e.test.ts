/**
 * The foundation through the UI, as a person would: open examples/ in real VS Code, run
 * "AgoraBench: Validate Experiment Specs" from the palette, see the result, open a spec.
 */
import assert from "node:assert/strict";
import { cpSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../support/build";
import { uiSuite } from "./support/workbench";

describe("real VS Code: foundation (UI)", function () {
  this.timeout(300_000);
  const suite = uiSuite("foundation");
  const tmp = suite.tmp;

  it("validates the examples from the command palette and shows a spec with its own language", async () => {
    // A copy, so the test never writes into the repository's examples/.
    const workspace = join(tmp, "examples");
    cpSync(join(repoRoot, "examples"), workspace, { recursive: true });
    const wb = suite.open();
    const page = await wb.start({ workspace, extensionBundle: suite.extensionBundle() });
    await wb.runCommand("AgoraBench: Validate Experiment Specs");
    const toast = await wb.notification(/AgoraBench: \d+ specs? valid/, 60_000);
    assert.match(toast, /AgoraBench: 10 specs valid/);
    const shot = await wb.screenshot("e2e-validate-specs");
    assert.ok(statSync(shot).size > 20_000, "screenshot too small to show the workbench");

    // Open a spec through Quick Open and check VS Code's language indicator says it is ours.
    await page.keyboard.press("Escape");
    await page.keyboard.press("Control+P");
    await page.locator(".quick-input-widget input").fill("math.instance_generation.agora.json");
    await page.locator(".quick-input-widget .monaco-list-row", { hasText: "math.instance_generation.agora.json" }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press("Enter");
    await page.locator(".statusbar-item", { hasText: "AgoraBench Experiment Spec" }).first().waitFor({ timeout: 20_000 });
    await page.locator(".monaco-editor .view-lines").first().waitFor({ timeout: 10_000 });
    await wb.screenshot("e2e-spec-editor");
  });

  it("reports a broken spec as a warning with a way to the Problems panel", async () => {
    const workspace = join(tmp, "broken");
    cpSync(join(repoRoot, "examples"), workspace, { recursive: true });
    writeFileSync(join(workspace, "experiments", "broken.agora.json"), '{ "name": "broken", "generators": [], "settings": [] }\n');
    const wb = suite.open();
    const page = await wb.start({ workspace, extensionBundle: suite.extensionBundle() });
    await wb.runCommand("AgoraBench: Validate Experiment Specs");
    await wb.notification(/AgoraBench: 10 specs valid, 1 with errors/, 60_000);
    await page.locator(".notifications-toasts .notification-toast .monaco-button", { hasText: "Show Problems" }).first().click();
    const problems = await wb.panelText(/Too small: expected array to have >=1 items/);
    assert.match(problems, /broken\.agora\.json/);
    await wb.screenshot("e2e-validate-problems");
  });
});
