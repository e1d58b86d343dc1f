/** Makes sure the bundles exist before integration tests spawn them (npm test builds first; a lone run may not). */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const repoRoot = join(__dirname, "..", "..");
export const cliPath = join(repoRoot, "dist", "cli.js");

export function ensureBuilt(): void {
  if (!existsSync(cliPath)) execFileSync(process.execPath, [join(repoRoot, "scripts", "build.mjs")], { cwd: repoRoot, stdio: "inherit" });
}
