import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatPgrDetail, formatPgrTable, formatReferenceTable, type PgrFormat } from "../../core/pgr-format";
import { computePgr, referenceTable, ScoresFile } from "../../core/pgr";
import { loadJsoncWith } from "../../core/spec/load";
import { type CliCommand, UsageError } from "../command";

export const pgrCommand: CliCommand = {
  name: "pgr",
  summary: "Compute PGR from a scores file, or print the paper's Table 2",
  usage: `agora pgr <scores.json> [--format table|json|csv] [--detail]
agora pgr --reference [--format table|json|csv]

PGR = (student − base) / (reference − base) × 100 per benchmark; a domain is the mean of its two
benchmarks, a method's average the mean of the three domains, and a generator's overall score the mean
of its three method averages. Exits 1 when a score is missing or a reference equals its base.
  --detail      also print base / reference / student / PGR per benchmark (table format)
  --reference   the paper's Table 2, with averages recomputed from its domain cells`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: "string", default: "table" },
        reference: { type: "boolean", default: false },
        detail: { type: "boolean", default: false },
      },
    });
    const format = values.format as PgrFormat;
    if (!["table", "json", "csv"].includes(format)) throw new UsageError(`Unknown format "${values.format}".`);
    if (values.reference) {
      const ref = referenceTable();
      io.out(formatReferenceTable(ref, format));
      const off = ref.rows.filter((r) => Math.abs(Math.round(r.recomputedAverage * 10) / 10 - r.printedAverage) > 0.1 + 1e-9);
      for (const r of off) io.err(`warning: ${r.generator} / ${r.method}: printed average ${r.printedAverage} differs from recomputed ${r.recomputedAverage.toFixed(2)}`);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError("Name one scores file (or use --reference).");
    const path = resolve(io.cwd, positionals[0]!);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch {
      io.err(`error: cannot read ${positionals[0]}`);
      return 1;
    }
    const loaded = loadJsoncWith(ScoresFile, text);
    if (!loaded.value) {
      for (const d of loaded.diagnostics) io.err(`${positionals[0]}:${d.range.start.line + 1}:${d.range.start.character + 1}: error ${d.code}: ${d.message}`);
      return 1;
    }
    const table = computePgr(loaded.value);
    io.out(formatPgrTable(table, format));
    if (values.detail && format === "table") io.out(`\n${formatPgrDetail(table)}`);
    if (format !== "table") for (const p of table.problems) io.err(`error: ${p.message}`);
    return table.problems.length ? 1 : 0;
  },
};
