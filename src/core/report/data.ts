/**
 * Chart data from scores files (host side: the extension and `agora report`): PGR computed exactly as
 * the paper (src/core/pgr.ts), raw benchmark scores for tooltips and the drill-down, and the paper's
 * Table 2 values for the generators it also measured, for the overlay on the per-domain bars.
 */
import { computePgr, type PgrTable, referenceTable, type ScoresFile } from "../pgr";
import { DOMAINS, METHODS } from "../settings";
import type { ChartData, SettingResult } from "./charts";
import type { Domain, Method } from "../settings";

/** Merges scores files (later files win on conflicts) and flattens them into chart data. */
export function chartDataFromScores(files: ScoresFile[], costPer1K: Record<string, number> = {}): ChartData {
  if (files.length === 0) return paperChartData();
  const merged: ScoresFile = { unit: "percent", base: {}, reference: {}, students: {} };
  for (const f of files) {
    Object.assign(merged.base, f.base);
    Object.assign(merged.reference, f.reference);
    for (const [g, byMethod] of Object.entries(f.students)) merged.students[g] = { ...merged.students[g], ...byMethod };
  }
  return fromTable(computePgr(merged), costPer1K);
}

function fromTable(table: PgrTable, costPer1K: Record<string, number>): ChartData {
  const results: SettingResult[] = [];
  for (const g of table.generators) {
    for (const method of METHODS) {
      for (const domain of DOMAINS) {
        const d = g.methods[method]?.domains[domain];
        if (d) results.push({ generator: g.generator, method, domain, pgr: d.pgr, benchmarks: d.benchmarks });
      }
    }
  }
  const generators = table.generators.map((g) => g.generator);
  return { source: "runs", generators, results, costPer1K, paper: paperValues(generators), problems: table.problems.map((p) => p.message) };
}

/** The paper's Table 2 as chart data (domain cells only; the paper publishes no raw scores). */
export function paperChartData(): ChartData {
  const ref = referenceTable();
  const results: SettingResult[] = ref.rows.flatMap((r) => DOMAINS.map((domain) => ({ generator: r.generator, method: r.method, domain, pgr: r.domains[domain], benchmarks: [] })));
  return { source: "paper", generators: [...new Set(ref.rows.map((r) => r.generator))], results, costPer1K: {}, paper: {}, problems: [] };
}

/** The paper's number for a generator of ours, matching `openai/gpt-4o-2024-08-06` to `gpt-4o-2024-08-06`. */
export function paperValue(generator: string, method: Method, domain: Domain): number | undefined {
  const key = generator.toLowerCase().replace(/^.*\//, "").replace(/^meta-llama-/, "llama-");
  // Dated snapshots: `gpt-4o-mini` (an alias) matches the paper's `gpt-4o-mini-2024-07-18`, never `gpt-4o`.
  const undated = (g: string): string => g.replace(/-(\d{4}-\d{2}-\d{2}|\d{8})$/, "");
  const rows = referenceTable().rows.filter((r) => r.method === method);
  const row = rows.find((r) => r.generator.toLowerCase() === key) ?? rows.find((r) => undated(r.generator.toLowerCase()) === undated(key));
  return row?.domains[domain];
}


/** Paper values for every generator that has them, keyed by our generator name. */
function paperValues(generators: string[]): ChartData["paper"] {
  const out: ChartData["paper"] = {};
  for (const g of generators) {
    for (const m of METHODS) {
      for (const d of DOMAINS) {
        const v = paperValue(g, m, d);
        if (v !== undefined) ((out[g] ??= {})[m] ??= {})[d] = v;
      }
    }
  }
  return out;
}
