// Compiles the in-extension-host suites (test/e2e/host/*.ts) to dist/test/e2e-host/*.js — the files VS Code
// loads through `extensionTestsPath`. vscode is provided by the host; mocha resolves from node_modules.
import { buildSync } from "esbuild";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const hostTestsOut = join(root, "dist", "test", "e2e-host");

export function buildHostTests() {
  const src = join(root, "test", "e2e", "host");
  const entries = readdirSync(src).filter((f) => f.endsWith(".ts")).map((f) => join(src, f));
  buildSync({
    entryPoints: entries,
    outdir: hostTestsOut,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    sourcemap: "inline",
    external: ["vscode", "mocha"],
    logLevel: "warning",
    absWorkingDir: root,
  });
  return join(hostTestsOut, "index.js");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) console.log(buildHostTests());
