/**
 * The webview bundles (media/webviews/samples.js, charts.js) in headless Chromium, behind the page the
 * extension builds (same CSP and nonce), with a small host page standing in for VS Code's webview API and
 * the real engine answering: the samples browser through SamplesController over a SampleFile, the charts
 * through the shared chart data. Screenshots in light and dark go to test-results/screenshots/.
 *
 * The hostile corpus (script tags, event handlers, javascript: links, SVG payloads, CSS injection, 1 MB
 * lines, invalid UTF-8) must run no script — no `window.__pwned`, no dialog, no CSP script violation —
 * leave no dangerous markup in the DOM, load nothing and break no page: once behind the CSP, and once
 * without it (the sanitiser alone). Canaries prove each detector fires on a payload that does get through.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
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
import { HOSTILE_STRINGS, makeItem, writeHostileCorpus, writeItems } from "../support/samples-fixtures";
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
  /** Requests for anything but the page and its bundles (remote content, or a payload's `src=x`). */
  stray: string[];
  post: (m: SamplesHostMessage) => Promise<void>;
}

/** Records every request a page makes other than its own HTML and the extension's bundles. */
function watchRequests(page: Page, origin: string, into: string[]): void {
  page.on("request", (r) => {
    const u = r.url();
    if (/^(data|blob):/.test(u)) return;
    if (u.startsWith(`${origin}/media/`) || /^\/(samples|charts)\.html$/.test(new URL(u).pathname)) return;
    into.push(u);
  });
}

