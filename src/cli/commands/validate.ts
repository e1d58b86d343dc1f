import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { nodeSpecFs } from "../../core/io/node-spec-fs";
import type { SpecDiagnostic } from "../../core/spec/load";
import { validateHostsText, validateSpecText } from "../../core/spec/validate";
import { type CliCommand, UsageError } from "../command";

const isHostsFile = (p: string): boolean => /(^|[\\/])([^\\/]*\.)?hosts\.json$/.test(p) && !p.endsWith(".agora.json");

/** Expands folders into the `*.agora.json` and hosts files below them (skipping node_modules and runs). */
async function expand(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const p = join(dir, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.name.endsWith(".agora.json") || entry.name === "agora.hosts.json") out.push(p);
    }
  };
  for (const p of paths) {
    const s = await stat(p).catch(() => undefined);
    if (s?.isDirectory()) await walk(p);
    else out.push(p);
  }
  return out;
}

export const validateCommand: CliCommand = {
  name: "validate",
  summary: "Check experiment specs (and hosts files) against the schema and the semantic rules",
  usage: `agora validate <spec|folder…> [--format text|json] [--no-files]

Checks each *.agora.json (folders are searched recursively; agora.hosts.json files too) and prints
every problem as file:line:col: severity code: message. Exits 1 when any error is found.
  --format json   machine-readable output
  --no-files      skip the checks that read seed files and the hosts file`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { format: { type: "string", default: "text" }, "no-files": { type: "boolean", default: false } },
    });
    if (positionals.length === 0) throw new UsageError("Name at least one spec file or folder.");
    if (values.format !== "text" && values.format !== "json") throw new UsageError(`Unknown format "${values.format}".`);
    const files = await expand(positionals.map((p) => resolve(io.cwd, p)));
    if (files.length === 0) throw new UsageError("No *.agora.json files found.");
    let invalid = 0;
    const report: { file: string; ok: boolean; diagnostics: SpecDiagnostic[] }[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (e) {
        const msg = (e as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (e as Error).message;
        report.push({ file, ok: false, diagnostics: [{ code: "io.read", message: msg, severity: "error", path: [], range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }] });
        invalid++;
        continue;
      }
      const result = isHostsFile(file)
        ? validateHostsText(text)
        : await validateSpecText(text, values["no-files"] ? {} : { fs: nodeSpecFs, specPath: file });
      if (!result.ok) invalid++;
      report.push({ file, ok: result.ok, diagnostics: result.diagnostics });
    }
    if (values.format === "json") {
      io.out(JSON.stringify({ valid: files.length - invalid, invalid, files: report }, null, 2));
    } else {
      for (const r of report) {
        const name = relative(io.cwd, r.file) || r.file;
        for (const d of r.diagnostics) {
          io.out(`${name}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity} ${d.code}: ${d.message}`);
        }
      }
      const n = files.length;
      io.err(`${n - invalid} of ${n} file${n === 1 ? "" : "s"} valid${invalid ? `, ${invalid} with errors` : ""}`);
    }
    return invalid ? 1 : 0;
  },
};
