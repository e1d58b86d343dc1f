/**
 * Arena-Hard-Auto (v0.1, the version the paper used): `show_result.py --output` writes
 * `leaderboard/arena_hard_leaderboard_<YYYYMMDD>.csv` with columns `model, score, rating_q025,
 * rating_q975, CI, avg_tokens, date`, the score being the win rate (percent) against the baseline
 * (gpt-4-0314). Without `--output` it only prints lines such as
 * `my-model | score: 23.5 | 95% CI: (-1.9, 2.1) | average #tokens: 512`, which are parsed as a fallback.
 */
import { csvRecords } from "./csv";
import { ResultsParseError, type ScoreRecord } from "./types";

export interface ArenaHardOptions {
  /** Model whose row to read (the name its answers were generated under). */
  model: string;
}

function record(file: string, model: string, score: number, metric: string, ci?: [number, number]): ScoreRecord {
  return {
    benchmark: "arenahard",
    tool: "arena-hard",
    score,
    metric,
    // A 95% interval spans about ±1.96 standard errors; the tool reports the interval, not the error.
    ...(ci ? { stderr: (ci[1] - ci[0]) / (2 * 1.96) } : {}),
    model,
    task: "arena-hard-v0.1",
    source: file,
  };
}

export function parseArenaHardLeaderboard(text: string, file: string, options: ArenaHardOptions): ScoreRecord {
  let table: ReturnType<typeof csvRecords>;
  try {
    table = csvRecords(text);
  } catch (e) {
    throw new ResultsParseError("malformed", file, `not a valid CSV file (${(e as Error).message}).`);
  }
  for (const col of ["model", "score"]) {
    if (!table.header.includes(col)) {
      throw new ResultsParseError("missing-field", file, `no "${col}" column: is this an Arena-Hard leaderboard CSV? (columns: ${table.header.join(", ") || "none"})`);
    }
  }
  // show_result.py keeps only the last path segment of model names in some versions.
  const short = options.model.split("/").pop() ?? options.model;
  const row = table.records.find((r) => r.model === options.model) ?? table.records.find((r) => r.model === short);
  if (!row) throw new ResultsParseError("missing-model", file, `no row for model "${options.model}" (rows: ${table.records.map((r) => r.model).join(", ") || "none"}).`);
  const score = Number(row.score);
  if (row.score.trim() === "" || !Number.isFinite(score)) throw new ResultsParseError("not-finite", file, `score of "${row.model}" is not a number ("${row.score}").`);
  if (score < 0 || score > 100) throw new ResultsParseError("malformed", file, `score of "${row.model}" should be a win rate in percent, got ${score}.`);
  const lo = Number(row.rating_q025);
  const hi = Number(row.rating_q975);
  const ci: [number, number] | undefined = row.rating_q025 && row.rating_q975 && Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : undefined;
  return record(file, row.model, score, "win rate vs gpt-4-0314", ci);
}

const LINE = /^\s*(\S.*?)\s*\|\s*score:\s*([-+0-9.eE]+)\s*\|\s*95% CI:\s*\(\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\)/;

/** Fallback: the lines `show_result.py` prints (CI given as offsets from the score). */
export function parseArenaHardOutput(text: string, file: string, options: ArenaHardOptions): ScoreRecord {
  const short = options.model.split("/").pop() ?? options.model;
  const seen: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = LINE.exec(line);
    if (!m) continue;
    seen.push(m[1]);
    if (m[1] !== options.model && m[1] !== short) continue;
    const score = Number(m[2]);
    if (!Number.isFinite(score)) throw new ResultsParseError("not-finite", file, `score of "${m[1]}" is not a number.`);
    return record(file, m[1], score, "win rate vs gpt-4-0314", [score + Number(m[3]), score + Number(m[4])]);
  }
  if (seen.length === 0) throw new ResultsParseError("malformed", file, "no `model | score: … | 95% CI: …` lines: is this show_result.py output?");
  throw new ResultsParseError("missing-model", file, `no line for model "${options.model}" (models: ${seen.join(", ")}).`);
}
