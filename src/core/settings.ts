/**
 * The nine AgoraBench settings (3 domains × 3 methods) and the fixed facts of the paper around them:
 * seed data, seed size, student benchmarks, and the reference code's names. Everything that varies in an
 * AgoraBench experiment is the data generator; everything in this file stays fixed.
 */

export const DOMAINS = ["math", "code", "instruction_following"] as const;
export const METHODS = ["instance_generation", "response_generation", "quality_enhancement"] as const;
export const BENCHMARK_IDS = ["gsm8k", "math", "mbpp", "humaneval", "alpacaeval2", "arenahard"] as const;

export type Domain = (typeof DOMAINS)[number];
export type Method = (typeof METHODS)[number];
export type BenchmarkId = (typeof BENCHMARK_IDS)[number];

export interface BenchmarkInfo {
  id: BenchmarkId;
  label: string;
  domain: Domain;
  /** The evaluator the paper (and our default recipe) uses. */
  tool: "lm-eval" | "evalplus" | "alpaca-eval" | "arena-hard";
  /** What the score means, for tooltips and reports. */
  metric: string;
}

export const BENCHMARKS: Readonly<Record<BenchmarkId, BenchmarkInfo>> = {
  gsm8k: { id: "gsm8k", label: "GSM8K", domain: "math", tool: "lm-eval", metric: "exact match of the final answer (%)" },
  math: { id: "math", label: "MATH", domain: "math", tool: "lm-eval", metric: "exact match of the final answer (%)" },
  mbpp: { id: "mbpp", label: "MBPP", domain: "code", tool: "evalplus", metric: "pass@1 (%)" },
  humaneval: { id: "humaneval", label: "HumanEval", domain: "code", tool: "evalplus", metric: "pass@1 (%)" },
  alpacaeval2: {
    id: "alpacaeval2",
    label: "AlpacaEval 2.0",
    domain: "instruction_following",
    tool: "alpaca-eval",
    metric: "length-controlled win rate (%)",
  },
  arenahard: { id: "arenahard", label: "Arena-Hard", domain: "instruction_following", tool: "arena-hard", metric: "win rate (%)" },
};

export interface DomainInfo {
  id: Domain;
  label: string;
  /** Domain name in the reference code (neulab/data-agora). */
  referenceName: "math" | "code" | "general";
  benchmarks: readonly [BenchmarkId, BenchmarkId];
  /** Decoding temperature used when evaluating students of this domain. */
  evalTemperature: number;
}

export const DOMAIN_INFO: Readonly<Record<Domain, DomainInfo>> = {
  math: { id: "math", label: "Math", referenceName: "math", benchmarks: ["gsm8k", "math"], evalTemperature: 0.2 },
  code: { id: "code", label: "Code", referenceName: "code", benchmarks: ["mbpp", "humaneval"], evalTemperature: 0.0 },
  instruction_following: {
    id: "instruction_following",
    label: "Instruction following",
    referenceName: "general",
    benchmarks: ["alpacaeval2", "arenahard"],
    evalTemperature: 0.0,
  },
};

export interface MethodInfo {
  id: Method;
  label: string;
  /** One sentence for hovers and tree tooltips. */
  summary: string;
  /** Which seed fields the method reads: instance generation needs both, response generation only instructions. */
  seedNeeds: { instruction: boolean; response: boolean };
}

export const METHOD_INFO: Readonly<Record<Method, MethodInfo>> = {
  instance_generation: {
    id: "instance_generation",
    label: "Instance generation",
    summary:
      "The generator sees a few demonstrations sampled from the seed set and writes a new instruction together with its response.",
    seedNeeds: { instruction: true, response: true },
  },
  response_generation: {
    id: "response_generation",
    label: "Response generation",
    summary: "The generator writes a response for each seed instruction; the instructions are kept as they are.",
    seedNeeds: { instruction: true, response: false },
  },
  quality_enhancement: {
    id: "quality_enhancement",
    label: "Quality enhancement",
    summary: "The generator rewrites each low-quality seed instance (instruction and response) into an improved one.",
    seedNeeds: { instruction: true, response: true },
  },
};

export interface SettingInfo {
  /** `<domain>.<method>`, the default setting id in specs. */
  id: string;
  domain: Domain;
  method: Method;
  /** Seed data the paper used. */
  seedSource: string;
  seedSize: number;
  /** `config` value of the reference code's seed records. */
  seedConfig: string;
  /** Instances each generator produces in the paper. */
  instances: number;
  benchmarks: readonly [BenchmarkId, BenchmarkId];
}

function setting(domain: Domain, method: Method, seedSource: string, seedSize: number, seedConfig: string): SettingInfo {
  return {
    id: `${domain}.${method}`,
    domain,
    method,
    seedSource,
    seedSize,
    seedConfig,
    instances: 10_000,
    benchmarks: DOMAIN_INFO[domain].benchmarks,
  };
}

/** The nine settings in the paper's order (domain-major, as Table 2 reads them per method). */
export const SETTINGS: readonly SettingInfo[] = [
  setting("math", "instance_generation", "GSM8K + MATH train", 14_856, "math"),
  setting("math", "response_generation", "Magpie-Reasoning (math)", 10_000, "magpie_math"),
  setting("math", "quality_enhancement", "WebInstruct (math part)", 10_000, "webinstruct_math"),
  setting("code", "instance_generation", "MBPP train + xP3x", 874, "mbpp"),
  setting("code", "response_generation", "Magpie-Reasoning (code)", 10_000, "magpie_code"),
  setting("code", "quality_enhancement", "CoNaLa", 10_000, "conala"),
  setting("instruction_following", "instance_generation", "LIMA", 503, "lima"),
  setting("instruction_following", "response_generation", "Magpie-Pro", 10_000, "magpie_general"),
  setting("instruction_following", "quality_enhancement", "WebInstruct (non-math part)", 10_000, "webinstruct_general"),
];

/** Paper defaults for generators (reference code): sampling and the stop phrase. */
export const PAPER_GENERATION_DEFAULTS = { temperature: 1.0, topP: 0.9, maxTokens: 4096, stop: ["[END]"] } as const;

/**
 * Finds a setting by `math.instance_generation`, `math/instance_generation` or the reference code's
 * domain name (`general/response_generation`). Returns undefined for anything else.
 */
export function findSetting(ref: string): SettingInfo | undefined {
  const [d, m] = ref.trim().split(/[./]/, 2);
  const domain = (DOMAINS as readonly string[]).includes(d ?? "")
    ? (d as Domain)
    : DOMAINS.find((x) => DOMAIN_INFO[x].referenceName === d);
  if (!domain) return undefined;
  return SETTINGS.find((s) => s.domain === domain && s.method === m);
}

export function isDomain(x: string): x is Domain {
  return (DOMAINS as readonly string[]).includes(x);
}
export function isMethod(x: string): x is Method {
  return (METHODS as readonly string[]).includes(x);
}
export function isBenchmarkId(x: string): x is BenchmarkId {
  return (BENCHMARK_IDS as readonly string[]).includes(x);
}
