/**
 * The webviews in a real VS Code (code-server in headless Chromium): the samples browser opened from the
 * Experiments tree view (the generator row's inline "Open Samples" action) on a run's data file, an item
 * selected and rendered, and the same item back after the panel was hidden and shown again (VS Code
 * re-creates the page: no retainContextWhenHidden); the code lens and the hover on a data-file line
 * opening the browser at that item, and selection in the browser revealing the line; the PGR charts from
 * the command palette. VS Code's own webview host enforces our CSP here: any violation it reports fails
 * the suite. Screenshots go to test-results/screenshots/ (webviews-vscode-*.png).
 */
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Frame } from "playwright-core";
import { RUN_FILES } from "../../src/core/run/layout";
import { ensureBuilt } from "../support/build";
import { makeItem } from "../support/samples-fixtures";
import { findCodeServer, Workbench } from "./support/workbench";
import { type E2eWorkspace, makeWorkspace } from "./support/workbench-workspace";

/** The frame of a webview whose page has `selector` (webviews are nested iframes in the workbench). */
async function webviewFrame(wb: Workbench, selector: string, timeout = 60_000): Promise<Frame> {
  const until = Date.now() + timeout;
  while (Date.now() < until) {
    for (const f of wb.page!.frames()) {
      if (await f.locator(selector).count().catch(() => 0)) return f;
    }
    await wb.page!.waitForTimeout(250);
  }
  throw new Error(`no webview shows ${selector}`);
}

