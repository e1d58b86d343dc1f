/**
 * The workbench in a real VS Code (code-server 4.139.1 in headless Chromium), driven through the UI:
 * the three views populated from run folders, "Run Setting" through its quick picks against the local LLM
 * test server, a window reload mid-run that reattaches, an API key that never reaches the disk, and an
 * untrusted folder where nothing runs. Screenshots go to test-results/screenshots/.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBuilt, repoRoot } from "../support/build";
import { fingerprint } from "../../src/hosts/known-hosts";
import { type LlmTestServer, startLlmTestServer } from "../support/llm-test-server";
import { ensureServices, type TestServices } from "../support/services";
import { buildProductionExtension, findCodeServer, Workbench } from "./support/workbench";
import { type E2eWorkspace, makeWorkspace } from "./support/workbench-workspace";

const API_KEY = `sk-e2e-${Date.now().toString(36)}-DO-NOT-PERSIST`;

/** Every file under `dir` whose bytes contain `needle` (skips unreadable files and huge ones). */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string): void => {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && st.size < 50_000_000) {
        try {
          if (readFileSync(p).includes(needle)) hits.push(p);
        } catch {
          // unreadable: skip
        }
      }
    }
  };
  walk(dir);
  return hits;
}

describe("workbench in real VS Code (code-server)", function () {
  this.timeout(240_000);
  const install = findCodeServer();
  let llm: LlmTestServer;
  let ws: E2eWorkspace;
  let wb: Workbench;
  let extensionBundle: string;
  const scratch = mkdtempSync(join(tmpdir(), "agora-wb-cli-"));
  let services: TestServices | undefined;

  before(async function () {
    // npm test installs the VS Code build first; a missing one is a failure, not a reason to skip.
    if (!install) throw new Error("No VS Code build: run `node scripts/e2e/vscode-setup.mjs` (npm test does).");
    ensureBuilt();
    execFileSync(process.execPath, [join(repoRoot, "scripts", "build.mjs")], { cwd: repoRoot, stdio: "ignore" });
    extensionBundle = buildProductionExtension(scratch);
    // Requests need the key: a run that succeeds proves the key reached the engine through its environment.
    llm = await startLlmTestServer({ apiKey: API_KEY, latency: { medianMs: 900, sigma: 0.2 } });
    // The test sshd (root only: CI runs as root), with a known_hosts file that does not know it yet.
    services = ensureServices();
    const lab = services && { name: "lab", kind: "ssh", host: "127.0.0.1", port: services.sshPort, user: services.sshUser, identityFile: services.sshKey, knownHostsFile: join(scratch, "lab_known_hosts") };
    ws = await makeWorkspace(llm.openaiBaseUrl, { instances: 36, sshHost: lab });
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed" && wb?.page) await wb.screenshot(`failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, "-")}`).catch(() => undefined);
  });

  after(async () => {
    await wb?.stop();
    // Stop any engine this suite started (their pids are in the run folders' events).
    for (const d of ws ? readdirSync(ws.runsDir) : []) {
      const ev = join(ws.runsDir, d, "events.jsonl");
      if (!existsSync(ev)) continue;
      for (const m of readFileSync(ev, "utf8").matchAll(/"pid":(\d+)/g)) {
        try {
          process.kill(Number(m[1]), "SIGKILL");
        } catch {
          // gone
        }
      }
    }
    await llm?.close();
    rmSync(scratch, { recursive: true, force: true });
    if (ws) rmSync(ws.root, { recursive: true, force: true });
  });

  it("shows the three views populated from specs, hosts and run folders", async () => {
    wb = new Workbench(install!);
    await wb.start({ workspace: ws.root, extensionBundle });
    await wb.openAgoraBench();
    await wb.waitForRow("Experiments", /E2E local test server/);
    await wb.waitForRow("Experiments", /math\.response_generation.*finished/);
    await wb.waitForRow("Hosts", /gpu-box.*ssh/);
    await wb.waitForRow("Hosts", /cluster.*slurm/);
    await wb.waitForRow("Runs", /math\.response_generation · alpha.*finished · 12\/12/);
    // Expand the setting with a finished run: the generator row shows status, cost and PGR.
    await wb.page!.locator(".monaco-list-row", { hasText: "math.response_generation" }).first().click();
    const alpha = await wb.waitForRow("Experiments", /alpha.*PGR/);
    // PGR: gsm8k (62-50)/(80-50)=40 %, math (26-20)/(40-20)=30 % → domain mean 35 %.
    assert.match(alpha, /PGR 35\.0%/);
    await wb.screenshot("workbench-views");
    await wb.screenshotPane("Experiments", "view-experiments");
    await wb.screenshotPane("Hosts", "view-hosts");
    await wb.screenshotPane("Runs", "view-runs");
  });

  it("reports its activation time in Developer: Show Running Extensions", async () => {
    await wb.runCommand("Developer: Show Running Extensions");
    const list = wb.page!.locator(".runtime-extensions-editor .monaco-list").first();
    await list.waitFor({ state: "visible", timeout: 20_000 });
    // The list is sorted by activation time and virtualised: scroll until our (fast) row is rendered.
    const row = wb.page!.locator(".runtime-extensions-editor .monaco-list-row", { hasText: "AgoraBench" }).first();
    const box = await list.boundingBox();
    for (let i = 0; i < 40 && !(await row.isVisible()); i++) {
      await wb.page!.mouse.move(box!.x + box!.width / 2, box!.y + box!.height / 2);
      await wb.page!.mouse.wheel(0, 300);
      await wb.page!.waitForTimeout(100);
    }
    await row.waitFor({ state: "visible", timeout: 5_000 });
    const text = (await row.innerText()).replace(/\s+/g, " ");
    const ms = /(\d+)\s*ms/.exec(text)?.[1];
    console.log(`      real VS Code activation of AgoraBench: ${ms ?? "?"} ms (${text.slice(0, 120)})`);
    await wb.screenshot("running-extensions");
    assert.ok(ms, "an activation time is shown");
    await wb.runCommand("View: Close All Editors");
  });

  it("runs a setting through the quick picks and watches it finish in the Runs view, reattaching after a reload", async () => {
    await wb.runCommand("AgoraBench: Set API Key");
    await wb.pick("AGORA_E2E_API_KEY");
    await wb.page!.locator(".quick-input-widget input[type=password]").waitFor({ state: "visible", timeout: 10_000 });
    await wb.typeAndEnter(API_KEY);
    await wb.notification(/API key for AGORA_E2E_API_KEY stored/);

    await wb.runCommand("AgoraBench: Run Setting");
    await wb.waitForQuickInput("— spec");
    await wb.pick("E2E local test server");
    await wb.waitForQuickInput("— setting");
    await wb.pick("math.instance_generation");
    await wb.waitForQuickInput("— generators");
    await wb.screenshot("run-setting-generators");
    await wb.page!.keyboard.press("Enter"); // both generators are preselected
    await wb.waitForQuickInput("— stages");
    await wb.screenshot("run-setting-stages");
    await wb.pick("Generate data");
    // budget.confirmAboveUsd is 0: a modal asks before spending.
    const dialog = wb.page!.locator(".monaco-dialog-box");
    await dialog.waitFor({ state: "visible", timeout: 20_000 });
    assert.match(await dialog.innerText(), /Estimated cost ~\$/);
    await wb.screenshot("run-setting-confirm");
    await dialog.locator(".monaco-button", { hasText: "Start Run" }).click();

    const running = await wb.waitForRow("Runs", /math\.instance_generation · alpha, beta.*running/, 60_000);
    assert.match(running, /running/);
    await wb.notification(/AgoraBench: math\.instance_generation/, 20_000);
    await wb.waitForRow("Runs", /generate.*running · \d+\/72/, 30_000);
    await wb.screenshot("runs-live");
    const status = await wb.page!.locator(".statusbar-item", { hasText: /1 run/ }).first().innerText();
    assert.match(status, /1 run · \$/);

    // Reload mid-run: the engine keeps going outside the window, and the new window reattaches.
    await wb.reload();
    await wb.openAgoraBench();
    const reattached = await wb.waitForRow("Runs", /math\.instance_generation · alpha, beta.*(running|finished)/, 60_000);
    assert.ok(reattached);
    const finished = await wb.waitForRow("Runs", /math\.instance_generation · alpha, beta.*finished · 72\/72/, 120_000);
    assert.match(finished, /\$0\.\d+/);
    await wb.screenshot("runs-finished");
    const stats = llm.stats();
    assert.ok(stats.requests >= 72, `the test server saw ${stats.requests} requests`);
    assert.equal(stats.byStatus["401"] ?? 0, 0, "no request went out without the key");
  });

  it("remembers the last choice, cancels from the progress notification, and opens the run's log", async () => {
    await wb.runCommand("AgoraBench: Run Setting");
    await wb.waitForQuickInput("— spec");
    assert.match((await wb.page!.locator(".quick-input-list .monaco-list-row").first().innerText()).replace(/\s+/g, " "), /E2E local test server.*last used/);
    await wb.page!.keyboard.press("Enter");
    await wb.waitForQuickInput("— setting");
    // The remembered setting is the active item.
    await wb.page!.locator(".quick-input-list .monaco-list-row.focused", { hasText: "math.instance_generation" }).waitFor({ state: "visible", timeout: 10_000 });
    await wb.page!.keyboard.press("Enter");
    await wb.waitForQuickInput("— generators");
    await wb.page!.keyboard.press("Enter");
    await wb.waitForQuickInput("— stages");
    await wb.page!.keyboard.press("Enter");
    await wb.page!.locator(".monaco-dialog-box .monaco-button", { hasText: "Start Run" }).click();
    await wb.waitForRow("Runs", /math\.instance_generation · alpha, beta.*running/, 60_000);
    const toast = wb.page!.locator(".notifications-toasts .notification-toast", { hasText: "AgoraBench: math.instance_generation" }).first();
    await toast.waitFor({ state: "visible", timeout: 20_000 });
    await toast.locator(".monaco-button", { hasText: "Cancel" }).click();
    const cancelled = await wb.waitForRow("Runs", /math\.instance_generation · alpha, beta.*cancelled/, 60_000);
    assert.match(cancelled, /cancelled/);
    await wb.page!.locator(".monaco-list-row", { hasText: /alpha, beta.*cancelled/ }).first().click();
    // The run's own LogOutputChannel, rebuilt from events.jsonl (Monaco renders spaces as U+00A0).
    const log = await wb.panelText(/started on local[\s\S]*run cancelled/, 20_000);
    assert.match(log, /stage\s+started/);
    await wb.screenshot("run-cancelled-log");
  });

  it("runs the full pipeline from Run Setting: stages and their jobs in the Runs view, PGR in Experiments", async () => {
    await wb.runCommand("AgoraBench: Run Setting");
    await wb.waitForQuickInput("— spec");
    await wb.page!.keyboard.press("Enter");
    await wb.waitForQuickInput("— setting");
    await wb.pick("math.response_generation");
    await wb.waitForQuickInput("— generators");
    await wb.page!.keyboard.press("Enter");
    await wb.waitForQuickInput("— stages");
    await wb.pick("Full pipeline");
    await wb.waitForQuickInput("— host");
    await wb.screenshot("run-setting-host");
    await wb.pick("local");
    const dialog = wb.page!.locator(".monaco-dialog-box");
    await dialog.waitFor({ state: "visible", timeout: 20_000 });
    assert.match(await dialog.innerText(), /full pipeline on local/);
    await dialog.locator(".monaco-button", { hasText: "Start Run" }).click();
    await wb.waitForRow("Runs", /math\.response_generation · alpha, beta.*running/, 60_000);
    await wb.waitForRow("Runs", /^train\s*(running|finished)/, 120_000);
    await wb.screenshotPane("Runs", "view-runs-pipeline-running");
    await wb.waitForRow("Runs", /math\.response_generation · alpha, beta.*finished · 24\/24/, 180_000).catch((e: Error) => {
      // Say why: the failed tasks' messages from the newest run folder.
      const newest = readdirSync(ws.runsDir).sort().at(-1)!;
      const failed = readFileSync(join(ws.runsDir, newest, "events.jsonl"), "utf8").split("\n").filter((l) => /"ok":false|"type":"error"/.test(l));
      throw new Error(`${e.message}\n${failed.join("\n")}`);
    });
    await wb.waitForRow("Runs", /^train\s*finished · 2\/2/);
    await wb.waitForRow("Runs", /^evaluate\s*finished · 8\/8/);
    // Each job is a row with its host; clicking one opens its log.
    await wb.waitForRow("Runs", /base\/gsm8k.*finished · local/);
    await wb.screenshotPane("Runs", "view-runs-pipeline");
    await wb.page!.locator(".monaco-list-row", { hasText: /math\.response_generation\/alpha\s*finished · local/ }).first().click();
    await wb.page!.locator(".monaco-editor .view-lines", { hasText: /\[trl\]\s100%/ }).first().waitFor({ state: "visible", timeout: 20_000 });
    // Fold the evaluate stage's eight jobs to bring the score stage into the (virtualised) list.
    await wb.pane("Runs").locator(".monaco-list-row", { hasText: /^\s*evaluate\s*finished/ }).first().click();
    await wb.waitForRow("Runs", /^score\s*finished/);
    // The stand-ins score base 30 %, student 45 %, reference 60 % (± the same bump): PGR 50 % for the new run.
    // Expand the setting (the tree may have folded it again) to see its generators' PGR.
    if (!(await wb.viewRows("Experiments")).some((r) => /^\s*alpha/.test(r))) {
      await wb.pane("Experiments").locator(".monaco-list-row", { hasText: /^\s*math\.response_generation/ }).first().click();
    }
    await wb.waitForRow("Experiments", /alpha.*PGR 50\.0%/, 30_000);
    await wb.screenshotPane("Experiments", "view-experiments-pgr");
    // Fold the runs again so the next tests' rows stay in view.
    await wb.pane("Runs").hover();
    await wb.pane("Runs").locator('.action-label[aria-label^="Collapse All"]').click();
    await wb.runCommand("View: Close All Editors");
  });

  it("shows a killed engine as interrupted and resumes it from the Runs view without paying twice", async () => {
    const runsBefore = new Set(readdirSync(ws.runsDir));
    const finishedRow = /math\.instance_generation · alpha, beta.*finished · 72\/72/;
    await wb.runCommand("AgoraBench: Run Setting");
    for (const [step, choice] of [["spec"], ["setting", "math.instance_generation"], ["generators"], ["stages", "Generate data"]]) {
      await wb.waitForQuickInput(`— ${step}`);
      if (choice) await wb.pick(choice);
      else await wb.page!.keyboard.press("Enter");
    }
    await wb.page!.locator(".monaco-dialog-box .monaco-button", { hasText: "Start Run" }).click();
    await wb.waitForRow("Runs", /math\.instance_generation · alpha, beta.*running · [1-9]\d*\/72/, 60_000);
    const runDir = join(ws.runsDir, readdirSync(ws.runsDir).find((d) => !runsBefore.has(d))!);
    const pid = Number(/"pid":(\d+)/.exec(readFileSync(join(runDir, "events.jsonl"), "utf8"))![1]);
    process.kill(pid, "SIGKILL"); // a crash: no event is written
    await wb.waitForRow("Runs", /math\.instance_generation · alpha, beta.*interrupted/, 30_000);
    await wb.screenshot("run-interrupted");
    const row = wb.page!.locator(".monaco-list-row", { hasText: /alpha, beta.*interrupted/ }).first();
    await row.hover();
    await row.locator('.action-label[aria-label="Resume Run"]').click();
    // The resumed run is the newest, so the first row (older runs may be scrolled out of the list).
    const deadline = Date.now() + 120_000;
    while (!finishedRow.test(((await wb.viewRows("Runs"))[0] ?? "").replace(/\s+/g, " "))) {
      if (Date.now() > deadline) throw new Error(`the resumed run did not finish: ${JSON.stringify((await wb.viewRows("Runs")).slice(0, 3))}`);
      await wb.page!.waitForTimeout(300);
    }
    const charged = [...llm.chargesByKey().values()];
    assert.ok(charged.every((n) => n <= 1), "no item was charged twice across the kill and the resume");
  });

  it("tests a host's connection from its inline action", async () => {
    const row = wb.pane("Hosts").locator(".monaco-list-row", { hasText: /^\s*local/ }).first();
    await row.hover();
    await row.locator('.action-label[aria-label="Test Connection"]').click();
    await wb.notification(/local is reachable/, 30_000);
    await wb.waitForRow("Hosts", /local.*this machine/);
  });

  it("tests an SSH host: shows the unknown host key's fingerprint, trusts it on confirmation, lists GPUs", async function () {
    if (!services) this.skip();
    const row = wb.pane("Hosts").locator(".monaco-list-row", { hasText: /^\s*lab/ }).first();
    await row.hover();
    await row.locator('.action-label[aria-label="Test Connection"]').click();
    const dialog = wb.page!.locator(".monaco-dialog-box");
    await dialog.waitFor({ state: "visible", timeout: 30_000 });
    const text = await dialog.innerText();
    assert.match(text, /authenticity of 127\.0\.0\.1:\d+ can't be established/);
    const fp = fingerprint(Buffer.from(readFileSync(services!.hostPub, "utf8").split(" ")[1]!, "base64"));
    assert.ok(text.includes(fp), `the dialog shows the host's real fingerprint ${fp}`);
    await wb.screenshot("host-key-prompt");
    await dialog.locator(".monaco-button", { hasText: "Trust Host Key" }).click();
    await wb.notification(/lab is reachable \(0 GPUs\)/, 30_000);
    await wb.waitForRow("Hosts", /lab.*ssh · connected/);
    await wb.waitForRow("Hosts", /GPUs\s*none/);
    assert.match(readFileSync(join(scratch, "lab_known_hosts"), "utf8"), /^\|1\|\S+ ssh-ed25519 /, "the key was added, hashed");
    await wb.screenshotPane("Hosts", "view-hosts-ssh");
  });

  it("offers the getting-started walkthrough", async () => {
    await wb.runCommand("Welcome: Open Walkthrough...");
    await wb.pick("Get started with AgoraBench Studio");
    const page = wb.page!;
    await page.getByText("Open the examples").first().waitFor({ state: "visible", timeout: 20_000 });
    for (const step of ["Set an API key", "Run a setting", "Inspect the samples", "Read PGR"]) {
      assert.ok(await page.getByText(step).first().isVisible(), `walkthrough step "${step}"`);
    }
    await wb.screenshot("walkthrough");
    await wb.runCommand("View: Close All Editors");
  });

  it("never writes the API key to disk (workspace, run folders, VS Code user data, extension, logs)", () => {
    // wb.root holds the server's user data, extensions and the browser profile (persistent context).
    const places = [ws.root, wb.root];
    const hits = places.flatMap((p) => filesContaining(p, API_KEY));
    // Positive control: the key's *name* was stored (global state), so the search looked where state lives.
    assert.ok(places.flatMap((p) => filesContaining(p, "AGORA_E2E_API_KEY")).length > 0, "the search found the stored key name");
    assert.deepEqual(hits, [], `the key was found in: ${hits.join(", ")}`);
    const settings = readFileSync(join(wb.userDataDir, "User", "settings.json"), "utf8");
    assert.ok(!settings.includes("sk-e2e"), "settings.json holds no key");
    assert.ok(!wb.serverLog.includes(API_KEY), "the server log holds no key");
  });

  it("runs nothing in an untrusted folder, and says so", async () => {
    await wb.stop();
    const before = llm.stats().requests;
    const runsBefore = readdirSync(ws.runsDir).length;
    wb = new Workbench(install!);
    await wb.start({ workspace: ws.root, extensionBundle, trusted: false });
    await wb.openAgoraBench();
    // The views still show what is on disk; running is not offered anywhere.
    await wb.waitForRow("Experiments", /E2E local test server/);
    assert.match(await wb.viewText("Runs"), /runs nothing from an untrusted workspace/);
    assert.equal(await wb.paletteHas("AgoraBench: Run Setting"), false, "Run Setting is not in the palette");
    assert.equal(await wb.paletteHas("AgoraBench: Test Connection"), false, "Test Connection is not in the palette");
    await wb.page!.locator(".monaco-list-row", { hasText: "math.instance_generation" }).first().hover();
    const inlineRun = await wb.page!.locator('.monaco-list-row .action-label[aria-label="Run"]').count();
    assert.equal(inlineRun, 0, "no inline Run action");
    await wb.screenshot("untrusted");
    await wb.page!.waitForTimeout(1500);
    assert.equal(llm.stats().requests, before, "no request reached the model server");
    assert.equal(readdirSync(ws.runsDir).length, runsBefore, "no run folder was created");
  });
});
