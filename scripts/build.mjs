// Bundles the extension, the language server, the CLI and the webviews with esbuild, each on its own.
// `--production` minifies (for the .vsix); `--watch` rebuilds on change.
import * as esbuild from "esbuild";
import { mkdirSync, existsSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");

const node = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: production ? false : "linked",
  minify: production,
  logLevel: "warning",
  // ssh2's optional native add-ons: the pure-JS fallbacks are used instead.
  // resvg-js (PNG for `agora report`) loads a prebuilt native binary at run time: resolved, not bundled.
  external: ["cpu-features", "@resvg/resvg-js"],
  // Meta-prompt templates (src/generation/prompts/templates/*.prompt.md) are inlined as text.
  loader: { ".node": "empty", ".md": "text" },
  // jsonc-parser and vscode-json-languageservice ship UMD "main" builds whose dynamic requires esbuild
  // cannot follow; their ESM "module" builds bundle cleanly.
  mainFields: ["module", "main"],
  absWorkingDir: root,
};

const builds = [
  { ...node, entryPoints: ["src/extension/extension.ts"], outfile: "dist/extension.js", external: [...node.external, "vscode"] },
  { ...node, entryPoints: ["src/server/main.ts"], outfile: "dist/server.js", banner: { js: "#!/usr/bin/env node" } },
  { ...node, entryPoints: ["src/cli/main.ts"], outfile: "dist/cli.js", banner: { js: "#!/usr/bin/env node" } },
];

// Every folder under src/webviews with a main.ts is a browser bundle written to media/webviews/<name>.js.
const webviewRoot = join(root, "src/webviews");
if (existsSync(webviewRoot)) {
  for (const name of readdirSync(webviewRoot)) {
    const entry = join("src/webviews", name, "main.ts");
    if (!existsSync(join(root, entry))) continue;
    builds.push({
      bundle: true,
      platform: "browser",
      target: "es2022",
      format: "iife",
      entryPoints: [entry],
      outfile: `media/webviews/${name}.js`,
      sourcemap: production ? false : "linked",
      minify: production,
      logLevel: "warning",
      loader: { ".ttf": "file", ".woff2": "file", ".css": "css" },
      absWorkingDir: root,
    });
  }
}

mkdirSync(join(root, "dist"), { recursive: true });
const present = builds.filter((b) => existsSync(join(root, b.entryPoints[0])));
if (watch) {
  for (const b of present) await (await esbuild.context(b)).watch();
  console.log(`watching ${present.length} bundles`);
} else {
  const t0 = Date.now();
  await Promise.all(present.map((b) => esbuild.build(b)));
  console.log(`built ${present.map((b) => b.outfile).join(", ")} in ${Date.now() - t0} ms`);
}
