/**
 * Default evaluate recipes, one per evaluator. Decoding follows the spec's `evaluation.inference` (the
 * paper: temperature 0.2 for math, 0 otherwise; top_p 0.95; 1024 new tokens; repetition penalty 1.03).
 * The base model is scored few-shot without a chat template, the reference and the student zero-shot with
 * one, as the paper does.
 */
import type { EvaluatorTool } from "../../core/results/types";
import { BENCHMARKS, type BenchmarkId } from "../../core/settings";
import type { EvaluationSpec } from "../../core/spec/model";
import { toYaml } from "./template";
import type { RecipeFile } from "./types";

export type ModelRole = "base" | "reference" | "student";

/** The tool's name for our benchmark: lm-eval task, EvalPlus dataset. */
export const TOOL_TASK: Readonly<Record<BenchmarkId, string>> = {
  gsm8k: "gsm8k",
  math: "minerva_math",
  mbpp: "mbpp",
  humaneval: "humaneval",
  alpacaeval2: "alpaca_eval_gpt4_turbo_fn",
  arenahard: "arena-hard-v0.1",
};

const posixJoin = (a: string, b: string): string => `${a.replace(/\/+$/, "")}/${b}`;

export function evaluateValues(
  benchmark: BenchmarkId,
  inference: EvaluationSpec["inference"],
  input: { model: string; modelName: string; stageDir: string; output: string; port: number },
): Record<string, string> {
  const domain = BENCHMARKS[benchmark].domain;
  return {
    model: input.model,
    modelName: input.modelName,
    stageDir: input.stageDir,
    output: input.output,
    benchmark,
    task: TOOL_TASK[benchmark],
    dataset: TOOL_TASK[benchmark],
    temperature: String(inference.temperature[domain]),
    topP: String(inference.topP),
    maxNewTokens: String(inference.maxNewTokens),
    repetitionPenalty: String(inference.repetitionPenalty),
    port: String(input.port),
    modelConfigs: posixJoin(input.stageDir, "model_configs"),
    judge: "gpt-4-1106-preview",
    baseline: "gpt-4-0314",
  };
}

/** Llama 3 chat format for AlpacaEval's prompt template (`{instruction}` is AlpacaEval's own slot). */
const LLAMA3_PROMPT =
  "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{instruction}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";

/** Rewrites arena-hard-auto's judge config for our model; our own few lines, run with the host's python. */
const JUDGE_CONFIG_PY = `"""Copy arena-hard-auto's judge config, judging only the given model."""
import sys
import yaml

source, target, model = sys.argv[1], sys.argv[2], sys.argv[3]
with open(source, encoding="utf-8") as f:
    config = yaml.safe_load(f)
config["model_list"] = [model]
config["bench_name"] = "arena-hard-v0.1"
with open(target, "w", encoding="utf-8") as f:
    yaml.safe_dump(config, f, sort_keys=False, allow_unicode=True)
`;

