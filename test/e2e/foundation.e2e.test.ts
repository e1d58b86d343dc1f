/**
 * The foundation through the UI, as a person would: open examples/ in real VS Code, run
 * "AgoraBench: Validate Experiment Specs" from the palette, see the result, open a spec.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../support/build";
import { buildProductionExtension, findCodeServer, Workbench } from "./support/workbench";

describe("real VS Code: foundation (UI)", function () {
  this.timeout(300_000);
  const install = findCodeServer();
  const tmp = mkdtempSync(join(tmpdir(), "agora-foundation-"));
  let wb: Workbench | undefined;
  let extensionBundle = "";

  before(() => {
    if (!install) throw new Error("No VS Code build: run `node scripts/e2e/vscode-setup.mjs` (npm test does).");
    execFileSync(process.execPath, [join(repoRoot, "scripts", "build.mjs")], { cwd: repoRoot, stdio: "ignore" });
    extensionBundle = buildProductionExtension(tmp);
  });
  afterEach(async function () {
    if (this.currentTest?.state === "failed" && wb?.page) await wb.screenshot(`failed-foundation-${this.currentTest.title.slice(0, 40).replace(/\W+/g, "-")}`).catch(() => undefined);
    await wb?.stop();
    wb = undefined;
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("validates the examples from the command palette and shows a spec with its own language", async () => {
    // A copy, so the test never writes into the repository's examples/.
    const workspace = join(tmp, "examples");
    cpSync(join(repoRoot, "examples"), workspace, { recursive: true });
    wb = new Workbench(install!);
    const page = await wb.start({ workspace, extensionBundle });
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
    wb = new Workbench(install!);
    const page = await wb.start({ workspace, extensionBundle });
    await wb.runCommand("AgoraBench: Validate Experiment Specs");
    await wb.notification(/AgoraBench: 10 specs valid, 1 with errors/, 60_000);
    await page.locator(".notifications-toasts .notification-toast .monaco-button", { hasText: "Show Problems" }).first().click();
    const problems = await wb.panelText(/Too small: expected array to have >=1 items/);
    assert.match(problems, /broken\.agora\.json/);
    await wb.screenshot("e2e-validate-problems");
  });
});
