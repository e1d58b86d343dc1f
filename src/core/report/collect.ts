/**
 * Finds the inputs of a report: scores files named directly or found in run folders (`<run>/scores.json`),
 * and the recorded cost of generated items in their data files (`<run>/data/**\/*.jsonl`).
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ScoresFile } from "../pgr";
import { RUN_FILES } from "../run/layout";
import { SampleFile } from "../samples/sample-file";
import { loadJsoncWith } from "../spec/load";

export interface ReportInputs {
  scores: ScoresFile[];
  scoreFiles: string[];
  costPer1K: Record<string, number>;
  errors: string[];
}

async function jsonlUnder(dir: string, out: string[], depth = 0): Promise<void> {
  if (depth > 3) return;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const p = join(dir, n);
    const st = await stat(p).catch(() => undefined);
    if (st?.isDirectory()) await jsonlUnder(p, out, depth + 1);
    else if (st?.isFile() && n.endsWith(".jsonl")) out.push(p);
  }
}

/** Each path: a scores.json, a run folder, or a folder of run folders. */
export async function collectReportInputs(paths: string[]): Promise<ReportInputs> {
  const res: ReportInputs = { scores: [], scoreFiles: [], costPer1K: {}, errors: [] };
  const runDirs: string[] = [];
  for (const p of paths) {
    const st = await stat(p).catch(() => undefined);
    if (!st) {
      res.errors.push(`${p}: not found`);
    } else if (st.isFile()) {
      res.scoreFiles.push(p);
    } else if (await stat(join(p, RUN_FILES.scores)).catch(() => undefined)) {
      runDirs.push(p);
    } else {
      for (const n of (await readdir(p)).sort()) {
        const d = join(p, n);
        if ((await stat(d).catch(() => undefined))?.isDirectory()) runDirs.push(d);
      }
    }
  }
  for (const d of runDirs) {
    const s = join(d, RUN_FILES.scores);
    if (await stat(s).catch(() => undefined)) res.scoreFiles.push(s);
  }
  for (const f of res.scoreFiles) {
    const loaded = loadJsoncWith(ScoresFile, await readFile(f, "utf8"));
    if (loaded.value) res.scores.push(loaded.value);
    else res.errors.push(`${f}: ${loaded.diagnostics.map((x) => x.message).join("; ")}`);
  }
  const totals: Record<string, { items: number; costUsd: number }> = {};
  for (const d of runDirs) {
    const files: string[] = [];
    await jsonlUnder(join(d, RUN_FILES.data), files);
    for (const f of files) {
      const sf = await SampleFile.open(f);
      for (const [g, c] of Object.entries(await sf.costByGenerator())) {
        const t = (totals[g] ??= { items: 0, costUsd: 0 });
        t.items += c.items;
        t.costUsd += c.costUsd;
      }
    }
  }
  for (const [g, t] of Object.entries(totals)) if (t.items > 0) res.costPer1K[g] = (t.costUsd / t.items) * 1000;
  return res;
}