export function evaluateDefaults(
  tool: EvaluatorTool,
  role: ModelRole,
  values: Record<string, string>,
): { template: string; files: RecipeFile[] } {
  const chat = role !== "base";
  switch (tool) {
    case "lm-eval":
      return {
        template: [
          "lm_eval --model vllm --model_args pretrained={{model}},dtype=bfloat16",
          `--tasks {{task}}${chat ? " --num_fewshot 0 --apply_chat_template" : ""}`,
          "--gen_kwargs temperature={{temperature}},top_p={{topP}},max_gen_toks={{maxNewTokens}},repetition_penalty={{repetitionPenalty}}",
          "--batch_size auto --seed 42 --output_path {{output}} --log_samples",
        ].join(" \\\n  "),
        files: [],
      };
    case "evalplus":
      return {
        template: [
          "evalplus.evaluate --model {{model}} --dataset {{dataset}} --backend vllm",
          `${Number(values.temperature) === 0 ? "--greedy" : "--temperature {{temperature}} --n_samples 1"}${chat ? "" : " --force_base_prompt true"}`,
          "--root {{output}}",
        ].join(" \\\n  "),
        files: [],
      };
    case "alpaca-eval":
      return {
        template: "alpaca_eval evaluate_from_model --model_configs {{modelConfigs}} --output_path {{output}}",
        files: [
          { path: "model_configs/prompt.txt", content: LLAMA3_PROMPT },
          {
            path: "model_configs/configs.yaml",
            content: `${toYaml({
              [values.modelName]: {
                prompt_template: posixJoin(values.modelConfigs, "prompt.txt"),
                fn_completions: "vllm_local_completions",
                completions_kwargs: {
                  model_name: values.model,
                  model_kwargs: { dtype: "bfloat16" },
                  max_new_tokens: Number(values.maxNewTokens),
                  temperature: Number(values.temperature),
                  top_p: Number(values.topP),
                  repetition_penalty: Number(values.repetitionPenalty),
                },
                pretty_name: values.modelName,
              },
            })}\n`,
          },
        ],
      };
    case "arena-hard":
      return {
        template: [
          "{{! arena-hard-auto v0.1 runs from its checkout: set ARENA_HARD_DIR (default ~/arena-hard-auto) and OPENAI_API_KEY for the judge. }}",
          'ARENA_HARD_DIR="${ARENA_HARD_DIR:-$HOME/arena-hard-auto}"',
          'PYTHON="${PYTHON:-python3}"',
          "vllm serve {{model}} --served-model-name {{modelName}} --port {{port}} --dtype bfloat16 > vllm.log 2>&1 &",
          "VLLM_PID=$!",
          "trap 'kill \"$VLLM_PID\" 2>/dev/null || true' EXIT",
          "ready=0",
          "for _ in $(seq 1 720); do",
          "  if curl -sf http://127.0.0.1:{{port}}/v1/models > /dev/null; then ready=1; break; fi",
          '  if ! kill -0 "$VLLM_PID" 2>/dev/null; then echo "ERROR: vLLM exited before serving; see vllm.log" >&2; exit 1; fi',
          "  sleep 1",
          "done",
          'if [ "$ready" != 1 ]; then echo "ERROR: vLLM did not start serving within 12 minutes" >&2; exit 1; fi',
          'cd "$ARENA_HARD_DIR"',
          '"$PYTHON" gen_answer.py --setting-file {{stageDir}}/gen_answer_config.yaml --endpoint-file {{stageDir}}/api_config.yaml',
          '"$PYTHON" {{stageDir}}/judge_config.py config/judge_config.yaml {{stageDir}}/judge_config.yaml {{modelName}}',
          '"$PYTHON" gen_judgment.py --setting-file {{stageDir}}/judge_config.yaml --endpoint-file {{stageDir}}/api_config.yaml',
          '"$PYTHON" show_result.py --judge-name {{judge}} --baseline {{baseline}} --output | tee {{output}}/show_result.txt',
          "cp \"$(ls -t leaderboard/arena_hard_leaderboard_*.csv | head -n 1)\" {{output}}/",
        ].join("\n"),
        files: [
          {
            path: "api_config.yaml",
            content: `${toYaml({
              [values.modelName]: {
                model_name: values.modelName,
                endpoints: [{ api_base: `http://127.0.0.1:${values.port}/v1`, api_key: "empty" }],
                api_type: "openai",
                parallel: 8,
              },
              [values.judge]: { model_name: values.judge, endpoints: null, api_type: "openai", parallel: 8 },
            })}\n`,
          },
          {
            path: "gen_answer_config.yaml",
            content: `${toYaml({
              bench_name: "arena-hard-v0.1",
              temperature: Number(values.temperature),
              max_tokens: Number(values.maxNewTokens),
              num_choices: 1,
              model_list: [values.modelName],
            })}\n`,
          },
          { path: "judge_config.py", content: JUDGE_CONFIG_PY },
        ],
      };
  }
}
