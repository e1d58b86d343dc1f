/**
 * The zod model of an AgoraBench experiment spec (`*.agora.json`).
 *
 * This file is the single source of truth: `schemas/agora-spec.schema.json` is generated from it
 * (`npm run schema`), the language server validates with that schema, and the CLI/engine parse with
 * these zod objects. Every field carries a description (shown on hover) and, where one makes sense, a
 * default taken from the paper (Kim et al. 2024) so that a minimal spec reproduces the paper's setup.
 */
import { z } from "zod";
import { BENCHMARK_IDS, BENCHMARKS, DOMAIN_INFO, DOMAINS, METHOD_INFO, METHODS } from "../settings";

/** Identifiers users write and reference elsewhere (generator ids, host names). */
const Identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "Use letters, digits, '.', '_' or '-', starting with a letter or digit.")
  .max(64);

// `markdownEnumDescriptions` (a VS Code JSON-schema extension) documents each value on its own: completion
// shows it next to each proposed value, and hover on a value shows it.
export const Domain = z.enum(DOMAINS).meta({
  description: "Domain of the setting: `math`, `code` or `instruction_following`.",
  markdownEnumDescriptions: DOMAINS.map(
    (d) => `**${DOMAIN_INFO[d].label}**: students are evaluated on ${DOMAIN_INFO[d].benchmarks.map((b) => BENCHMARKS[b].label).join(" and ")}.`,
  ),
});
export const Method = z.enum(METHODS).meta({
  description:
    "Data generation method: `instance_generation` (new instruction + response from demonstrations), `response_generation` (a response for each seed instruction) or `quality_enhancement` (an improved version of each seed instance).",
  markdownEnumDescriptions: METHODS.map((m) => `**${METHOD_INFO[m].label}**: ${METHOD_INFO[m].summary}`),
});

const PROVIDERS = ["openai", "anthropic", "openai-compatible"] as const;
export const Provider = z.enum(PROVIDERS).meta({
  description:
    "API the generator is called through: `openai` (OpenAI), `anthropic` (Anthropic Messages API) or `openai-compatible` (any server speaking the OpenAI chat-completions API, e.g. vLLM; needs `baseUrl`).",
  markdownEnumDescriptions: [
    "**OpenAI** API (chat completions; Batch API with `batch`). Key: `OPENAI_API_KEY`.",
    "**Anthropic** Messages API (Message Batches with `batch`). Key: `ANTHROPIC_API_KEY`.",
    "**OpenAI-compatible** server, e.g. vLLM or a hosted Llama endpoint: needs `baseUrl`; a key only if `apiKeyEnv` names one.",
  ],
});

export const Sampling = z
  .strictObject({
    temperature: z.number().min(0).max(2).default(1.0).describe("Sampling temperature. The paper uses 1.0."),
    topP: z.number().gt(0).max(1).default(0.9).describe("Nucleus sampling `top_p`. The paper uses 0.9."),
    maxTokens: z.int().min(1).max(200_000).default(4096).describe("Maximum output tokens per request. The paper uses 4096."),
    seed: z.int().optional().describe("Sampling seed passed to providers that support one (OpenAI, vLLM)."),
    stop: z
      .array(z.string().min(1))
      .max(4)
      .default(["[END]"])
      .describe("Stop sequences. The paper's meta-prompts end each generated instance with `[END]`."),
  })
  .describe("Sampling parameters for every request this generator makes.");

export const Limits = z
  .strictObject({
    concurrency: z.int().min(1).max(1024).default(16).describe("Maximum requests in flight at once."),
    requestsPerMinute: z.int().min(1).max(1_000_000).default(500).describe("Request rate limit (token bucket)."),
    tokensPerMinute: z.int().min(1).max(100_000_000).default(200_000).describe("Token rate limit (input + output, token bucket)."),
    maxRetries: z.int().min(0).max(20).default(6).describe("Retries for 429, 5xx and timeouts, with bounded exponential backoff and jitter."),
    timeoutSeconds: z.number().min(1).max(3600).default(120).describe("Timeout for one request, in seconds."),
  })
  .describe("Concurrency, rate limits and retry policy of this generator.");

export const PriceOverride = z
  .strictObject({
    inputPer1M: z.number().min(0).describe("USD per 1M input tokens."),
    outputPer1M: z.number().min(0).describe("USD per 1M output tokens."),
    batchDiscount: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe("Fraction of the price paid in batch mode (OpenAI Batch API and Anthropic Message Batches charge half)."),
  })
  .describe("Overrides the bundled, dated price table for this model (e.g. a self-hosted model or a negotiated price).");

