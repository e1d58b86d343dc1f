/**
 * Runs the in-extension-host mocha suites (test/e2e/host) inside a real VS Code: code-server started with
 * the smoke-test driver, opened with an extensionDevelopmentPath (this repository) + extensionTestsPath
 * payload, exactly what @vscode/test-electron does with a desktop build. The suite's exit code arrives
 * through window.codeAutomationExit.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { format } from "node:util";
import { join } from "node:path";
import { repoRoot } from "../support/build";
import { findCodeServer, Workbench } from "./support/workbench";

describe("real VS Code: in-extension-host suites", function () {
  this.timeout(300_000);
  const install = findCodeServer();
  let wb: Workbench | undefined;

  before(function () {
    if (!install) throw new Error("No VS Code build: run `node scripts/e2e/vscode-setup.mjs` (npm test does).");
    execFileSync(process.execPath, [join(repoRoot, "scripts", "build.mjs")], { cwd: repoRoot, stdio: "ignore" });
  });
  after(async () => wb?.stop());

  it("passes the extension-host mocha suites with examples/ open", async () => {
    const { buildHostTests } = await import("../../scripts/e2e/build-host-tests.mjs");
    const testsIndex = buildHostTests();
    wb = new Workbench(install!);
    const log: string[] = [];
    let resolveExit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((r) => (resolveExit = r));
    const workspace = join(repoRoot, "examples");
    // The port is only known once the server runs, so the payload is built in beforeLoad.
    await wb.start({
      workspace,
      installExtension: false,
      extraArgs: ["--vscode-option", "enable-smoke-test-driver"],
      noWait: true,
      beforeLoad: async (page) => {
        // The workbench forwards console calls as (level, [format, ...values]); mocha's reporter uses format strings.
        await page.exposeFunction("codeAutomationLog", (level: unknown, args: unknown) => {
          const parts = Array.isArray(args) ? args : [args];
          log.push(`${String(level)} ${format(...(parts as [unknown, ...unknown[]]))}`);
        });
        await page.exposeFunction("codeAutomationExit", (code: number) => resolveExit(Number(code)));
      },
      get query() {
        const remote = (p: string) => `vscode-remote://127.0.0.1:${wb!.port}${p}`;
        const payload = JSON.stringify([
          ["extensionDevelopmentPath", remote(repoRoot)],
          ["extensionTestsPath", remote(testsIndex)],
        ]);
        return `?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`;
      },
    });
    const code = await Promise.race([exited, new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`no exit from the extension host; log:\n${log.join("\n")}`)), 240_000))]);
    const text = log.join("\n");
    // Only mocha's lines: the rest is the offline workbench's harmless gallery/telemetry noise.
    console.log(log.filter((l) => /✔|passing|failing|^\w+ +\d+\) /.test(l)).map((l) => `      [host] ${l.replace(/^\w+ /, "")}`).join("\n"));
    assert.equal(code, 0, `extension-host suites failed:\n${text}`);
    // Every suite in test/e2e/host ran (a count, not a fixed number, so adding a host test needs no edit here).
    const passing = Number(/(\d+) passing/.exec(text)?.[1] ?? 0);
    assert.ok(passing >= 7, `only ${passing} extension-host tests passed:\n${text}`);
    assert.doesNotMatch(text, /\d+ failing/);
  });
});
