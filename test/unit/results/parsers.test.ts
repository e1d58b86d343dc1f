import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  parseAlpacaEvalLeaderboard,
  parseArenaHardLeaderboard,
  parseArenaHardOutput,
  parseCsv,
  parseEvalplusResults,
  parseLmEvalResults,
  parseResultFile,
  ResultsParseError,
  ScoreRecord,
} from "../../../src/core/results";

const FIX = resolve(__dirname, "..", "..", "fixtures", "results");
const read = (p: string): [string, string] => [readFileSync(join(FIX, p), "utf8"), join(FIX, p)];
const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);
const failsWith = (code: string, pattern: RegExp) => (e: unknown) => e instanceof ResultsParseError && e.code === code && pattern.test(e.message);

describe("core/results", () => {
  describe("lm-evaluation-harness", () => {
    it("reads GSM8K strict-match exact match in percent, with stderr, model and sample count", () => {
      const [text, file] = read("lm-eval/results_2024-10-02T14-05-33.418262.json");
      const [r] = parseLmEvalResults(text, file, { benchmarks: ["gsm8k"] });
      close(r.score, 50.871872630780);
      close(r.stderr ?? 0, 1.377181577547058);
      assert.equal(r.metric, "exact_match,strict-match");
      assert.equal(r.model, "meta-llama/Llama-3.1-8B");
      assert.equal(r.task, "gsm8k");
      assert.equal(r.samples, 1319);
      assert.equal(r.source, file);
      ScoreRecord.parse(r);
    });
    it("reads the minerva_math group score for MATH, not a subject", () => {
      const [text, file] = read("lm-eval/results_2024-10-03T09-12-01.004512.json");
      const [r] = parseLmEvalResults(text, file, { benchmarks: ["math"] });
      close(r.score, 19.68);
      assert.equal(r.task, "minerva_math");
      assert.match(r.model ?? "", /gpt-4o\/model$/);
    });
    it("reads the group from `groups` when `results` lacks it (newer harness versions)", () => {
      const doc = JSON.parse(read("lm-eval/results_2024-10-03T09-12-01.004512.json")[0]) as { results: Record<string, unknown> };
      delete doc.results.minerva_math;
      const [r] = parseLmEvalResults(JSON.stringify(doc), "x.json", { benchmarks: ["math"] });
      close(r.score, 19.68);
    });
    it("without a benchmark list returns what the file has", () => {
      const [text, file] = read("lm-eval/results_2024-10-02T14-05-33.418262.json");
      assert.deepEqual(parseLmEvalResults(text, file).map((r) => r.benchmark), ["gsm8k"]);
    });
    it("gives typed errors for malformed files", () => {
      assert.throws(() => parseLmEvalResults(...read("malformed/results_truncated.json")), failsWith("malformed", /results_truncated\.json: not valid JSON/));
      assert.throws(() => parseLmEvalResults(...read("malformed/results_no_metric.json"), { benchmarks: ["gsm8k"] }), failsWith("missing-field", /none of the metrics.*acc,none/));
      assert.throws(() => parseLmEvalResults(...read("malformed/results_out_of_range.json"), { benchmarks: ["gsm8k"] }), failsWith("malformed", /fraction between 0 and 1, got 51\.3/));
      assert.throws(() => parseLmEvalResults('{"versions":{}}', "v.json"), failsWith("missing-field", /no "results" object/));
      const [text, file] = read("lm-eval/results_2024-10-02T14-05-33.418262.json");
      assert.throws(() => parseLmEvalResults(text, file, { benchmarks: ["math"] }), failsWith("missing-task", /no result for math.*the file has gsm8k/));
    });
  });

  describe("EvalPlus", () => {
    it("reads pass_at_k (base by default, plus on request) in percent", () => {
      const [text, file] = read("evalplus/humaneval/student-model_vllm_temp_0.0.eval_results.json");
      const base = parseEvalplusResults(text, file);
      assert.equal(base.benchmark, "humaneval");
      assert.equal(base.score, 75);
      assert.equal(base.metric, "base pass@1");
      assert.equal(base.samples, 4);
      assert.equal(parseEvalplusResults(text, file, { variant: "plus" }).score, 50);
    });
    it("recomputes pass@1 from statuses in files without pass_at_k (EvalPlus < 0.2)", () => {
      const [text, file] = read("evalplus/mbpp/student-model_vllm_temp_0.0.eval_results.json");
      const r = parseEvalplusResults(text, file, { benchmark: "mbpp" });
      assert.equal(r.benchmark, "mbpp");
      close(r.score, 60);
      close(parseEvalplusResults(text, file, { variant: "plus" }).score, 40);
    });
    it("rejects a file for the other benchmark and files without eval", () => {
      const [text, file] = read("evalplus/mbpp/student-model_vllm_temp_0.0.eval_results.json");
      assert.throws(() => parseEvalplusResults(text, file, { benchmark: "humaneval" }), failsWith("missing-task", /expected humaneval results but the tasks are mbpp/));
      assert.throws(() => parseEvalplusResults(...read("malformed/eval_results_no_eval.json")), failsWith("missing-field", /no "eval" object/));
    });
  });

  describe("AlpacaEval 2.0", () => {
    it("reads the length-controlled win rate of the named row", () => {
      const [text, file] = read("alpaca-eval/leaderboard.csv");
      const r = parseAlpacaEvalLeaderboard(text, file, { model: "Llama-3.1-8B-math.instance_generation-gpt-4o" });
      close(r.score, 11.3804122098265);
      close(r.stderr ?? 0, 0.5531470125634408);
      assert.equal(r.metric, "length_controlled_winrate");
      assert.equal(r.samples, 805);
      close(parseAlpacaEvalLeaderboard(text, file, { model: "Meta-Llama-3.1-8B-Instruct-Turbo", metric: "win_rate" }).score, 21.8474926603285);
    });
    it("handles quoted model names", () => {
      const [text, file] = read("alpaca-eval/leaderboard.csv");
      assert.equal(parseAlpacaEvalLeaderboard(text, file, { model: 'model, with "quotes"' }).score, 4.25);
    });
    it("needs a model when there are several rows, and says which rows exist", () => {
      const [text, file] = read("alpaca-eval/leaderboard.csv");
      assert.throws(() => parseAlpacaEvalLeaderboard(text, file), failsWith("missing-model", /4 rows/));
      assert.throws(() => parseAlpacaEvalLeaderboard(text, file, { model: "nope" }), failsWith("missing-model", /no row for model "nope".*gpt4_1106_preview/));
    });
    it("rejects a leaderboard without the length-controlled column", () => {
      assert.throws(() => parseAlpacaEvalLeaderboard(...read("malformed/leaderboard_no_lc.csv")), failsWith("missing-field", /no "length_controlled_winrate" column/));
    });
  });

  describe("Arena-Hard", () => {
    it("reads the leaderboard CSV written by show_result.py --output", () => {
      const [text, file] = read("arena-hard/arena_hard_leaderboard_20241005.csv");
      const r = parseArenaHardLeaderboard(text, file, { model: "Llama-3.1-8B-math.instance_generation-gpt-4o" });
      assert.equal(r.score, 6.1);
      close(r.stderr ?? 0, (7.3 - 5.1) / 3.92);
      assert.equal(parseArenaHardLeaderboard(text, file, { model: "meta-llama/Meta-Llama-3.1-8B-Instruct" }).score, 20.6);
    });
    it("falls back to the printed lines", () => {
      const [text, file] = read("arena-hard/show_result.txt");
      const r = parseArenaHardOutput(text, file, { model: "Meta-Llama-3.1-8B-Instruct" });
      assert.equal(r.score, 20.6);
      close(r.stderr ?? 0, 3.6 / 3.92);
      assert.throws(() => parseArenaHardOutput(text, file, { model: "x" }), failsWith("missing-model", /models: gpt-4-0314, Meta-Llama/));
      assert.throws(() => parseArenaHardOutput("nothing here", "log.txt", { model: "x" }), failsWith("malformed", /show_result\.py output/));
    });
    it("rejects an unterminated CSV", () => {
      assert.throws(() => parseArenaHardLeaderboard(...read("malformed/arena_hard_leaderboard_bad.csv"), { model: "m" }), failsWith("malformed", /quoted field is not closed/));
    });
  });

  describe("parseResultFile", () => {
    it("dispatches by tool and file name", () => {
      const [csv, csvFile] = read("arena-hard/arena_hard_leaderboard_20241005.csv");
      assert.equal(parseResultFile("arena-hard", csv, csvFile, { benchmark: "arenahard", model: "gpt-4-0314" }).score, 50);
      const [log, logFile] = read("arena-hard/show_result.txt");
      assert.equal(parseResultFile("arena-hard", log, logFile, { benchmark: "arenahard", model: "gpt-4-0314" }).score, 50);
      const [ep, epFile] = read("evalplus/humaneval/student-model_vllm_temp_0.0.eval_results.json");
      assert.throws(() => parseResultFile("evalplus", ep, epFile, { benchmark: "gsm8k" }), failsWith("missing-task", /not gsm8k/));
    });
    it("parseCsv follows RFC 4180 quoting", () => {
      assert.deepEqual(parseCsv('a,"b,c","d ""e"""\r\n1,2,3\n'), [["a", "b,c", 'd "e"'], ["1", "2", "3"]]);
    });
  });
});
