/** File names of the prepared training data, per trainer: shared by prepare.ts and the train recipes. */
export const PREPARED_FILES = {
  /** TRL loads the folder with `datasets.load_dataset`, which picks up `train.jsonl` as the train split. */
  trl: { train: "train.jsonl" },
  /** LLaMA-Factory reads `dataset_info.json` in `dataset_dir` and the file it names. */
  "llama-factory": { train: "train.jsonl", info: "dataset_info.json", datasetName: "agora_train" },
  axolotl: { train: "train.jsonl" },
} as const;