/** WCAG contrast ratio of two CSS `rgb(…)` colours. */
function contrastRatio(a: string, b: string): number {
  const lum = (c: string): number => {
    const [r, g, bl] = (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
      const x = Number(v) / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const pwned = (page: Page): Promise<unknown> => page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);
const cspViolations = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);

/**
 * A page is broken when a payload hid, collapsed or covered part of it, or pushed it sideways (a 1 MB word,
 * a fixed overlay, injected CSS).
 */
async function layoutAudit(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const bad: string[] = [];
    for (const sel of [".toolbar", ".list", ".detail", ".detail h2"]) {
      const e = document.querySelector(sel);
      if (!e) {
        bad.push(`${sel} missing`);
        continue;
      }
      const r = e.getBoundingClientRect();
      const cs = getComputedStyle(e);
      if (r.width < 40 || r.height < 10) bad.push(`${sel} collapsed to ${r.width}×${r.height}`);
      if (cs.display === "none" || cs.visibility === "hidden" || cs.opacity === "0") bad.push(`${sel} hidden`);
    }
    if (getComputedStyle(document.body).display === "none") bad.push("body hidden");
    const d = document.querySelector(".detail");
    if (d && d.scrollWidth > d.clientWidth + 2) bad.push(`detail overflows sideways by ${d.scrollWidth - d.clientWidth}px`);
    if (document.documentElement.scrollWidth > window.innerWidth + 2) bad.push("page scrolls sideways");
    // Nothing lies over the page: what is at the centre of the toolbar and of the detail pane is theirs.
    for (const sel of [".toolbar", ".detail"]) {
      const r = document.querySelector(sel)?.getBoundingClientRect();
      if (!r) continue;
      const at = document.elementFromPoint(r.x + Math.min(20, r.width / 2), r.y + Math.min(r.height / 2, 200));
      if (!at?.closest(sel)) bad.push(`${sel} covered by ${at?.tagName ?? "nothing"}`);
    }
    return bad;
  });
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

  async function openSamples(file: string, theme: ThemeKind, opts: { exportTo?: string; csp?: boolean } = {}): Promise<Opened> {
    const { exportTo } = opts;
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const sf = await SampleFile.open(file);
    const o = { page, copies: [], reveals: [], errors: [], dialogs: [], stray: [] } as unknown as Opened;
    watchRequests(page, host.origin, o.stray);
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
    await page.goto(host.url("samples", theme, { csp: opts.csp }));
    await page.waitForSelector(".row .badge");
    opened.push(o);
    return o;
  }

  const detailOf = (page: Page, line: number): Promise<unknown> =>
    page.waitForFunction((l) => {
      const h = document.querySelector(".detail h2")?.textContent ?? "";
      return h.startsWith(`#${l + 1} `) || h === `Line ${l + 1}`;
    }, line);

  for (const theme of ["light", "dark", "hc", "hc-light"] as const) {
    it(`renders list and detail by domain (${theme}): markdown + math, numbered code, quality-enhancement word diff`, async () => {
      const { page, errors, stray } = await openSamples(dataFile, theme);
      // Line 0: math instance generation (markdown with $…$ and $$…$$).
      await page.click('.row[data-pos="0"]');
      await detailOf(page, 0);
      await page.waitForSelector(".detail .md math");
      assert.ok((await page.locator(".detail .md strong").count()) > 0, "markdown bold rendered");
      // $$…$$ is display math (a block of its own) with a real fraction, inline $…$ sits in the text.
      assert.ok((await page.locator('.detail .md math[display="block"] mfrac').count()) > 0, "display math with a fraction");
      assert.ok((await page.locator('.detail .md p math:not([display="block"])').count()) > 0, "inline math in the instruction");
      assert.doesNotMatch(await page.locator(".detail .md").nth(1).innerText(), /\$\$|\\frac/, "no TeX source left in the rendered response");
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
      // Original left, enhanced right: deletions only on the left, insertions only on the right.
      const panes = page.locator(".side-by-side").first().locator(".pane");
      assert.match(await panes.nth(0).locator(".pane-title").innerText(), /Original/);
      assert.match(await panes.nth(1).locator(".pane-title").innerText(), /Enhanced/);
      assert.deepEqual((await panes.nth(0).locator(".diff-del").allInnerTexts()).map((x) => x.trim()), ["what", "pls answer"], "the words the rewrite dropped");
      assert.equal(await panes.nth(0).locator(".diff-ins").count(), 0);
      assert.deepEqual((await panes.nth(1).locator(".diff-ins").allInnerTexts()).map((x) => x.trim()), ["What"]);
      assert.equal(await panes.nth(1).locator(".diff-del").count(), 0);
      await page.screenshot({ path: shot(`samples-quality-enhancement-${theme}`) });
      // Badges stay readable in every theme: text and fill differ enough (WCAG contrast ≥ 3 for bold small caps).
      const colours = await page.locator('.row[data-pos="0"] .badge').evaluate((b) => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]);
      const contrast = contrastRatio(colours[0]!, colours[1]!);
      assert.ok(contrast >= 3, `status badge contrast ${contrast.toFixed(2)}`);
      assert.deepEqual(await cspViolations(page), [], "the page runs under its CSP without a violation");
      assert.deepEqual(stray, [], "nothing loaded but the page and its bundles");
      assert.deepEqual(errors, []);
    });
  }

  it("filters, searches, sorts, navigates by keyboard, copies JSON, exports the view, shows the prompt and restores state", async () => {
    const out = join(dir, "export.jsonl");
    const o = await openSamples(dataFile, "dark", { exportTo: out });
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
    await page.waitForFunction(() => /^600 of 600/.test(document.querySelector(".count")?.textContent ?? ""));
    // Generator (picked with the mouse from the dropdown), setting and judge score together.
    const expected = Array.from({ length: 600 }, (_, i) => makeItem(i)).filter(
      (x) => x.generator === "gpt-4o-2024-08-06" && x.setting === "code.instance_generation" && ((x.judge as { score: number } | undefined)?.score ?? 0) >= 3,
    );
    assert.ok(expected.length > 0);
    await page.click('vscode-single-select[aria-label="Generator"] .select-face');
    await page.click('vscode-single-select[aria-label="Generator"] li[role="option"]:has-text("gpt-4o-2024-08-06")');
    await page.waitForFunction(() => /^200 of 600/.test(document.querySelector(".count")?.textContent ?? ""));
    await page.evaluate(() => {
      for (const [label, value] of [["Setting", "code.instance_generation"], ["Judge score", "3"]]) {
        const sel = document.querySelector(`vscode-single-select[aria-label="${label}"]`) as unknown as HTMLElement & { value: string };
        sel.value = value!;
        sel.dispatchEvent(new Event("change"));
      }
    });
    await page.waitForFunction((n) => new RegExp(`^${n} of 600`).test(document.querySelector(".count")?.textContent ?? ""), expected.length);
    await page.waitForFunction(() => document.querySelectorAll(".row").length > 0 && document.querySelectorAll(".row .preview.loading").length === 0);
    // The list renders the rows in sight (plus a margin), in view order.
    const shownRows = await page.locator(".row .ln").allInnerTexts();
    assert.ok(shownRows.length >= Math.min(expected.length, 10), `${shownRows.length} rows shown`);
    assert.deepEqual(shownRows, expected.slice(0, shownRows.length).map((x) => `#${(x.index as number) + 1}`));
    for (const m of await page.locator(".row .meta").allInnerTexts()) assert.match(m, /gpt-4o-2024-08-06.*code\.instance_generation.*★ [345]/s);
    for (const label of ["Generator", "Setting", "Judge score"]) {
      await page.evaluate((l) => {
        const sel = document.querySelector(`vscode-single-select[aria-label="${l}"]`) as unknown as HTMLElement & { value: string };
        sel.value = "";
        sel.dispatchEvent(new Event("change"));
      }, label);
    }
    await page.waitForFunction(() => /^600 of 600/.test(document.querySelector(".count")?.textContent ?? ""));
    // Full-text search: "variant 42" matches items 42 and 420–429.
    await page.click("vscode-textfield.search");
    await page.keyboard.type("variant 42");
    await page.waitForFunction(() => /^11 of 600/.test(document.querySelector(".count")?.textContent ?? ""));
    // Keyboard: focus the list, move down twice, Enter reveals the line in the editor, Ctrl+C copies.
    await page.keyboard.press("Escape");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await detailOf(page, 420);
    // j/k like the arrows, End/Home to the ends of the (filtered) view.
    await page.keyboard.press("j");
    await detailOf(page, 421);
    await page.keyboard.press("k");
    await detailOf(page, 420);
    await page.keyboard.press("End");
    await detailOf(page, 429);
    await page.keyboard.press("Home");
    await detailOf(page, 42);
    await page.keyboard.press("ArrowDown");
    await detailOf(page, 420);
    // "/" jumps to the search box from anywhere outside a field.
    await page.keyboard.press("/");
    assert.equal(await page.evaluate(() => document.activeElement?.tagName.toLowerCase()), "vscode-textfield");
    await page.keyboard.press("Escape");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Control+c");
    for (let i = 0; i < 100 && !(o.copies.length && o.reveals.some((r) => r.focus)); i++) await page.waitForTimeout(50);
    assert.ok(o.reveals.some((r) => r.line === 420 && r.focus), "Enter reveals the line in the editor");
    assert.ok(o.reveals.some((r) => r.line === 420 && !r.focus), "selection follows in a visible editor without focus");
    assert.equal(JSON.parse(o.copies.at(-1)!).index, 420);
    // Text selected in the detail pane is copied by the browser as usual, not replaced by the item's JSON.
    const copiesBefore = o.copies.length;
    await page.locator(".detail .md p").first().click({ clickCount: 3 });
    assert.notEqual(await page.evaluate(() => window.getSelection()?.toString() ?? ""), "");
    await page.keyboard.press("Control+c");
    await page.waitForTimeout(300);
    assert.equal(o.copies.length, copiesBefore, "Ctrl+C with a text selection leaves the item's JSON alone");
    await page.locator('.row[data-pos="1"]').click();
    await detailOf(page, 420);
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
    // A reveal from the editor (code lens / hover) of a line in the view keeps the view…
    o.controller.reveal(425);
    await detailOf(page, 425);
    assert.match(await count(), /^11 of 600/);
    // …and of a line the filters hide clears them, so it can be shown.
    o.controller.reveal(77);
    await detailOf(page, 77);
    await page.waitForFunction(() => /^600 of 600/.test(document.querySelector(".count")?.textContent ?? ""));
    assert.equal(await page.locator(".row.selected .ln").innerText(), "#78");
    assert.deepEqual(o.errors, []);
  });

  it("keeps the selection through filters and sorts, and reveals deep lines past blank ones and into filtered views", async () => {
    const f = join(dir, "run", "data", "mixed", "blanks.jsonl");
    const N = 3000;
    // Blank lines (left out of the list once the facets pass has read the file) shift list positions
    // away from line numbers: the host locates lines, the page never assumes position = line.
    const lines = Array.from({ length: N }, (_, i) => (i === 3 || i === 1500 ? "" : JSON.stringify(makeItem(i))));
    writeFileSync(f, `${lines.join("\n")}\n`);
    const o = await openSamples(f, "light");
    const { page } = o;
    const inSight = (line: number): Promise<boolean> =>
      page.evaluate((l) => {
        const row = Array.from(document.querySelectorAll(".row")).find((r) => r.querySelector(".ln")?.textContent === `#${l + 1}`);
        const list = document.querySelector(".list")!.getBoundingClientRect();
        const r = row?.getBoundingClientRect();
        return !!r && r.top >= list.top - 1 && r.bottom <= list.bottom + 1 && row!.classList.contains("selected");
      }, line);
    await page.waitForSelector(".chip .chip-count");
    o.controller.reveal(2500);
    await detailOf(page, 2500);
    assert.ok(await inSight(2500), "revealed line selected and on screen");
    // A status filter the selection is not in: the list starts at the top of the new view.
    await page.click(".chip.status-invalid");
    const invalid = lines.filter((l, i) => l && i % 17 === 5).length;
    await page.waitForFunction((n) => new RegExp(`^${n} of 3,000`).test(document.querySelector(".count")?.textContent ?? ""), invalid);
    assert.equal(await page.locator(".list").evaluate((l) => l.scrollTop), 0);
    // A reveal of a line in the filtered view keeps the filter.
    o.controller.reveal(2793);
    await detailOf(page, 2793);
    assert.ok(await inSight(2793));
    assert.match(await page.locator(".count").innerText(), new RegExp(`^${invalid} of`));
    // A new sort keeps the selection, wherever it moved to.
    await page.evaluate(() => {
      const sel = document.querySelector('vscode-single-select[aria-label="Sort"]') as unknown as HTMLElement & { value: string };
      sel.value = "cost";
      sel.dispatchEvent(new Event("change"));
    });
    // Where the sort puts it: invalid items by cost, cheapest first (the direction is still ascending),
    // ties in file order; costs compared as the facets table stores them (float32).
    const byCost = lines
      .map((l, i) => ({ i, cost: l ? (makeItem(i).costUsd as number) : 0, invalid: !!l && i % 17 === 5 }))
      .filter((x) => x.invalid)
      .sort((a, b) => Math.fround(a.cost) - Math.fround(b.cost) || a.i - b.i);
    const sortedPos = byCost.findIndex((x) => x.i === 2793);
    await page.waitForFunction(
      (p) => document.querySelector(`.row.selected[data-pos="${p}"] .ln`)?.textContent === "#2794" && document.querySelectorAll(".row .preview.loading").length === 0,
      sortedPos,
    );
    assert.ok(await inSight(2793), "still selected and on screen after sorting");
    await page.click(".chip.status-invalid");
    await page.waitForFunction(() => /^2,998 of 3,000/.test(document.querySelector(".count")?.textContent ?? ""));
    const allByCost = lines
      .map((l, i) => ({ i, cost: l ? (makeItem(i).costUsd as number) : 0, blank: !l }))
      .filter((x) => !x.blank)
      .sort((a, b) => Math.fround(a.cost) - Math.fround(b.cost) || a.i - b.i);
    const allPos = allByCost.findIndex((x) => x.i === 2793);
    await page.waitForFunction(
      (p) => document.querySelector(`.row.selected[data-pos="${p}"] .ln`)?.textContent === "#2794" && document.querySelectorAll(".row .preview.loading").length === 0,
      allPos,
    );
    assert.ok(await inSight(2793), "still selected with the filter cleared");
    assert.deepEqual(o.errors, []);
    await page.close();
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

  for (const csp of [true, false]) {
    it(`renders the hostile corpus without running a script, loading anything or breaking the page (${csp ? "behind the CSP" : "without the CSP: the sanitiser alone"})`, async () => {
      const o = await openSamples(hostileFile, "dark", { csp });
      const { page } = o;
      const lines = readFileSync(hostileFile).toString("latin1").split("\n").slice(0, hostileCount);
      let shown = 0;
      for (let line = 0; line < hostileCount; line++) {
        if (lines[line] === "") continue; // blank lines are not listed
        await o.post({ type: "reveal", line });
        await detailOf(page, line);
        shown++;
        // Where there is a quality-enhancement view, switch it to the other rendering (word diff ↔
        // rendered markdown) and audit both.
        for (const [from, to] of [["Show rendered", "Show word diff"], ["Show word diff", "Show rendered"]] as const) {
          const toggle = page.locator(`.link-btn:text-is('${from}')`);
          if (!(await toggle.count())) continue;
          assert.deepEqual(await domAudit(page), [], `line ${line + 1} (before "${from}"): dangerous markup in the DOM`);
          await toggle.click();
          await page.waitForSelector(`.link-btn:text-is('${to}')`);
          break;
        }
        // Hover the selected row (its tooltip is model text).
        await page.hover(".row.selected").catch(() => undefined);
        assert.deepEqual(await domAudit(page), [], `line ${line + 1}: dangerous markup in the DOM`);
        assert.deepEqual(await layoutAudit(page), [], `line ${line + 1}: the page is broken`);
        if (line === 0) await page.screenshot({ path: shot(`samples-hostile-${csp ? "csp" : "nocsp"}-dark`) });
      }
      assert.equal(shown, hostileCount - 1, "every non-blank line was rendered");
      // The 1 MB line and the invalid UTF-8 line rendered something sensible.
      await o.post({ type: "reveal", line: HOSTILE_STRINGS.length });
      await detailOf(page, HOSTILE_STRINGS.length);
      await page.waitForSelector(".detail .md");
      assert.deepEqual(await layoutAudit(page), [], "the 1 MB line wraps inside the detail pane");
      await o.post({ type: "reveal", line: HOSTILE_STRINGS.length + 1 });
      await detailOf(page, HOSTILE_STRINGS.length + 1);
      assert.ok((await page.locator(".detail .warn").allInnerTexts()).some((t) => /not valid UTF-8/.test(t)));
      // Give anything deferred (timers, late event handlers, animations) the chance to fire.
      await page.waitForTimeout(1200);
      assert.equal(await pwned(page), undefined, "no payload ran");
      assert.deepEqual(o.dialogs, [], "no dialog opened");
      if (csp) assert.deepEqual((await cspViolations(page)).filter((v) => v.startsWith("script-src")), [], "nothing even tried to run a script");
      assert.deepEqual(o.stray, [], "no payload loaded anything (remote or local)");
      assert.deepEqual(o.errors, [], "no page error");
      // The page still works: a search over the hostile file answers.
      await page.click("vscode-textfield.search");
      await page.keyboard.type("megabyte");
      await page.waitForFunction(() => /^1 of /.test(document.querySelector(".count")?.textContent ?? ""));
      await page.close();
    });
  }

  it("canaries: each detector the hostile test relies on fires when a payload does get through", async () => {
    const payload = `<img src="x" onerror="window.__pwned='canary';alert('canary')"><a href="javascript:void(0)">j</a>`;
    // Behind the CSP: markup smuggled past the sanitiser straight into the detail pane is flagged by the
    // DOM audit, its inline handler is blocked and reported as a script-src violation, and its image
    // request is seen. (The CSP is the second wall: the payload still must not run.)
    const a = await openSamples(hostileFile, "dark");
    await a.post({ type: "reveal", line: 0 });
    await detailOf(a.page, 0);
    assert.deepEqual(await domAudit(a.page), []);
    await a.page.evaluate((html) => {
      document.querySelector(".detail-inner")!.insertAdjacentHTML("beforeend", html);
    }, payload);
    await a.page.waitForFunction(() => (window as unknown as { __cspViolations: string[] }).__cspViolations.some((v) => v.startsWith("script-src")));
    const flagged = await domAudit(a.page);
    assert.ok(flagged.some((x) => /IMG onerror/.test(x)) && flagged.some((x) => /javascript:/.test(x)) && flagged.some((x) => /element IMG/.test(x)), flagged.join("; "));
    for (let i = 0; i < 50 && a.stray.length === 0; i++) await a.page.waitForTimeout(50);
    assert.ok(a.stray.some((u) => u.endsWith("/x")), "the request watcher saw the payload's image load");
    assert.equal(await pwned(a.page), undefined, "the CSP blocked the handler");
    // An overlay injected the same way is what the layout audit reports as a broken page.
    await a.page.evaluate(() => {
      const d = document.createElement("div");
      d.className = "overlay";
      d.style.cssText = "position:fixed;inset:0;background:red";
      document.body.append(d);
    });
    assert.ok((await layoutAudit(a.page)).some((x) => /covered by DIV/.test(x)), "the layout audit sees an overlay");
    // Without the CSP the same payload runs: the execution and dialog detectors see it.
    const b = await openSamples(hostileFile, "dark", { csp: false });
    await b.post({ type: "reveal", line: 0 });
    await detailOf(b.page, 0);
    await b.page.evaluate((html) => {
      document.querySelector(".detail-inner")!.insertAdjacentHTML("beforeend", html);
    }, payload);
    await b.page.waitForFunction(() => (window as unknown as { __pwned?: unknown }).__pwned === "canary");
    for (let i = 0; i < 50 && b.dialogs.length === 0; i++) await b.page.waitForTimeout(50);
    assert.deepEqual(b.dialogs, ["canary"], "the dialog detector saw alert()");
    await a.page.close();
    await b.page.close();
  });

  it("reaches every row of a 1,000,000-line file (past the browser's element height limit)", async () => {
    const big = join(dir, "run", "data", "mixed", "million.jsonl");
    const N = 1_000_000;
    const chunk: string[] = [];
    const fd = openSync(big, "w");
    for (let i = 0; i < N; i++) {
      chunk.push(`{"id":"m${i}","status":"valid","instruction":"row ${i}"}`);
      if (chunk.length === 50_000) writeSync(fd, `${chunk.splice(0).join("\n")}\n`);
    }
    closeSync(fd);
    const o = await openSamples(big, "light");
    const { page } = o;
    await page.waitForFunction(() => /^1,000,000 of 1,000,000/.test(document.querySelector(".count")?.textContent ?? ""));
    await page.click('.row[data-pos="0"]');
    await detailOf(page, 0);
    const inSight = (pos: number): Promise<boolean> =>
      page.evaluate((p) => {
        const row = document.querySelector(`.row[data-pos="${p}"]`);
        const list = document.querySelector(".list")!.getBoundingClientRect();
        const r = row?.getBoundingClientRect();
        return !!r && r.top >= list.top - 1 && r.bottom <= list.bottom + 1 && !row!.querySelector(".loading");
      }, pos);
    await page.keyboard.press("End");
    await detailOf(page, N - 1);
    assert.ok(await inSight(N - 1), "the last row is on screen");
    assert.equal(await page.locator(`.row[data-pos="${N - 1}"] .preview`).innerText(), `row ${N - 1}`);
    await page.keyboard.press("PageUp");
    await page.waitForFunction((n) => !(document.querySelector(".detail h2")?.textContent ?? "").startsWith(`#${n} `), N);
    const afterPageUp = await page.evaluate(() => Number(/^#(\d+) /.exec(document.querySelector(".detail h2")?.textContent ?? "")?.[1]));
    assert.ok(afterPageUp < N && afterPageUp > N - 40, `PageUp moved a screenful (now #${afterPageUp})`);
    assert.ok(await inSight(afterPageUp - 1));
    // A reveal from the editor deep in the file lands on that row, centred.
    await o.post({ type: "reveal", line: 876_543 });
    await detailOf(page, 876_543);
    assert.ok(await inSight(876_543), "revealed row on screen");
    // Dragging the scrollbar to the middle shows the rows from the middle of the file, contiguous.
    await page.evaluate(() => {
      const l = document.querySelector(".list")!;
      l.scrollTop = (l.scrollHeight - l.clientHeight) / 2;
    });
    // The scroll event re-renders the rows: wait until the viewport is filled with loaded ones.
    await page.waitForFunction(() => {
      const list = document.querySelector(".list")!.getBoundingClientRect();
      const inView = Array.from(document.querySelectorAll(".row")).filter((r) => {
        const t = r.getBoundingClientRect().top;
        return t >= list.top && t < list.bottom;
      });
      return inView.length > 5 && inView.every((r) => !r.querySelector(".loading"));
    });
    const visible = await page.evaluate(() => {
      const list = document.querySelector(".list")!.getBoundingClientRect();
      return Array.from(document.querySelectorAll<HTMLElement>(".row"))
        .map((r) => ({ pos: Number(r.dataset.pos), top: r.getBoundingClientRect().top, text: r.querySelector(".preview")?.textContent ?? "" }))
        .filter((r) => r.top >= list.top && r.top < list.bottom)
        .sort((x, y) => x.pos - y.pos);
    });
    assert.ok(visible.length > 5);
    const mid = visible[0]!.pos;
    assert.ok(Math.abs(mid - N / 2) < N * 0.01, `middle of the scrollbar shows row ${mid}`);
    visible.forEach((r, i) => {
      assert.equal(r.pos, mid + i, "contiguous rows");
      assert.equal(r.text, `row ${r.pos}`);
      if (i) assert.ok(Math.abs(r.top - visible[i - 1]!.top - 46) < 1, "rows stacked at their height");
    });
    await page.keyboard.press("Home");
    await detailOf(page, 0);
    assert.ok(await inSight(0));
    assert.deepEqual(o.errors, []);
    await page.close();
    rmSync(big, { force: true });
  });

  for (const theme of ["light", "dark", "hc"] as const) {
    it(`charts (${theme}): heatmap, domain bars with paper overlay, PGR vs cost, benchmark drill-down, tooltips, SVG/PNG export, state restore`, async () => {
      const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
      const errors: string[] = [];
      const dialogs: string[] = [];
      const stray: string[] = [];
      watchRequests(page, host.origin, stray);
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const exports: { format: string; content: string; name: string }[] = [];
      let readies = 0;
      // What the extension does (charts-panel.ts): answer every "ready" — also the one a re-created
      // (hidden, then shown) page sends — with the latest data.
      let latest: unknown;
      let post: (m: unknown) => Promise<void> = async () => undefined;
      post = await connect(page, (raw) => {
        const m = parseChartsRequest(raw);
        assert.ok(m, "the webview sends only valid requests");
        if (m.type === "ready") {
          readies++;
          if (latest) void post(latest);
        } else exports.push(m);
      });
      const scores = loadJsoncWith(ScoresFile, readFileSync(join(repoRoot, "examples", "scores.json"), "utf8")).value!;
      // A hostile generator name: it must come out as text in axis labels and tooltips.
      const evil = "<img src=x onerror=window.__pwned=1>";
      const second = structuredClone(scores);
      second.students = { [evil]: Object.values(scores.students)[0]! };
      const data = chartDataFromScores([scores, second], { [Object.keys(scores.students)[0]!]: 4.2, [evil]: 0.3 });
      latest = { type: "data", data, title: "test" };
      await page.goto(host.url("charts", theme));
      await page.waitForSelector(".chart svg");
      assert.equal(readies, 1);
      const svgText = (): Promise<string> => page.locator(".chart svg").evaluate((x) => x.textContent ?? "");
      const tooltip = (): Promise<string> => page.evaluate(() => Array.from(document.querySelectorAll(".chart > div")).map((d) => (d as HTMLElement).innerText).join("\n"));
      // The colour scale says what its ends mean in numbers.
      assert.match(await svgText(), /PGR \(%\)/);
      assert.match(await svgText(), /\+\d+/);
      await page.screenshot({ path: shot(`charts-heatmap-${theme}`) });
      // Tooltip with raw scores on the top-left heatmap cell (gpt-4o-mini · Math · Instance gen.).
      const cell = await page.evaluate(() => {
        const cells = Array.from(document.querySelectorAll(".chart svg path[fill]"))
          .map((p) => p.getBoundingClientRect())
          .filter((r) => r.width > 40 && r.width < 200 && r.height > 40 && r.height < 200)
          .sort((a, b) => a.y - b.y || a.x - b.x);
        const r = cells[0];
        return r && { x: r.x + r.width / 2, y: r.y + r.height / 2 };
      });
      assert.ok(cell, "a heatmap cell");
      await page.mouse.move(cell.x, cell.y);
      await page.waitForFunction(() => /GSM8K: student .* base .* reference .* PGR/.test(document.querySelector(".chart")?.textContent ?? ""));
      assert.match(await tooltip(), /gpt-4o-mini\s+Math · Instance gen\.: PGR 16\.0/);
      await page.screenshot({ path: shot(`charts-tooltip-${theme}`) });
      // Clicking the cell drills down to that setting's benchmarks.
      await page.mouse.click(cell.x, cell.y);
      await page.waitForFunction(() => /Benchmarks — Math · Instance gen\./.test(document.querySelector(".chart svg")?.textContent ?? ""));
      assert.equal(await page.locator('.tab[aria-selected="true"]').innerText(), "Benchmarks");
      const box = (await page.locator(".chart").boundingBox())!;
      // Axis tooltips: over the first category (GSM8K) every series' raw score, and each student's PGR.
      await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.55);
      await page.waitForFunction(() => /base: 56\.4/.test(document.querySelector(".chart")?.textContent ?? ""));
      assert.match(await tooltip(), /GSM8K[\s\S]*base: 56\.4[\s\S]*reference: 80\.1[\s\S]*gpt-4o-mini: 60\.9 → PGR 19\.0/);
      assert.ok((await page.locator(".chart .tt-marker.tt-c0").count()) > 0, "colour swatches by class");
      await page.screenshot({ path: shot(`charts-benchmarks-${theme}`) });
      // By domain: the paper's number beside the generator's own, and the raw scores, in the tooltip.
      await page.click(".tab:text-is('By domain')");
      await page.waitForFunction(() => /PGR — Math/.test(document.querySelector(".chart svg")?.textContent ?? ""));
      assert.match(await svgText(), /gpt-4o-mini \(paper\)/, "the paper overlay is in the legend");
      await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.6);
      await page.waitForFunction(() => /paper 16\.1/.test(document.querySelector(".chart")?.textContent ?? ""));
      assert.match(await tooltip(), /gpt-4o-mini: PGR 16\.0 · paper 16\.1\s+GSM8K: student 60\.9 · base 56\.4 · reference 80\.1 → PGR 19\.0/);
      await page.screenshot({ path: shot(`charts-bars-${theme}`) });
      await page.click(".tab:text-is('PGR vs. cost')");
      await page.waitForFunction(() => /PGR vs\. cost/.test(document.querySelector(".chart svg")?.textContent ?? ""));
      assert.match(await svgText(), /gpt-4o-mini/);
      await page.screenshot({ path: shot(`charts-cost-${theme}`) });
      const svgMarkup = await page.locator(".chart svg").evaluate((x) => x.outerHTML);
      assert.ok(!svgMarkup.includes("<img"), "labels are text, not markup");
      await page.click("vscode-button:has-text('SVG')");
      await page.click("vscode-button:has-text('PNG')");
      for (let i = 0; i < 50 && exports.length < 2; i++) await page.waitForTimeout(100);
      const svg = exports.find((e) => e.format === "svg");
      const png = exports.find((e) => e.format === "png");
      assert.ok(svg?.content.startsWith("<svg") && /PGR vs\. cost/.test(svg.content), "SVG export of the chart shown");
      assert.equal(svg?.name, "pgr-cost");
      const pngBytes = Buffer.from(png!.content, "base64");
      assert.deepEqual([...pngBytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], "PNG export");
      // 2× the chart's size (IHDR width/height), and kept to be looked at.
      assert.equal(pngBytes.readUInt32BE(16), Math.round(box.width) * 2);
      writeFileSync(shot(`charts-export-${theme}`), pngBytes);
      // Hidden and shown again: the page is re-created, asks again, and comes back on the same view.
      await page.click(".tab:text-is('By domain')");
      await page.evaluate(() => {
        const sel = document.querySelector('vscode-single-select[aria-label="Domain"]') as unknown as HTMLElement & { value: string };
        sel.value = "code";
        sel.dispatchEvent(new Event("change"));
      });
      await page.waitForFunction(() => /PGR — Code/.test(document.querySelector(".chart svg")?.textContent ?? ""));
      await page.reload();
      await page.waitForFunction(() => /PGR — Code/.test(document.querySelector(".chart svg")?.textContent ?? ""));
      assert.equal(readies, 2);
      assert.equal(await page.locator('.tab[aria-selected="true"]').innerText(), "By domain");
      // With no scores yet the view charts the paper's Table 2 (six generators); no costs to plot.
      latest = { type: "data", data: chartDataFromScores([]), title: "paper" };
      await post(latest);
      await page.click(".tab:text-is('PGR vs. cost')");
      await page.waitForFunction(() => /No cost data yet/.test(document.querySelector(".chart svg")?.textContent ?? ""));
      await page.click(".tab:text-is('Heatmap')");
      await page.waitForFunction(() => /gpt-4o-2024-08-06/.test(document.querySelector(".chart svg")?.textContent ?? ""));
      await page.screenshot({ path: shot(`charts-paper-heatmap-${theme}`) });
      assert.equal(await pwned(page), undefined);
      assert.deepEqual(await cspViolations(page), [], "the page runs under its CSP without a violation");
      assert.deepEqual(stray, [], "nothing loaded but the page and its bundles");
      assert.deepEqual(dialogs, []);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }
});
