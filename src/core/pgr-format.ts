/**
 * Renders PGR results as an aligned text table, JSON or CSV. Pure functions over the structures in pgr.ts,
 * shared by `agora pgr`, the extension's output and reports.
 */
import type { PgrTable, ReferenceTable } from "./pgr";
import { DOMAIN_INFO, DOMAINS, METHOD_INFO, METHODS } from "./settings";

export type PgrFormat = "table" | "json" | "csv";

const fmt = (x: number | null | undefined): string => (x === null || x === undefined ? "—" : x.toFixed(1));

function alignRows(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? "")].length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd())
    .join("\n");
}

function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const DOMAIN_HEADERS = DOMAINS.map((d) => DOMAIN_INFO[d].label);

/** One row per generator × method with domain cells and the method average, plus an overall column. */
export function formatPgrTable(table: PgrTable, format: PgrFormat): string {
  if (format === "json") {
    return JSON.stringify(table, null, 2);
  }
  if (format === "csv") {
    const lines = [["generator", "method", "domain", "benchmark", "base", "reference", "student", "pgr"].join(",")];
    for (const g of table.generators) {
      for (const m of METHODS) {
        const mp = g.methods[m];
        if (!mp) continue;
        for (const d of DOMAINS) {
          const dp = mp.domains[d];
          if (!dp) continue;
          for (const b of dp.benchmarks) {
            lines.push([g.generator, m, d, b.benchmark, b.base, b.reference, b.student, b.pgr.toFixed(4)].map(csvCell).join(","));
          }
          lines.push([g.generator, m, d, "", "", "", "", dp.pgr.toFixed(4)].map(csvCell).join(","));
        }
        lines.push([g.generator, m, "average", "", "", "", "", mp.average === null ? "" : mp.average.toFixed(4)].map(csvCell).join(","));
      }
      lines.push([g.generator, "overall", "", "", "", "", "", g.overall === null ? "" : g.overall.toFixed(4)].map(csvCell).join(","));
    }
    return lines.join("\n");
  }
  const rows: string[][] = [["Generator", "Method", ...DOMAIN_HEADERS, "Avg", "Overall"]];
  for (const g of table.generators) {
    let first = true;
    for (const m of METHODS) {
      const mp = g.methods[m];
      if (!mp) continue;
      rows.push([
        first ? g.generator : "",
        METHOD_INFO[m].label,
        ...DOMAINS.map((d) => fmt(mp.domains[d]?.pgr)),
        fmt(mp.average),
        first ? fmt(g.overall) : "",
      ]);
      first = false;
    }
  }
  const out = [alignRows(rows)];
  if (table.problems.length) out.push("", ...table.problems.map((p) => `error: ${p.message}`));
  return out.join("\n");
}

/** Per-benchmark detail: base, reference, student and PGR for each benchmark. */
export function formatPgrDetail(table: PgrTable): string {
  const rows: string[][] = [["Generator", "Method", "Benchmark", "Base", "Reference", "Student", "PGR"]];
  for (const g of table.generators) {
    for (const m of METHODS) {
      for (const d of DOMAINS) {
        for (const b of g.methods[m]?.domains[d]?.benchmarks ?? []) {
          rows.push([g.generator, METHOD_INFO[m].label, b.benchmark, fmt(b.base), fmt(b.reference), fmt(b.student), fmt(b.pgr)]);
        }
      }
    }
  }
  return alignRows(rows);
}

/** Table 2 of the paper with printed and recomputed averages side by side. */
export function formatReferenceTable(ref: ReferenceTable, format: PgrFormat): string {
  if (format === "json") return JSON.stringify(ref, null, 2);
  if (format === "csv") {
    const lines = [["generator", "method", ...DOMAINS, "printed_avg", "recomputed_avg"].join(",")];
    for (const r of ref.rows) {
      lines.push([r.generator, r.method, ...DOMAINS.map((d) => r.domains[d]), r.printedAverage, r.recomputedAverage.toFixed(4)].map(csvCell).join(","));
    }
    return lines.join("\n");
  }
  const rows: string[][] = [["Generator", "Method", ...DOMAIN_HEADERS, "Avg (paper)", "Avg (recomputed)", "Overall"]];
  let last = "";
  for (const r of ref.rows) {
    const first = r.generator !== last;
    last = r.generator;
    rows.push([
      first ? r.generator : "",
      METHOD_INFO[r.method].label,
      ...DOMAINS.map((d) => fmt(r.domains[d])),
      fmt(r.printedAverage),
      fmt(r.recomputedAverage),
      first ? fmt(ref.overall[r.generator]) : "",
    ]);
  }
  return `${alignRows(rows)}\n\nSource: ${ref.source}`;
}
