/**
 * AlpacaEval 2.0: `alpaca_eval evaluate ... --output_path DIR` writes `leaderboard.csv` (pandas, the model
 * name in the unnamed index column) with `win_rate`, `standard_error`, …, `length_controlled_winrate`,
 * `lc_standard_error` — already in percent. AlpacaEval 2.0's headline metric, and the paper's, is the
 * length-controlled win rate. The leaderboard can also list precomputed models, so the row is picked by
 * the `--name` our recipe passed.
 */
import { csvRecords } from "./csv";
import { ResultsParseError, type ScoreRecord } from "./types";

export interface AlpacaEvalOptions {
  /** Row to read (the `--name` given to alpaca_eval); needed when the leaderboard has several rows. */
  model?: string;
  /** `length_controlled_winrate` (default, AlpacaEval 2.0) or the raw `win_rate`. */
  metric?: "length_controlled_winrate" | "win_rate";
}

export function parseAlpacaEvalLeaderboard(text: string, file: string, options: AlpacaEvalOptions = {}): ScoreRecord {
  let table: ReturnType<typeof csvRecords>;
  try {
    table = csvRecords(text);
  } catch (e) {
    throw new ResultsParseError("malformed", file, `not a valid CSV file (${(e as Error).message}).`);
  }
  const metric = options.metric ?? "length_controlled_winrate";
  const nameColumn = table.header[0];
  if (nameColumn === undefined || !table.header.includes(metric)) {
    throw new ResultsParseError("missing-field", file, `no "${metric}" column: is this an AlpacaEval 2.0 leaderboard.csv? (columns: ${table.header.join(", ") || "none"})`);
  }
  const rows = table.records;
  let row: Record<string, string> | undefined;
  if (options.model !== undefined) {
    row = rows.find((r) => r[nameColumn] === options.model);
    if (!row) throw new ResultsParseError("missing-model", file, `no row for model "${options.model}" (rows: ${rows.map((r) => r[nameColumn]).join(", ") || "none"}).`);
  } else if (rows.length === 1) row = rows[0];
  else throw new ResultsParseError("missing-model", file, `the leaderboard has ${rows.length} rows; say which model to read.`);
  const value = Number(row[metric]);
  if (row[metric].trim() === "" || !Number.isFinite(value)) {
    throw new ResultsParseError("not-finite", file, `${metric} of "${row[nameColumn]}" is not a number ("${row[metric]}").`);
  }
  const stderrColumn = metric === "length_controlled_winrate" ? "lc_standard_error" : "standard_error";
  const stderr = Number(row[stderrColumn]);
  const n = Number(row.n_total);
  return {
    benchmark: "alpacaeval2",
    tool: "alpaca-eval",
    score: value,
    metric,
    ...(row[stderrColumn] !== undefined && row[stderrColumn] !== "" && Number.isFinite(stderr) ? { stderr } : {}),
    model: row[nameColumn],
    task: "alpaca_eval_2.0",
    ...(Number.isInteger(n) && n >= 0 && row.n_total !== "" ? { samples: n } : {}),
    source: file,
  };
}
