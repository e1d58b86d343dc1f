import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../support/build";

/** Entry names of a zip file, read from its central directory (no unzip binary needed). */
function zipEntries(file: string): string[] {
  const buf = readFileSync(file);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, "not a zip file");
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.toString("utf8", p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

describe("packaging (.vsix)", function () {
  this.timeout(240_000);
  const out = mkdtempSync(join(tmpdir(), "agora-vsix-"));
  after(() => {
    rmSync(out, { recursive: true, force: true });
    // Leave development bundles (with source maps) behind for the suites that follow.
    execFileSync(process.execPath, [join(repoRoot, "scripts", "build.mjs")], { cwd: repoRoot, stdio: "ignore" });
  });

  it("contains only what runs, and stays small", () => {
    const vsix = join(out, "agorabench-studio.vsix");
    execFileSync(process.execPath, [join(repoRoot, "scripts", "build.mjs"), "--production"], { cwd: repoRoot, stdio: "ignore" });
    // The same flags as `npm run package` (the repository is not on a forge vsce knows, so links need a base).
    const script = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.package!;
    const flags = script.slice(script.indexOf("vsce package") + "vsce package".length).replace(/--out \S+/, "").trim().split(/\s+/);
    execFileSync(join(repoRoot, "node_modules", ".bin", "vsce"), ["package", ...flags, "--out", vsix], { cwd: repoRoot, stdio: "pipe", input: "" });
    const entries = zipEntries(vsix).filter((e) => e.startsWith("extension/")).map((e) => e.slice("extension/".length));
    for (const required of ["examples/experiments/math.instance_generation.agora.json", "examples/agora.hosts.json", "package.json", "readme.md", "changelog.md", "dist/extension.js", "dist/cli.js", "schemas/agora-spec.schema.json", "syntaxes/agora-spec.tmLanguage.json", "media/icon.png"]) {
      assert.ok(entries.some((e) => e.toLowerCase() === required.toLowerCase()), `${required} missing from the .vsix: ${entries.join(", ")}`);
    }
    const forbidden = entries.filter((e) => /^(src|test|bench|scripts|node_modules|\.ci|docs)\//.test(e) || /\.(map|ts)$/.test(e) || /(^|\/)runs\//.test(e) || e.startsWith("test-results"));
    assert.deepEqual(forbidden, []);
    const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { main: string; bin: Record<string, string> };
    for (const bundle of [manifest.main, ...Object.values(manifest.bin)]) {
      if (statSync(join(repoRoot, bundle), { throwIfNoEntry: false })) assert.ok(entries.includes(bundle.replace(/^\.\//, "")), `${bundle} not packaged`);
    }
    const size = statSync(vsix).size;
    console.log(`      .vsix: ${entries.length} files, ${(size / 1024).toFixed(0)} KiB`);
    assert.ok(size < 8 * 1024 * 1024, `.vsix is ${size} bytes`);
  });
});