describe("webviews in real VS Code (code-server)", function () {
  this.timeout(240_000);
  const install = findCodeServer();
  let ws: E2eWorkspace;
  let wb: Workbench | undefined;
  /** Console messages from any frame in which the browser reports a Content-Security-Policy violation. */
  const cspReports: string[] = [];
  const watchCsp = (): void => {
    wb!.page!.on("console", (m) => {
      if (/Content Security Policy|Refused to (execute|load|apply)/i.test(m.text())) cspReports.push(m.text());
    });
  };

  before(async function () {
    if (!install) throw new Error("No VS Code build: run `node scripts/e2e/vscode-setup.mjs` (npm test does).");
    ensureBuilt();
    // Nothing is generated in this suite: the spec's base URL is never called.
    ws = await makeWorkspace("http://127.0.0.1:9/v1");
    // The finished run of math.response_generation by alpha gets its data file, as the engine writes it.
    const dir = join(ws.historicRunDir, RUN_FILES.data, "math.response_generation");
    mkdirSync(dir, { recursive: true });
    const items = Array.from({ length: 12 }, (_, i) => ({ ...makeItem(i * 9 + 1), setting: "math.response_generation", generator: "alpha", model: "gpt-4o-mini" }));
    writeFileSync(join(dir, "alpha.jsonl"), `${items.map((x) => JSON.stringify(x)).join("\n")}\n`);
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed" && wb?.page) await wb.screenshot(`failed-webviews-${this.currentTest.title.slice(0, 40).replace(/\W+/g, "-")}`).catch(() => undefined);
  });

  after(async () => {
    await wb?.stop();
    if (ws) rmSync(ws.root, { recursive: true, force: true });
  });

  it("opens the samples browser from the Experiments tree and renders the selected item", async () => {
    wb = new Workbench(install!);
    await wb.start({ workspace: ws.root });
    watchCsp();
    await wb.openAgoraBench();
    await wb.waitForRow("Experiments", /math\.response_generation.*finished/);
    await wb.page!.locator(".monaco-list-row", { hasText: "math.response_generation" }).first().click();
    await wb.waitForRow("Experiments", /alpha/);
    const row = wb.page!.locator(".pane:has(> .pane-header[aria-label^='Experiments']) .monaco-list-row", { hasText: /^\s*alpha/ }).first();
    await row.hover();
    await row.locator('.action-label[aria-label="Open Samples"]').click();
    const frame = await webviewFrame(wb, ".row .badge");
    await frame.locator(".count").filter({ hasText: /12 of 12 items/ }).waitFor({ timeout: 30_000 });
    await frame.locator('.row[data-pos="1"]').click();
    await frame.locator(".detail h2", { hasText: /^#2 / }).waitFor({ timeout: 20_000 });
    assert.match(await frame.locator(".detail .facts").innerText(), /alpha/);
    await frame.locator(".detail .md").first().waitFor();
    await wb.screenshot("webviews-vscode-samples");
    // Hidden behind another editor in its group, then shown again: VS Code re-creates the page, and the
    // state it kept (getState) brings back the same item.
    // A mark in the page's window tells a re-created page (no mark) from the old one.
    await frame.evaluate(() => ((window as unknown as { __before?: boolean }).__before = true));
    const samplesTab = wb.page!.locator(".tabs-container .tab", { hasText: "Samples: alpha.jsonl" });
    await wb.runCommand("Go to File");
    await wb.pick("e2e.agora.json");
    await wb.page!.locator(".tabs-container .tab.active", { hasText: "e2e.agora.json" }).waitFor({ timeout: 20_000 });
    await samplesTab.click();
    const again = await webviewFrame(wb, ".detail h2");
    assert.equal(await again.evaluate(() => (window as unknown as { __before?: boolean }).__before), undefined, "VS Code re-created the page");
    await again.locator(".detail h2", { hasText: /^#2 / }).waitFor({ timeout: 30_000 });
    assert.equal(await again.locator(".row.selected .ln").innerText(), "#2");
    assert.deepEqual(cspReports, [], "VS Code's webview reported no CSP violation");
  });

  it("inline inspection: a code lens on a data file line opens that item, and selecting in the browser reveals the line", async () => {
    const page = wb!.page!;
    await wb!.runCommand("View: Close All Editors");
    await wb!.runCommand("Go to File");
    await wb!.pick("alpha.jsonl");
    const lens = page.locator(".codelens-decoration a", { hasText: /#3 valid · alpha/ }).first();
    await lens.waitFor({ state: "visible", timeout: 30_000 });
    await wb!.screenshot("webviews-vscode-codelens");
    await lens.click();
    const frame = await webviewFrame(wb!, ".detail h2");
    await frame.locator(".detail h2", { hasText: /^#3 / }).waitFor({ timeout: 30_000 });
    // The browser opened beside the text editor; selecting another item selects its line there.
    await frame.locator('.row[data-pos="6"]').click();
    await frame.locator(".detail h2", { hasText: /^#7 / }).waitFor({ timeout: 20_000 });
    await page.locator(".monaco-editor .line-numbers.active-line-number", { hasText: /^7$/ }).first().waitFor({ state: "visible", timeout: 20_000 });
    await wb!.screenshot("webviews-vscode-reveal");
    // The hover on line 5 shows the item rendered and opens it in the browser.
    const line5 = page.locator(".monaco-editor .view-line", { hasText: '"item-000011"' }).first();
    const at = (await line5.boundingBox())!;
    await page.mouse.move(at.x + 60, at.y + at.height / 2);
    const hover = page.locator(".monaco-hover", { hasText: "Open in Samples Browser" }).first();
    await hover.waitFor({ state: "visible", timeout: 20_000 });
    // appendText turns spaces into non-breaking ones: \s matches both.
    assert.match(await hover.innerText(), /#5[\s\S]*valid\s·\salpha\s·\smath\.response_generation[\s\S]*Instruction[\s\S]*A\strain\stravels\s\$120\$\skm[\s\S]*\(variant\s37\)/);
    await wb!.screenshot("webviews-vscode-hover");
    await hover.locator("a", { hasText: "Open in Samples Browser" }).click();
    await frame.locator(".detail h2", { hasText: /^#5 / }).waitFor({ timeout: 30_000 });
    assert.deepEqual(cspReports, [], "VS Code's webview reported no CSP violation");
    await wb!.runCommand("View: Close All Editors");
  });

  it("shows the PGR charts from the command palette, with the run's scores", async () => {
    await wb!.runCommand("AgoraBench: Show PGR Charts");
    const frame = await webviewFrame(wb!, ".chart svg");
    await frame.locator(".tab", { hasText: "Heatmap" }).waitFor();
    assert.match(await frame.locator(".chart svg").innerHTML(), /alpha/);
    await wb!.screenshot("webviews-vscode-charts");
    assert.deepEqual(cspReports, [], "VS Code's webview reported no CSP violation");
  });
});
