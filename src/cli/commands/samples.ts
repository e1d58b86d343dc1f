import { parseArgs } from "node:util";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { SampleFile } from "../../core/samples/sample-file";
import { EMPTY_QUERY, STATUS_FILTERS } from "../../core/webview-protocol/samples";
import { SampleQuerySchema } from "../../core/webview-protocol/validate";
import { type CliCommand, UsageError } from "../command";

export const samplesCommand: CliCommand = {
  name: "samples",
  summary: "Page, search and filter a generated data file (JSONL of any size)",
  usage: `agora samples <file.jsonl> [--page N] [--page-size N] [--search TEXT] [--status valid,invalid,...]
                            [--generator ID] [--setting ID] [--judge-min X] [--sort line|judge|cost|latency|length]
                            [--desc] [--json] [--export out.jsonl]

Uses the same line-offset index as the samples browser (cached in ~/.cache/agorabench/samples-index):
the file is never read into memory. Prints one row per item (line, status, generator, preview), or JSON
lines with --json; --export writes the whole filtered view to a JSONL file.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        page: { type: "string", default: "1" },
        "page-size": { type: "string", default: "20" },
        search: { type: "string" },
        status: { type: "string" },
        generator: { type: "string" },
        setting: { type: "string" },
        "judge-min": { type: "string" },
        sort: { type: "string", default: "line" },
        desc: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        export: { type: "string" },
        "no-cache": { type: "boolean", default: false },
      },
    });
    if (positionals.length !== 1) throw new UsageError("Name one JSONL file.");
    const statuses = values.status ? values.status.split(",").map((x) => x.trim()) : [];
    for (const st of statuses) if (!(STATUS_FILTERS as readonly string[]).includes(st)) throw new UsageError(`Unknown status "${st}" (${STATUS_FILTERS.join(", ")}).`);
    const parsed = SampleQuerySchema.safeParse({
      ...EMPTY_QUERY,
      text: values.search ?? "",
      statuses,
      generators: values.generator ? [values.generator] : [],
      settings: values.setting ? [values.setting] : [],
      judgeMin: values["judge-min"] !== undefined ? Number(values["judge-min"]) : undefined,
      sort: values.sort,
      descending: values.desc,
    });
    if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
    const page = Number(values.page);
    const size = Number(values["page-size"]);
    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(size) || size < 1 || size > 10_000) throw new UsageError("--page and --page-size must be positive integers (page size ≤ 10000).");
    const file = resolve(io.cwd, positionals[0]!);
    let sf: SampleFile;
    try {
      sf = await SampleFile.open(file, { cacheDir: values["no-cache"] ? undefined : join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "agorabench", "samples-index") });
    } catch (e) {
      io.err(`error: cannot open ${positionals[0]}: ${(e as Error).message}`);
      return 1;
    }
    const { lines } = await sf.query(parsed.data);
    if (values.export) {
      const n = await sf.exportLines(lines, resolve(io.cwd, values.export));
      io.out(`exported ${n} of ${sf.count} items to ${values.export}`);
      return 0;
    }
    const from = (page - 1) * size;
    const rows = await sf.rows(lines.subarray(from, from + size));
    if (values.json) {
      for (const r of rows) io.out(JSON.stringify(r));
    } else {
      io.out(`${lines.length} of ${sf.count} items · page ${page} of ${Math.max(1, Math.ceil(lines.length / size))}`);
      for (const r of rows) {
        const extra = [r.judge !== undefined ? `★${r.judge}` : "", r.costUsd !== undefined ? `$${r.costUsd.toFixed(5)}` : ""].filter(Boolean).join(" ");
        io.out(`${String(r.line + 1).padStart(7)}  ${r.status.padEnd(10)} ${r.generator.slice(0, 28).padEnd(28)} ${extra.padEnd(16)} ${r.preview.slice(0, 90)}`);
      }
    }
    return 0;
  },
};