export const Generator = z
  .strictObject({
    id: Identifier.describe("Short id of this generator, referenced by settings (`settings[].generators`) and shown in charts."),
    provider: Provider,
    model: z.string().min(1).describe("Model id as the provider knows it, e.g. `gpt-4o-2024-08-06` or `claude-3-5-sonnet-20240620`."),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe("Base URL of the API. Required for `openai-compatible` (e.g. `http://127.0.0.1:8000/v1` for vLLM); optional otherwise."),
    apiKeyEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, "An environment variable name such as OPENAI_API_KEY.")
      .optional()
      .describe(
        "Name of the environment variable holding the API key (default: `OPENAI_API_KEY` / `ANTHROPIC_API_KEY`). Never put a key itself in a spec: in VS Code use **AgoraBench: Set API Key**.",
      ),
    sampling: Sampling.prefault({}),
    limits: Limits.prefault({}),
    price: PriceOverride.optional(),
    batch: z
      .boolean()
      .default(false)
      .describe("Use the provider's batch API (OpenAI Batch API / Anthropic Message Batches): half price, results within 24 h."),
  })
  .describe("A data generator: one model behind one API.");

export const SeedFields = z
  .strictObject({
    instruction: z.string().min(1).default("instruction").describe("Field of each seed record holding the instruction (problem)."),
    response: z.string().min(1).default("response").describe("Field of each seed record holding the response (solution)."),
    config: z.string().min(1).default("config").describe("Field naming the seed source (kept as `config` in the output)."),
  })
  .describe("Maps the seed file's field names onto instruction / response / config.");

export const Seed = z
  .strictObject({
    file: z.string().min(1).describe("Seed data file, relative to the spec: JSONL (one object a line) or a JSON array."),
    fields: SeedFields.prefault({}),
    limit: z.int().min(1).optional().describe("Use only the first N seed records (handy for a quick trial run)."),
  })
  .describe("Seed data of the setting.");

export const Setting = z
  .strictObject({
    id: Identifier.optional().describe("Id of this setting; defaults to `<domain>.<method>`, e.g. `math.instance_generation` (the CLI also accepts `math/instance_generation`)."),
    domain: Domain,
    method: Method,
    seed: Seed,
    instances: z
      .int()
      .min(1)
      .max(1_000_000)
      .default(10_000)
      .describe(
        "Instances to generate per generator. The paper uses 10,000. For response generation and quality enhancement at most one per seed record.",
      ),
    demonstrations: z
      .int()
      .min(0)
      .max(16)
      .default(3)
      .describe(
        "Demonstrations per instance-generation prompt (the paper: 3, of which 2 are sampled from the seed set). Ignored by the other methods.",
      ),
    generators: z
      .array(Identifier)
      .optional()
      .describe("Ids of the generators to run on this setting (default: all generators of the spec)."),
    metaPrompt: z
      .string()
      .min(1)
      .optional()
      .describe("Path (relative to the spec) of a meta-prompt template with `{{placeholders}}` replacing the bundled one."),
    host: Identifier.optional().describe("Host (from the hosts file) the generate stage runs on. Default: `hosts.default`."),
  })
  .describe("One AgoraBench setting: a domain × method pair with its seed data.");

export const TrainingRecipe = z
  .enum(["trl", "llama-factory", "axolotl", "custom"])
  .describe("Trainer the train stage runs: TRL `sft`, LLaMA-Factory, axolotl, or a `custom` command.");

export const Training = z
  .strictObject({
    recipe: TrainingRecipe.default("trl"),
    command: z.string().min(1).optional().describe("Command template overriding the recipe's (required for `custom`). Placeholders: `{{data}}`, `{{output}}`, `{{base}}` and the hyperparameters."),
    epochs: z.int().min(1).max(100).default(5).describe("Training epochs. The paper: 5."),
    learningRate: z.number().gt(0).max(1).default(1e-5).describe("Peak learning rate. The paper: 1e-5."),
    maxLength: z.int().min(128).max(131_072).default(4096).describe("Maximum sequence length. The paper: 4096."),
    batchSize: z.int().min(1).max(1024).default(4).describe("Per-device batch size. The paper: 4."),
    gradientAccumulation: z.int().min(1).max(1024).default(8).describe("Gradient accumulation steps. The paper: 8."),
    seed: z.int().default(42).describe("Training seed. The paper: 42."),
    precision: z.enum(["bf16", "fp16", "fp32"]).default("bf16").describe("Training precision. The paper: bf16."),
    lossOnResponsesOnly: z.boolean().default(true).describe("Compute the loss on response tokens only, as the paper does."),
    includeSeedData: z
      .boolean()
      .default(true)
      .describe("For instance generation, add the seed set to the training data (as the paper does)."),
  })
  .describe("Training recipe for the student. Defaults are the paper's hyperparameters (Table 6).");

export const Student = z
  .strictObject({
    base: z.string().min(1).default("meta-llama/Llama-3.1-8B").describe("Base model fine-tuned on the generated data."),
    reference: z
      .string()
      .min(1)
      .default("meta-llama/Llama-3.1-8B-Instruct")
      .describe("Reference model whose score defines 100% PGR."),
    training: Training.prefault({}),
    host: Identifier.optional().describe("Host the train stage runs on. Default: `hosts.default`."),
  })
  .describe("The student: base model, reference model and training recipe. Fixed across generators.");

export const EvaluationTool = z
  .enum(["lm-eval", "evalplus", "alpaca-eval", "arena-hard", "custom"])
  .describe("Evaluator: lm-evaluation-harness, EvalPlus, AlpacaEval 2.0, Arena-Hard, or a `custom` command.");

