// `npm test`: everything, in the order a failure is cheapest to read. Static checks first (build, types,
// lint, schema drift), then test services, then one mocha run over unit, integration and e2e suites whose
// reporter prints the closing "tests: N passed, N failed, N skipped" line.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const npx = (args) => ["npx", ["--no-install", ...args]];
const started = Date.now();

function step(title, [cmd, args], { optional = false } = {}) {
  const t0 = Date.now();
  process.stdout.write(`\n▶ ${title}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: process.env });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    if (optional) {
      process.stdout.write(`  (${title} failed after ${secs} s; continuing)\n`);
      return false;
    }
    process.stderr.write(`\n✖ ${title} failed (exit ${r.status ?? r.signal}) after ${secs} s\n`);
    process.exit(r.status || 1);
  }
  process.stdout.write(`  ✓ ${title} (${secs} s)\n`);
  return true;
}

step("system packages (apt, only when missing)", ["bash", ["scripts/ensure-system-deps.sh"]]);
step("build (esbuild: extension, server, cli, webviews)", ["node", ["scripts/build.mjs"]]);
step("type-check (tsc --noEmit)", npx(["tsc", "--noEmit", "-p", "."]));
step("lint (eslint)", npx(["eslint", "."]));
step("schema drift (schemas/*.json vs the zod model)", npx(["tsx", "scripts/generate-schema.ts", "--check"]));
if (existsSync(join(root, "scripts/e2e/vscode-setup.mjs"))) {
  step("real VS Code build for e2e (cached outside the repo)", ["node", ["scripts/e2e/vscode-setup.mjs"]]);
}
if (existsSync(join(root, "scripts/services/test-services.sh"))) {
  step("test services (sshd, Slurm on 127.0.0.1)", ["bash", ["scripts/services/test-services.sh", "up"]]);
}
process.stdout.write(`\n▶ mocha: unit, integration and e2e suites (static checks took ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
const mocha = spawnSync("npx", ["--no-install", "mocha", "--config", ".mocharc.json", ...process.argv.slice(2)], { cwd: root, stdio: "inherit", env: process.env });
if (existsSync(join(root, "scripts/services/test-services.sh"))) {
  // Silent, so the reporter's summary stays the last line of the run.
  spawnSync("bash", ["scripts/services/test-services.sh", "down"], { cwd: root, stdio: "ignore" });
}
process.exit(mocha.status ?? 1);
