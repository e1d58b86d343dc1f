/**
 * The webview bundles (media/webviews/samples.js, charts.js) in headless Chromium, behind the page the
 * extension builds (same CSP and nonce), with a small host page standing in for VS Code's webview API and
 * the real engine answering: the samples browser through SamplesController over a SampleFile, the charts
 * through the shared chart data. Screenshots in light and dark go to test-results/screenshots/.
 *
 * The hostile corpus (script tags, event handlers, javascript: links, SVG payloads, CSS injection, 1 MB
 * lines, invalid UTF-8) must run no script — no `window.__pwned`, no dialog, no CSP script violation —
 * leave no dangerous markup in the DOM and break no page.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { ScoresFile } from "../../src/core/pgr";
import { chartDataFromScores } from "../../src/core/report/data";
import { SamplesController } from "../../src/core/samples/controller";
import { SampleFile } from "../../src/core/samples/sample-file";
import { loadJsoncWith } from "../../src/core/spec/load";
import { parseChartsRequest } from "../../src/core/webview-protocol/validate";
import type { SamplesHostMessage } from "../../src/core/webview-protocol/samples";
import { repoRoot } from "../support/build";
import { HOSTILE_STRINGS, writeHostileCorpus, writeItems } from "../support/samples-fixtures";
import { CHROMIUM, screenshotsDir } from "./support/workbench";
import { connect, startWebviewHost, type ThemeKind, type WebviewHost } from "./support/webview-host";

const shot = (name: string): string => join(screenshotsDir, `webviews-${name}.png`);

interface Opened {
  page: Page;
  controller: SamplesController;
  copies: string[];
  reveals: { line: number; focus: boolean }[];
  errors: string[];
  dialogs: string[];
  post: (m: SamplesHostMessage) => Promise<void>;
}

/** Everything in the DOM that would mean a payload got through the sanitiser. */
async function domAudit(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const bad: string[] = [];
    const ours = new Set(Array.from(document.querySelectorAll("head script, body > script")).slice(0, 2));
    for (const s of Array.from(document.querySelectorAll("script"))) if (!ours.has(s)) bad.push(`script: ${s.outerHTML.slice(0, 80)}`);
    for (const e of Array.from(document.querySelectorAll(".detail *, .list *"))) {
      for (const a of Array.from(e.attributes)) {
        if (/^on/i.test(a.name)) bad.push(`${e.tagName} ${a.name}`);
        if (/^\s*(javascript|data|vbscript):/i.test(a.value) && /href|src|action|data/i.test(a.name)) bad.push(`${e.tagName} ${a.name}=${a.value.slice(0, 40)}`);
        // The list positions its rows through the CSSOM; the detail pane (where item text is rendered) never styles inline.
        if (a.name === "style" && e.closest(".detail")) bad.push(`${e.tagName} style=${a.value.slice(0, 40)}`);
      }
      if (/^(IFRAME|OBJECT|EMBED|FORM|IMG|STYLE|LINK|META|BASE|svg)$/i.test(e.tagName)) bad.push(`element ${e.tagName}`);
    }
    return bad;
  });
}