export const Benchmark = z
  .strictObject({
    id: z.enum(BENCHMARK_IDS).meta({
      description: "Benchmark id: `gsm8k`, `math`, `mbpp`, `humaneval`, `alpacaeval2` or `arenahard`.",
      markdownEnumDescriptions: BENCHMARK_IDS.map((b) => `**${BENCHMARKS[b].label}** (${DOMAIN_INFO[BENCHMARKS[b].domain].label}): ${BENCHMARKS[b].metric}, evaluated with ${BENCHMARKS[b].tool}.`),
    }),
    tool: EvaluationTool.optional().describe("Evaluator for this benchmark (default: the benchmark's usual tool)."),
    command: z.string().min(1).optional().describe("Command template overriding the tool's default recipe."),
  })
  .describe("A benchmark the student is evaluated on.");

export const Inference = z
  .strictObject({
    temperature: z
      .strictObject({
        math: z.number().min(0).max(2).default(0.2).describe("Evaluation temperature of math students (GSM8K, MATH). The paper: 0.2."),
        code: z.number().min(0).max(2).default(0.0).describe("Evaluation temperature of code students (MBPP, HumanEval). The paper: 0.0."),
        instruction_following: z.number().min(0).max(2).default(0.0).describe("Evaluation temperature of instruction-following students (AlpacaEval 2.0, Arena-Hard). The paper: 0.0."),
      })
      .prefault({})
      .describe("Evaluation temperature per domain. The paper: 0.2 for math, 0.0 otherwise."),
    topP: z.number().gt(0).max(1).default(0.95).describe("Evaluation `top_p`. The paper: 0.95."),
    maxNewTokens: z.int().min(1).max(131_072).default(1024).describe("Evaluation max new tokens. The paper: 1024."),
    repetitionPenalty: z.number().min(1).max(2).default(1.03).describe("Evaluation repetition penalty. The paper: 1.03."),
  })
  .describe("Decoding parameters used when evaluating students.");

export const Evaluation = z
  .strictObject({
    benchmarks: z
      .array(Benchmark)
      .min(1)
      .default([
        { id: "gsm8k" },
        { id: "math" },
        { id: "mbpp" },
        { id: "humaneval" },
        { id: "alpacaeval2" },
        { id: "arenahard" },
      ])
      .describe("Benchmarks per domain; a student is evaluated on its domain's benchmarks. Default: the paper's six."),
    inference: Inference.prefault({}),
    host: Identifier.optional().describe("Host the evaluate stage runs on. Default: `hosts.default`."),
    reuseBaselines: z
      .boolean()
      .default(true)
      .describe(
        "Reuse a base or reference model's score from an earlier run in the same runs folder when model, benchmark, tool, command and decoding are the same (they do not depend on the generator). Delete `<runs>/.baselines/` to evaluate them again.",
      ),
  })
  .describe("How students are evaluated.");

export const HostsRef = z
  .strictObject({
    file: z.string().min(1).default("agora.hosts.json").describe("Hosts file, relative to the spec."),
    default: Identifier.default("local").describe("Host used by stages that name none."),
  })
  .describe("Where the hosts used by this spec are defined.");

export const Budget = z
  .strictObject({
    maxUsd: z.number().min(0).max(1_000_000).describe("Hard cap on API spend for one run of this spec, in USD. Generation stops before exceeding it."),
    confirmAboveUsd: z
      .number()
      .min(0)
      .default(5)
      .describe("Ask for confirmation in VS Code before starting a run whose estimated cost is above this."),
  })
  .describe("Money limits. Estimated cost above `maxUsd` is reported in the editor.");

export const Output = z
  .strictObject({
    folder: z.string().min(1).default("runs").describe("Folder (relative to the spec) where run folders `runs/<run-id>/` are created."),
  })
  .describe("Where runs are written.");

export const ExperimentSpec = z
  .strictObject({
    $schema: z.string().optional().describe("JSON schema of this file (for editors other than VS Code)."),
    name: z.string().min(1).max(200).describe("Name of the experiment."),
    description: z.string().optional().describe("Free text describing the experiment."),
    generators: z.array(Generator).min(1).describe("The data generators compared by this experiment."),
    settings: z.array(Setting).min(1).describe("The AgoraBench settings (domain × method) to run."),
    student: Student.prefault({}),
    evaluation: Evaluation.prefault({}),
    hosts: HostsRef.prefault({}),
    budget: Budget.optional(),
    output: Output.prefault({}),
  })
  .describe("An AgoraBench experiment: generators × settings, with the student, evaluation, hosts and budget.");

export type ExperimentSpec = z.output<typeof ExperimentSpec>;
export type ExperimentSpecInput = z.input<typeof ExperimentSpec>;
export type GeneratorSpec = z.output<typeof Generator>;
export type SettingSpec = z.output<typeof Setting>;
export type StudentSpec = z.output<typeof Student>;
export type EvaluationSpec = z.output<typeof Evaluation>;

/** The id of a setting as written in a spec, or its default `<domain>.<method>`. */
export function settingId(setting: { id?: string; domain: string; method: string }): string {
  return setting.id ?? `${setting.domain}.${setting.method}`;
}
