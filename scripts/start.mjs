// `npm start`: build, then open examples/ in VS Code with the extension loaded — the desktop `code` when it
// is on PATH (as an extension development host), otherwise the same VS Code build the e2e tests use
// (code-server, cached outside the repo) on http://127.0.0.1:$AGORA_PORT (default 8080).
// `--smoke` starts it, checks in headless Chromium that the workbench loads with the extension, saves
// test-results/screenshots/start.png and exits (CI proves the command works this way).
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureVsCode } from "./e2e/vscode-setup.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const examples = join(root, "examples");
const smoke = process.argv.includes("--smoke");

const build = spawnSync(process.execPath, [join(root, "scripts", "build.mjs")], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

const hasCode = !smoke && spawnSync("sh", ["-c", "command -v code"], { stdio: "ignore" }).status === 0;
if (hasCode) {
  console.log("opening examples/ in VS Code with the extension under development …");
  const r = spawnSync("code", [`--extensionDevelopmentPath=${root}`, examples], { stdio: "inherit" });
  process.exit(r.status ?? 0);
}

const portFree = (port) =>
  new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
const anyPort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const paths = await ensureVsCode({ quiet: true });
const wanted = Number(process.env.AGORA_PORT ?? 8080);
// 0 (or a busy port) means: any free port.
const port = wanted > 0 && (await portFree(wanted)) ? wanted : await anyPort();
const state = mkdtempSync(join(tmpdir(), "agora-start-"));
mkdirSync(join(state, "user", "User"), { recursive: true });
writeFileSync(join(state, "config.yaml"), "auth: none\ncert: false\n");
writeFileSync(
  join(state, "user", "User", "settings.json"),
  JSON.stringify({ "workbench.startupEditor": "none", "telemetry.telemetryLevel": "off", "update.mode": "none", "chat.disableAIFeatures": true, "workbench.secondarySideBar.defaultVisibility": "hidden" }, null, 2),
);
// The extension folder is a link to this repository, so a rebuild (npm run watch) plus
// "Developer: Reload Window" picks up changes. (code-server honours development payloads only with the
// smoke-test driver, which the e2e host suites use.)
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
mkdirSync(join(state, "ext"), { recursive: true });
symlinkSync(root, join(state, "ext", `${pkg.publisher}.${pkg.name}-${pkg.version}`), "dir");
const server = spawn(
  paths.node24,
  [paths.codeServer, "--config", join(state, "config.yaml"), "--auth", "none", "--bind-addr", `127.0.0.1:${port}`, "--disable-telemetry", "--disable-update-check", "--disable-getting-started-override", "--user-data-dir", join(state, "user"), "--extensions-dir", join(state, "ext")],
  { detached: true, stdio: smoke ? "ignore" : ["ignore", "inherit", "inherit"], env: { ...process.env, PATH: `${dirname(paths.node24)}:${process.env.PATH}` } },
);
const stop = () => {
  try {
    process.kill(-server.pid, "SIGTERM");
  } catch {
    /* gone */
  }
  rmSync(state, { recursive: true, force: true });
};
process.on("SIGINT", () => (stop(), process.exit(130)));
process.on("SIGTERM", () => (stop(), process.exit(143)));

const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(examples)}`;
for (let i = 0; i < 240; i++) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
  } catch {
    /* starting */
  }
  await new Promise((r) => setTimeout(r, 250));
}

if (!smoke) {
  console.log(`\nAgoraBench Studio is running in VS Code at:\n\n  ${url}\n\nOpen it in a browser. Ctrl-C stops the server.`);
} else {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: process.env.AGORA_CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  let code = 0;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.goto(url);
    await page.waitForSelector(".monaco-workbench", { timeout: 90_000 });
    // The AgoraBench activity-bar entry appears once the extension's contributions are loaded.
    await page.locator('.activitybar .action-item a[aria-label^="AgoraBench"], .activitybar .action-item[aria-label^="AgoraBench"]').first().waitFor({ timeout: 60_000 });
    await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "experiments" }).first().waitFor({ timeout: 30_000 });
    mkdirSync(join(root, "test-results", "screenshots"), { recursive: true });
    await page.screenshot({ path: join(root, "test-results", "screenshots", "start.png") });
    console.log(`npm start works: VS Code served ${url.split("?")[0]} with examples/ and AgoraBench Studio loaded`);
  } catch (e) {
    console.error(`npm start smoke check failed: ${e}`);
    code = 1;
  } finally {
    await browser.close();
    stop();
  }
  process.exit(code);
}