describe("webview bundles in headless Chromium", function () {
  this.timeout(180_000);
  let browser: Browser;
  let host: WebviewHost;
  let dir: string;
  let dataFile: string;
  let hostileFile: string;
  let hostileCount: number;
  const opened: Opened[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      // Debian's chromium is installed by scripts/test.mjs; without it there is nothing to render with.
      this.skip();
    }
    if (!existsSync(join(repoRoot, "media", "webviews", "samples.js")) || !existsSync(join(repoRoot, "media", "webviews", "charts.js"))) {
      execFileSync(process.execPath, [join(repoRoot, "scripts", "build.mjs")], { cwd: repoRoot, stdio: "inherit" });
    }
    mkdirSync(screenshotsDir, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), "agora-webviews-"));
    const data = join(dir, "run", "data", "mixed");
    mkdirSync(data, { recursive: true });
    dataFile = join(data, "all.jsonl");
    writeItems(dataFile, 600);
    const prompts = Array.from({ length: 50 }, (_, i) => JSON.stringify({ hash: `p${i}`, setting: "s", generator: "g", template: "t", prompt: `Rendered prompt number ${i}` }));
    writeFileSync(join(dir, "run", "prompts.jsonl"), `${prompts.join("\n")}\n`);
    hostileFile = join(data, "hostile.jsonl");
    hostileCount = writeHostileCorpus(hostileFile);
    host = await startWebviewHost();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  });

  after(async () => {
    for (const o of opened) o.controller.dispose();
    await browser?.close().catch(() => undefined);
    await host?.close().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function openSamples(file: string, theme: ThemeKind, exportTo?: string): Promise<Opened> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const sf = await SampleFile.open(file);
    const o = { page, copies: [], reveals: [], errors: [], dialogs: [] } as unknown as Opened;
    page.on("pageerror", (e) => o.errors.push(e.message));
    page.on("dialog", (d) => {
      o.dialogs.push(d.message());
      void d.dismiss();
    });
    let post: (m: unknown) => Promise<void> = async () => undefined;
    o.controller = new SamplesController(sf, (m) => void post(m), {
      copy: (t) => void o.copies.push(t),
      revealInEditor: (line, focus) => void o.reveals.push({ line, focus }),
      exportTarget: async () => exportTo,
    });
    post = await connect(page, (m) => o.controller.handle(m));
    o.post = (m) => post(m);
    await page.goto(host.url("samples", theme));
    await page.waitForSelector(".row .badge");
    opened.push(o);
    return o;
  }

  const detailOf = (page: Page, line: number): Promise<unknown> =>
    page.waitForFunction((l) => {
      const h = document.querySelector(".detail h2")?.textContent ?? "";
      return h.startsWith(`#${l + 1} `) || h === `Line ${l + 1}`;
    }, line);

  for (const theme of ["light", "dark", "hc"] as const) {
    it(`renders list and detail by domain (${theme}): markdown + math, numbered code, quality-enhancement word diff`, async () => {
      const { page, errors } = await openSamples(dataFile, theme);
      // Line 0: math instance generation (markdown with $…$ and $$…$$).
      await page.click('.row[data-pos="0"]');
      await detailOf(page, 0);
      await page.waitForSelector(".detail .md math");
      assert.ok((await page.locator(".detail .md strong").count()) > 0, "markdown bold rendered");
      await page.screenshot({ path: shot(`samples-math-${theme}`) });
      // Line 3: code instance generation — a fenced Python block, highlighted, with line numbers.
      await page.click('.row[data-pos="3"]');
      await detailOf(page, 3);
      assert.equal((await page.locator(".detail .code-body .gutter").first().textContent())?.trim(), "1\n2\n3\n4");
      assert.ok((await page.locator(".detail .code-body .hljs-keyword").count()) > 0, "code highlighted");
      await page.screenshot({ path: shot(`samples-code-${theme}`) });
      // Line 2: math quality enhancement — original and enhanced side by side with a word diff.
      await page.click('.row[data-pos="2"]');
      await detailOf(page, 2);
      await page.waitForSelector(".side-by-side .diff-ins");
      assert.ok((await page.locator(".side-by-side .diff-del").count()) > 0);
      await page.screenshot({ path: shot(`samples-quality-enhancement-${theme}`) });
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations), [], "the page runs under its CSP without a violation");
      assert.deepEqual(errors, []);
    });
  }

  it("filters, searches, sorts, navigates by keyboard, copies JSON, exports the view, shows the prompt and restores state", async () => {
    const out = join(dir, "export.jsonl");
    const o = await openSamples(dataFile, "dark", out);
    const { page } = o;
    const count = (): Promise<string> => page.locator(".count").innerText();
    await page.waitForFunction(() => /600 of 600/.test(document.querySelector(".count")?.textContent ?? ""));
    // Status chip.
    await page.waitForSelector(".chip .chip-count");
    await page.click(".chip.status-invalid");
    await page.waitForFunction(() => /^\d+ of 600/.test(document.querySelector(".count")?.textContent ?? "") && !/^600 /.test(document.querySelector(".count")?.textContent ?? ""));
    const invalid = Array.from({ length: 600 }, (_, i) => i).filter((i) => i % 17 === 5).length;
    assert.match(await count(), new RegExp(`^${invalid} of 600`));
    // Rows arrive after the count (a block request per 100 rows): wait until none is a placeholder.
    await page.waitForFunction(() => document.querySelectorAll(".row").length > 0 && document.querySelectorAll(".row .preview.loading").length === 0);
    assert.equal(await page.locator(".row:not(.status-invalid)").count(), 0);
    await page.click(".chip.status-invalid");
    // Full-text search: "variant 42" matches items 42 and 420–429.
    await page.click("vscode-textfield.search");
    await page.keyboard.type("variant 42");
    await page.waitForFunction(() => /^11 of 600/.test(document.querySelector(".count")?.textContent ?? ""));
    // Keyboard: focus the list, move down twice, Enter reveals the line in the editor, Ctrl+C copies.
    await page.keyboard.press("Escape");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await detailOf(page, 420);
    await page.keyboard.press("Enter");
    await page.keyboard.press("Control+c");
    for (let i = 0; i < 100 && !(o.copies.length && o.reveals.some((r) => r.focus)); i++) await page.waitForTimeout(50);
    assert.ok(o.reveals.some((r) => r.line === 420 && r.focus), "Enter reveals the line in the editor");
    assert.ok(o.reveals.some((r) => r.line === 420 && !r.focus), "selection follows in a visible editor without focus");
    assert.equal(JSON.parse(o.copies.at(-1)!).index, 420);
    // Export the filtered view.
    await page.click("vscode-button:has-text('Export view')");
    await page.waitForSelector(".toast");
    const exported = readFileSync(out, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as { index: number });
    assert.deepEqual(exported.map((x) => x.index), [42, 420, 421, 422, 423, 424, 425, 426, 427, 428, 429]);
    // Rendered prompt on demand (prompts.jsonl of the run).
    await page.click(".link-btn:has-text('Show rendered prompt')");
    await page.waitForFunction(() => /Rendered prompt number 20/.test(document.querySelector(".prompt")?.textContent ?? ""));
    await page.screenshot({ path: shot("samples-search-dark") });
    // Hidden and shown again: VS Code re-creates the page and getState() brings the view back.
    await page.reload();
    await detailOf(page, 420);
    assert.match(await count(), /^11 of 600/);
    assert.equal(await page.evaluate(() => (document.querySelector("vscode-textfield.search") as unknown as { value: string }).value), "variant 42");
    // A reveal from the editor (code lens / hover) selects the line, clearing filters that hide it.
    await o.post({ type: "reveal", line: 77 });
    await detailOf(page, 77);
    assert.match(await count(), /^600 of 600/);
    assert.deepEqual(o.errors, []);
  });

  it("stacks list and detail in a narrow panel (the browser beside a text editor)", async () => {
    const { page, errors } = await openSamples(dataFile, "light");
    await page.setViewportSize({ width: 560, height: 900 });
    await page.click('.row[data-pos="2"]');
    await detailOf(page, 2);
    const list = await page.locator(".list").boundingBox();
    const detail = await page.locator(".detail").boundingBox();
    assert.ok(list && detail && detail.y >= list.y + list.height - 1, "detail below the list");
    assert.ok(detail!.width > 500, "detail gets the full width");
    await page.screenshot({ path: shot("samples-narrow-light") });
    assert.deepEqual(errors, []);
  });

  it("sorts by judge score with unscored items last", async () => {
    const { page, errors } = await openSamples(dataFile, "light");
    await page.evaluate(() => {
      const s = document.querySelectorAll("vscode-single-select")[3] as unknown as HTMLElement & { value: string };
      s.value = "judge";
      s.dispatchEvent(new Event("change"));
    });
    await page.waitForSelector(".row .judge");
    await page.click('.row[data-pos="0"]');
    await page.waitForSelector(".detail h2");
    const firstJudge = await page.locator('.row[data-pos="0"] .judge').innerText();
    assert.equal(firstJudge, "★ 1");
    assert.deepEqual(errors, []);
  });

  it("renders the hostile corpus without running a script or breaking the page", async () => {
    const o = await openSamples(hostileFile, "dark");
    const { page } = o;
    const lines = readFileSync(hostileFile).toString("latin1").split("\n").slice(0, hostileCount);
    for (let line = 0; line < hostileCount; line++) {
      if (lines[line] === "") continue; // blank lines are not listed
      await o.post({ type: "reveal", line });
      await detailOf(page, line);
      // Toggle the quality-enhancement view both ways where there is one, so both renderings run.
      const toggle = page.locator(".link-btn:text-is('Show rendered')");
      if (await toggle.count()) {
        await toggle.click();
        await page.waitForSelector(".link-btn:has-text('Show word diff')");
      }
      const bad = await domAudit(page);
      assert.deepEqual(bad, [], `line ${line + 1}: dangerous markup in the DOM`);
      if (line === 0) await page.screenshot({ path: shot("samples-hostile-dark") });
    }
    // The 1 MB line and the invalid UTF-8 line rendered something sensible.
    await o.post({ type: "reveal", line: HOSTILE_STRINGS.length });
    await detailOf(page, HOSTILE_STRINGS.length);
    await page.waitForSelector(".detail .md");
    await o.post({ type: "reveal", line: HOSTILE_STRINGS.length + 1 });
    await detailOf(page, HOSTILE_STRINGS.length + 1);
    assert.ok((await page.locator(".detail .warn").allInnerTexts()).some((t) => /not valid UTF-8/.test(t)));
    // Give anything deferred (timers, late event handlers) the chance to fire.
    await page.waitForTimeout(500);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined, "no payload ran");
    assert.deepEqual(o.dialogs, [], "no dialog opened");
    const violations = await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
    assert.deepEqual(violations.filter((v) => v.startsWith("script-src")), [], "nothing even tried to run a script");
    assert.deepEqual(o.errors, [], "no page error");
    // The page still works: a search over the hostile file answers.
    await page.click("vscode-textfield.search");
    await page.keyboard.type("megabyte");
    await page.waitForFunction(() => /^1 of /.test(document.querySelector(".count")?.textContent ?? ""));
  });

  for (const theme of ["light", "dark"] as const) {
    it(`charts (${theme}): heatmap, domain bars with paper overlay, PGR vs cost, benchmark drill-down, tooltips and SVG/PNG export`, async () => {
      const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
      const errors: string[] = [];
      const dialogs: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const exports: { format: string; content: string; name: string }[] = [];
      let ready = false;
      const post = await connect(page, (raw) => {
        const m = parseChartsRequest(raw);
        assert.ok(m, "the webview sends only valid requests");
        if (m.type === "ready") ready = true;
        else exports.push(m);
      });
      await page.goto(host.url("charts", theme));
      await page.waitForFunction(() => document.querySelector(".tabs .tab") !== null);
      assert.ok(ready);
      const scores = loadJsoncWith(ScoresFile, readFileSync(join(repoRoot, "examples", "scores.json"), "utf8")).value!;
      // A hostile generator name: it must come out as text in axis labels and tooltips.
      const evil = "<img src=x onerror=window.__pwned=1>";
      const second = structuredClone(scores);
      second.students = { [evil]: Object.values(scores.students)[0]! };
      const data = chartDataFromScores([scores, second], { [Object.keys(scores.students)[0]!]: 4.2, [evil]: 0.3 });
      await post({ type: "data", data, title: "test" });
      await page.waitForSelector(".chart svg");
      await page.screenshot({ path: shot(`charts-heatmap-${theme}`) });
      // Tooltip with raw scores on a heatmap cell (a cell is a filled path of cell size).
      const at = await page.evaluate(() => {
        for (const p of Array.from(document.querySelectorAll(".chart svg path[fill]"))) {
          const r = p.getBoundingClientRect();
          if (r.width > 40 && r.width < 200 && r.height > 40 && r.height < 200) return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
        }
        return undefined;
      });
      assert.ok(at, "a heatmap cell");
      await page.mouse.move(at.x, at.y);
      await page.waitForFunction(() => /student .* base .* reference/.test(document.querySelector(".chart")?.textContent ?? ""));
      await page.screenshot({ path: shot(`charts-tooltip-${theme}`) });
      for (const [i, view] of ["bars", "cost", "benchmarks"].entries()) {
        await page.click(`.tab >> nth=${i + 1}`);
        await page.waitForSelector(".chart svg");
        await page.screenshot({ path: shot(`charts-${view}-${theme}`) });
      }
      const svgText = await page.locator(".chart svg").evaluate((s) => s.outerHTML);
      assert.ok(svgText.includes("&lt;img src=x") || !svgText.includes("<img"), "labels are text, not markup");
      await page.click("vscode-button:has-text('SVG')");
      await page.click("vscode-button:has-text('PNG')");
      for (let i = 0; i < 50 && exports.length < 2; i++) await page.waitForTimeout(100);
      const svg = exports.find((e) => e.format === "svg");
      const png = exports.find((e) => e.format === "png");
      assert.ok(svg?.content.startsWith("<svg"), "SVG export");
      assert.deepEqual([...Buffer.from(png!.content, "base64").subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], "PNG export");
      // With no scores yet the view charts the paper's Table 2 (six generators).
      await post({ type: "data", data: chartDataFromScores([]), title: "paper" });
      await page.click(".tab >> nth=0");
      await page.waitForFunction(() => /gpt-4o-2024-08-06/.test(document.querySelector(".chart svg")?.innerHTML ?? ""));
      await page.screenshot({ path: shot(`charts-paper-heatmap-${theme}`) });
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations), [], "the page runs under its CSP without a violation");
      assert.deepEqual(dialogs, []);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }
});
