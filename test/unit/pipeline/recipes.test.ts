import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { ExperimentSpec, type ExperimentSpecInput } from "../../../src/core/spec/model";
import { modelNameFor, placeholdersOf, RecipeError, renderCommand, resolveRecipe, shellQuote, toYaml } from "../../../src/pipeline/recipes";

const spec = (extra: Partial<ExperimentSpecInput> = {}): ExperimentSpec =>
  ExperimentSpec.parse({
    name: "t",
    generators: [{ id: "gpt-4o", provider: "openai", model: "gpt-4o-2024-08-06" }],
    settings: [{ domain: "math", method: "instance_generation", seed: { file: "seed.jsonl" } }],
    ...extra,
  });

/** What bash makes of a command line: the argv it would pass (printed one per line by printf). */
function argvOf(command: string): string[] {
  const out = execFileSync("bash", ["-c", `set -- ${command}; printf '%s\\0' "$@"`], { encoding: "utf8" });
  return out.split("\0").slice(0, -1);
}

const trainPaths = { stageDir: "/r/stages/train", data: "/r/stages/prepare", output: "/r/stages/train/model" };
const evalPaths = { stageDir: "/r/stages/evaluate/gsm8k", output: "/r/stages/evaluate/gsm8k/out" };

describe("pipeline/recipes", () => {
  describe("shell quoting", () => {
    it("keeps hostile values as one inert argument", () => {
      for (const v of ["plain", "with space", "it's", "$(rm -rf /)", "a;b|c&d", "`x`", 'q"uote', "", "new\nline", "*", "~/x"]) {
        assert.deepEqual(argvOf(shellQuote(v)), [v], `value ${JSON.stringify(v)}`);
      }
    });
    it("renders placeholders quoted, also inside a word", () => {
      const cmd = renderCommand("run --model_args pretrained={{model}},dtype=bf16 --out {{out}}", { model: "/m/it's mine", out: "/o" }, "t");
      assert.deepEqual(argvOf(cmd), ["run", "--model_args", "pretrained=/m/it's mine,dtype=bf16", "--out", "/o"]);
    });
    it("rejects unknown placeholders and placeholders inside quotes", () => {
      assert.throws(() => renderCommand("x {{nope}}", { data: "d" }, "student.training.command"), (e: unknown) => e instanceof RecipeError && /student\.training\.command: unknown placeholder \{\{nope\}\}\. Available: \{\{data\}\}/.test(e.message));
      assert.throws(() => renderCommand('x "{{data}}"', { data: "d" }, "c"), (e: unknown) => e instanceof RecipeError && /inside quotes/.test(e.message));
      assert.throws(() => renderCommand("x '{{data}}'", { data: "d" }, "c"), RecipeError);
      assert.throws(() => renderCommand("x {{data}} # see {{other}}", { data: "d" }, "c"), /unknown placeholder \{\{other\}\}/);
      assert.deepEqual(placeholdersOf("{{! {{ignored}} }}a {{x}} {{ y }} {{x}}"), ["x", "y"]);
    });
    it("writes YAML that keeps floats floats and quotes strings", () => {
      assert.equal(toYaml({ lr: 1e-5, big: 2e21, name: "a: b", list: ["x"], map: { k: true, n: null } }), 'lr: 0.00001\nbig: 2.0e+21\nname: "a: b"\nlist:\n  - "x"\nmap:\n  k: true\n  n: null');
    });
  });

  describe("train", () => {
    it("TRL: the paper's hyperparameters as flags", () => {
      const r = resolveRecipe({ stage: "train", spec: spec(), paths: trainPaths });
      assert.equal(r.tool, "trl");
      assert.equal(r.origin, "default");
      const argv = argvOf(r.command.replace(/\\\n/g, ""));
      const flag = (name: string): string | undefined => argv[argv.indexOf(`--${name}`) + 1];
      assert.deepEqual(argv.slice(0, 2), ["trl", "sft"]);
      assert.equal(flag("model_name_or_path"), "meta-llama/Llama-3.1-8B");
      assert.equal(flag("dataset_name"), "/r/stages/prepare");
      assert.equal(flag("num_train_epochs"), "5");
      assert.equal(Number(flag("learning_rate")), 1e-5);
      assert.equal(flag("max_length"), "4096");
      assert.equal(flag("per_device_train_batch_size"), "4");
      assert.equal(flag("gradient_accumulation_steps"), "8");
      assert.equal(flag("seed"), "42");
      assert.equal(flag("bf16"), "true");
      assert.equal(flag("completion_only_loss"), "true");
      assert.match(r.script, /^#!\/usr\/bin\/env bash\n[\s\S]*set -euo pipefail\ncd \/r\/stages\/train\nmkdir -p \/r\/stages\/train\/model\ntrl sft/);
      assert.deepEqual(r.files, []);
    });
    it("LLaMA-Factory: a YAML config with the spec's overrides", () => {
      const r = resolveRecipe({ stage: "train", spec: spec({ student: { training: { recipe: "llama-factory", epochs: 3, learningRate: 2e-5 } } }), paths: trainPaths });
      assert.equal(r.command, "llamafactory-cli train /r/stages/train/train.yaml");
      const [file] = r.files;
      assert.equal(file.path, "train.yaml");
      for (const line of ['model_name_or_path: "meta-llama/Llama-3.1-8B"', 'stage: "sft"', 'finetuning_type: "full"', 'dataset_dir: "/r/stages/prepare"', 'dataset: "agora_train"', "cutoff_len: 4096", "train_on_prompt: false", "num_train_epochs: 3", "learning_rate: 0.00002", "gradient_accumulation_steps: 8", "bf16: true"]) {
        assert.ok(file.content.split("\n").includes(line), `missing ${line}\n${file.content}`);
      }
    });
    it("axolotl: chat_template dataset training on assistant turns", () => {
      const r = resolveRecipe({ stage: "train", spec: spec({ student: { base: "org/My Base", training: { recipe: "axolotl", precision: "fp16" } } }), paths: trainPaths });
      assert.equal(r.command, "axolotl train /r/stages/train/train.yaml");
      const y = r.files[0].content;
      assert.match(y, /^base_model: "org\/My Base"$/m);
      assert.match(y, /^ {2}- path: "\/r\/stages\/prepare\/train\.jsonl"\n {4}ds_type: "json"\n {4}type: "chat_template"/m);
      assert.match(y, /roles_to_train:\n\s+- "assistant"/);
      assert.match(y, /^fp16: true$/m);
      assert.match(y, /^bf16: false$/m);
    });
    it("custom: the spec's command with every value quoted", () => {
      const s = spec({ student: { base: "my base", training: { recipe: "custom", command: "python train.py --base {{base}} --data {{data}} --lr {{learningRate}} --out {{output}}" } } });
      const r = resolveRecipe({ stage: "train", spec: s, paths: { ...trainPaths, output: "/out dir/$HOME" } });
      assert.equal(r.origin, "spec");
      assert.deepEqual(argvOf(r.command), ["python", "train.py", "--base", "my base", "--data", "/r/stages/prepare", "--lr", "0.00001", "--out", "/out dir/$HOME"]);
      assert.throws(() => resolveRecipe({ stage: "train", spec: spec({ student: { training: { recipe: "custom" } } }), paths: trainPaths }), /command is not set/);
    });
  });

  describe("evaluate", () => {
    it("lm-eval: base few-shot without chat template, student zero-shot with it, the paper's decoding", () => {
      const base = resolveRecipe({ stage: "evaluate", spec: spec(), benchmark: "gsm8k", role: "base", model: "meta-llama/Llama-3.1-8B", paths: evalPaths });
      const student = resolveRecipe({ stage: "evaluate", spec: spec(), benchmark: "math", role: "student", model: "/r/model", modelName: "s", paths: evalPaths });
      const b = argvOf(base.command.replace(/\\\n/g, ""));
      const s = argvOf(student.command.replace(/\\\n/g, ""));
      assert.equal(b[0], "lm_eval");
      assert.equal(b[b.indexOf("--tasks") + 1], "gsm8k");
      assert.equal(b.includes("--num_fewshot"), false);
      assert.equal(b.includes("--apply_chat_template"), false);
      assert.equal(b[b.indexOf("--gen_kwargs") + 1], "temperature=0.2,top_p=0.95,max_gen_toks=1024,repetition_penalty=1.03");
      assert.equal(s[s.indexOf("--tasks") + 1], "minerva_math");
      assert.equal(s[s.indexOf("--num_fewshot") + 1], "0");
      assert.ok(s.includes("--apply_chat_template"));
      assert.equal(s[s.indexOf("--model_args") + 1], "pretrained=/r/model,dtype=bfloat16");
      assert.deepEqual(student.results, { tool: "lm-eval", benchmark: "math", dir: evalPaths.output, model: "s" });
    });
    it("evalplus: greedy at temperature 0 (code), base prompt for the base model", () => {
      const r = resolveRecipe({ stage: "evaluate", spec: spec(), benchmark: "humaneval", role: "base", model: "meta-llama/Llama-3.1-8B", paths: evalPaths });
      const argv = argvOf(r.command.replace(/\\\n/g, ""));
      assert.deepEqual(argv.slice(0, 7), ["evalplus.evaluate", "--model", "meta-llama/Llama-3.1-8B", "--dataset", "humaneval", "--backend", "vllm"]);
      assert.ok(argv.includes("--greedy"));
      assert.ok(argv.includes("--force_base_prompt"));
      const hot = resolveRecipe({ stage: "evaluate", spec: spec({ evaluation: { inference: { temperature: { code: 0.7 } } } }), benchmark: "mbpp", role: "student", model: "m", paths: evalPaths });
      assert.match(hot.command, /--temperature 0\.7 --n_samples 1/);
    });
    it("AlpacaEval: model config files and the name the leaderboard row will carry", () => {
      const r = resolveRecipe({ stage: "evaluate", spec: spec(), benchmark: "alpacaeval2", role: "student", model: "/r/model", modelName: "Llama-3.1-8B-gpt-4o", paths: evalPaths });
      assert.equal(r.command, `alpaca_eval evaluate_from_model --model_configs ${evalPaths.stageDir}/model_configs --output_path ${evalPaths.output}`);
      const configs = r.files.find((f) => f.path === "model_configs/configs.yaml")?.content ?? "";
      assert.match(configs, /^Llama-3\.1-8B-gpt-4o:\n {2}prompt_template: "\/r\/stages\/evaluate\/gsm8k\/model_configs\/prompt\.txt"/);
      assert.match(configs, /temperature: 0\n/);
      assert.ok(r.files.some((f) => f.path === "model_configs/prompt.txt" && f.content.includes("{instruction}")));
      assert.equal(r.results?.model, "Llama-3.1-8B-gpt-4o");
    });
    it("Arena-Hard: serves the model, judges it, copies the leaderboard", () => {
      const r = resolveRecipe({ stage: "evaluate", spec: spec(), benchmark: "arenahard", role: "reference", model: "meta-llama/Llama-3.1-8B-Instruct", paths: evalPaths, port: 8123 });
      assert.match(r.command, /^vllm serve meta-llama\/Llama-3\.1-8B-Instruct --served-model-name Llama-3\.1-8B-Instruct --port 8123/m);
      assert.match(r.command, /show_result\.py --judge-name gpt-4-1106-preview --baseline gpt-4-0314 --output/);
      assert.ok(!r.command.includes("{{"), "comment stripped");
      assert.match(r.files.find((f) => f.path === "api_config.yaml")?.content ?? "", /api_base: "http:\/\/127\.0\.0\.1:8123\/v1"/);
      assert.match(r.files.find((f) => f.path === "gen_answer_config.yaml")?.content ?? "", /model_list:\n {2}- "Llama-3\.1-8B-Instruct"/);
      execFileSync("bash", ["-n", "-c", r.script]);
    });
    it("a spec command override replaces the default; a custom tool keeps the usual result format", () => {
      const s = spec({ evaluation: { benchmarks: [{ id: "gsm8k", tool: "custom", command: "my-eval {{model}} {{output}} {{temperature}}" }] } });
      const r = resolveRecipe({ stage: "evaluate", spec: s, benchmark: "gsm8k", role: "student", model: "/m", modelName: "m", paths: evalPaths });
      assert.equal(r.command, `my-eval /m ${evalPaths.output} 0.2`);
      assert.equal(r.origin, "spec");
      assert.equal(r.results?.tool, "lm-eval");
    });
    it("derives a model name from a path", () => {
      assert.equal(modelNameFor("meta-llama/Llama-3.1-8B-Instruct"), "Llama-3.1-8B-Instruct");
      assert.equal(modelNameFor("/a/b/my model/"), "my_model");
    });
  });
});
