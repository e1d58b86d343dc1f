/**
 * Default train recipes. The hyperparameters are the spec's `student.training` (defaults = the paper,
 * Table 6: full fine-tuning, 5 epochs, lr 1e-5, max length 4096, batch 4, grad. accumulation 8, seed 42,
 * bf16, loss on responses only). The prepared data layout each trainer reads is written by
 * src/pipeline/prepare.ts (`PREPARED_FILES`).
 */
import type { StudentSpec } from "../../core/spec/model";
import { PREPARED_FILES } from "../prepare-files";
import { toYaml } from "./template";
import type { RecipeFile } from "./types";

export type Trainer = "trl" | "llama-factory" | "axolotl";

export interface TrainDefaults {
  template: string;
  files: RecipeFile[];
}

const posixJoin = (a: string, b: string): string => `${a.replace(/\/+$/, "")}/${b}`;

/** Placeholder values common to every train recipe (also what a `custom` command may use). */
export function trainValues(student: StudentSpec, paths: { stageDir: string; data: string; output: string }): Record<string, string> {
  const t = student.training;
  return {
    base: student.base,
    data: paths.data,
    output: paths.output,
    stageDir: paths.stageDir,
    config: posixJoin(paths.stageDir, "train.yaml"),
    epochs: String(t.epochs),
    learningRate: String(t.learningRate),
    maxLength: String(t.maxLength),
    batchSize: String(t.batchSize),
    gradientAccumulation: String(t.gradientAccumulation),
    seed: String(t.seed),
    precision: t.precision,
    lossOnResponsesOnly: String(t.lossOnResponsesOnly),
  };
}

export function trainDefaults(trainer: Trainer, student: StudentSpec, values: Record<string, string>): TrainDefaults {
  const t = student.training;
  const half = { bf16: t.precision === "bf16", fp16: t.precision === "fp16" };
  switch (trainer) {
    case "trl":
      // TRL's prompt–completion format trains on the completion only when `completion_only_loss` is on.
      return {
        template: [
          "trl sft --model_name_or_path {{base}} --dataset_name {{data}}",
          "--output_dir {{output}} --num_train_epochs {{epochs}} --learning_rate {{learningRate}}",
          "--max_length {{maxLength}} --per_device_train_batch_size {{batchSize}}",
          "--gradient_accumulation_steps {{gradientAccumulation}} --seed {{seed}}",
          `--bf16 ${half.bf16} --fp16 ${half.fp16} --completion_only_loss {{lossOnResponsesOnly}}`,
          "--gradient_checkpointing true --save_strategy epoch --logging_steps 10 --report_to none",
        ].join(" \\\n  "),
        files: [],
      };
    case "llama-factory":
      return {
        template: "llamafactory-cli train {{config}}",
        files: [
          {
            path: "train.yaml",
            content: `${toYaml({
              model_name_or_path: student.base,
              stage: "sft",
              do_train: true,
              finetuning_type: "full",
              dataset_dir: values.data,
              dataset: PREPARED_FILES["llama-factory"].datasetName,
              template: "llama3",
              cutoff_len: t.maxLength,
              train_on_prompt: !t.lossOnResponsesOnly,
              output_dir: values.output,
              overwrite_output_dir: true,
              num_train_epochs: t.epochs,
              learning_rate: t.learningRate,
              per_device_train_batch_size: t.batchSize,
              gradient_accumulation_steps: t.gradientAccumulation,
              seed: t.seed,
              bf16: half.bf16,
              fp16: half.fp16,
              gradient_checkpointing: true,
              logging_steps: 10,
              save_strategy: "epoch",
              report_to: "none",
            })}\n`,
          },
        ],
      };
    case "axolotl":
      return {
        template: "axolotl train {{config}}",
        files: [
          {
            path: "train.yaml",
            content: `${toYaml({
              base_model: student.base,
              datasets: [
                {
                  path: posixJoin(values.data, PREPARED_FILES.axolotl.train),
                  ds_type: "json",
                  type: "chat_template",
                  field_messages: "messages",
                  roles_to_train: t.lossOnResponsesOnly ? ["assistant"] : ["user", "assistant"],
                },
              ],
              chat_template: "llama3",
              sequence_len: t.maxLength,
              num_epochs: t.epochs,
              learning_rate: t.learningRate,
              micro_batch_size: t.batchSize,
              gradient_accumulation_steps: t.gradientAccumulation,
              seed: t.seed,
              bf16: half.bf16,
              fp16: half.fp16,
              train_on_inputs: !t.lossOnResponsesOnly,
              gradient_checkpointing: true,
              output_dir: values.output,
              logging_steps: 10,
              saves_per_epoch: 1,
            })}\n`,
          },
        ],
      };
  }
}
