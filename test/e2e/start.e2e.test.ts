/** The README's main command works: `npm start` builds and serves examples/ in VS Code with the extension. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../support/build";

describe("npm start", function () {
  this.timeout(300_000);
  it("builds, then opens examples/ in VS Code with AgoraBench Studio loaded", () => {
    const r = spawnSync(process.execPath, [join(repoRoot, "scripts", "start.mjs"), "--smoke"], { cwd: repoRoot, encoding: "utf8", timeout: 280_000, env: { ...process.env, AGORA_PORT: "0" } });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /npm start works: VS Code served http:\/\/127\.0\.0\.1:\d+\/ with examples\/ and AgoraBench Studio loaded/);
  });
});
