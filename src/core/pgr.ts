/**
 * Performance Gap Recovered (PGR), as defined by AgoraBench:
 *
 *   PGR(B) = (S_student(B) − S_base(B)) / (S_reference(B) − S_base(B)) × 100
 *
 * per benchmark B; a domain's PGR is the mean of its two benchmarks; a method's average is the mean over
 * the three domains; a generator's overall score is the mean of its three method averages. PGR may be
 * negative or above 100. A reference score equal to the base score makes PGR undefined: we say so instead
 * of dividing by zero.
 */
import { z } from "zod";
import referenceData from "./data/reference-pgr.json";
import { BENCHMARK_IDS, BENCHMARKS, type BenchmarkId, DOMAIN_INFO, DOMAINS, type Domain, METHODS, type Method } from "./settings";

export class PgrError extends Error {
  constructor(
    readonly code: "missing-base" | "missing-reference" | "missing-student" | "degenerate" | "not-finite",
    message: string,
  ) {
    super(message);
    this.name = "PgrError";
  }
}

const Score = z.number().refine(Number.isFinite, "Scores must be finite numbers.");
const BenchmarkScores = z
  .partialRecord(z.enum(BENCHMARK_IDS), Score)
  .describe("Scores per benchmark id (gsm8k, math, mbpp, humaneval, alpacaeval2, arenahard), in percent.");

/** The file `agora pgr` reads and the score stage writes. */
export const ScoresFile = z
  .strictObject({
    $schema: z.string().optional(),
    unit: z.literal("percent").default("percent").describe("Scores are percentages (0–100)."),
    base: BenchmarkScores.describe("Scores of the base model (Llama-3.1-8B, few-shot)."),
    reference: BenchmarkScores.describe("Scores of the reference model (Llama-3.1-8B-Instruct)."),
    students: z
      .record(z.string().min(1), z.partialRecord(z.enum(METHODS), BenchmarkScores))
      .describe("Student scores: generator → method → benchmark. A student trained on one domain's data is scored on that domain's benchmarks."),
  })
  .describe("Base, reference and student scores per benchmark.");
export type ScoresFile = z.output<typeof ScoresFile>;

export interface BenchmarkPgr {
  benchmark: BenchmarkId;
  base: number;
  reference: number;
  student: number;
  pgr: number;
}

/** PGR of one benchmark; throws PgrError for missing or degenerate inputs. */
export function benchmarkPgr(
  benchmark: BenchmarkId,
  base: number | undefined,
  reference: number | undefined,
  student: number | undefined,
): BenchmarkPgr {
  const label = BENCHMARKS[benchmark].label;
  if (base === undefined) throw new PgrError("missing-base", `No base score for ${label} (${benchmark}).`);
  if (reference === undefined) throw new PgrError("missing-reference", `No reference score for ${label} (${benchmark}).`);
  if (student === undefined) throw new PgrError("missing-student", `No student score for ${label} (${benchmark}).`);
  for (const [name, v] of [["base", base], ["reference", reference], ["student", student]] as const) {
    if (!Number.isFinite(v)) throw new PgrError("not-finite", `The ${name} score for ${label} is not a finite number.`);
  }
  if (reference === base) {
    throw new PgrError(
      "degenerate",
      `PGR is undefined for ${label}: the reference score equals the base score (${base}), so there is no gap to recover.`,
    );
  }
  return { benchmark, base, reference, student, pgr: ((student - base) / (reference - base)) * 100 };
}

export interface DomainPgr {
  domain: Domain;
  pgr: number;
  benchmarks: BenchmarkPgr[];
}

export interface MethodPgr {
  method: Method;
  /** Domains that have scores; a domain the user did not run is absent, not an error. */
  domains: Partial<Record<Domain, DomainPgr>>;
  /** Mean over the three domains; null until all three are present. */
  average: number | null;
}

export interface GeneratorPgr {
  generator: string;
  methods: Partial<Record<Method, MethodPgr>>;
  /** Mean of the three method averages; null until all are present. */
  overall: number | null;
}

export interface PgrProblem {
  generator: string;
  method: Method;
  domain: Domain;
  code: PgrError["code"];
  message: string;
}

export interface PgrTable {
  generators: GeneratorPgr[];
  problems: PgrProblem[];
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Computes PGR for every generator × method × domain present in a scores file. */
export function computePgr(scores: ScoresFile): PgrTable {
  const problems: PgrProblem[] = [];
  const generators: GeneratorPgr[] = [];
  for (const [generator, byMethod] of Object.entries(scores.students)) {
    const methods: Partial<Record<Method, MethodPgr>> = {};
    for (const method of METHODS) {
      const studentScores = byMethod[method];
      if (!studentScores) continue;
      const domains: Partial<Record<Domain, DomainPgr>> = {};
      for (const domain of DOMAINS) {
        const ids = DOMAIN_INFO[domain].benchmarks;
        // A domain counts as run when the student has any of its benchmarks; then both are required.
        if (!ids.some((b) => studentScores[b] !== undefined)) continue;
        try {
          const benchmarks = ids.map((b) => benchmarkPgr(b, scores.base[b], scores.reference[b], studentScores[b]));
          domains[domain] = { domain, benchmarks, pgr: mean(benchmarks.map((b) => b.pgr)) };
        } catch (e) {
          if (!(e instanceof PgrError)) throw e;
          problems.push({ generator, method, domain, code: e.code, message: `${generator} / ${method} / ${domain}: ${e.message}` });
        }
      }
      const present = DOMAINS.map((d) => domains[d]).filter((d): d is DomainPgr => d !== undefined);
      methods[method] = { method, domains, average: present.length === DOMAINS.length ? mean(present.map((d) => d.pgr)) : null };
    }
    const avgs = METHODS.map((m) => methods[m]?.average);
    const overall = avgs.every((a): a is number => typeof a === "number") ? mean(avgs) : null;
    generators.push({ generator, methods, overall });
  }
  return { generators, problems };
}

/** Table 2 of the paper, as printed, plus the averages recomputed from its domain cells. */
export interface ReferenceRow {
  generator: string;
  method: Method;
  domains: Record<Domain, number>;
  printedAverage: number;
  recomputedAverage: number;
}

export interface ReferenceTable {
  source: string;
  rows: ReferenceRow[];
  /** Generator → mean of its three recomputed method averages. */
  overall: Record<string, number>;
  prices: Record<string, { input: number; output: number }>;
}

const ReferenceJson = z.object({
  source: z.string(),
  generators: z.record(
    z.string(),
    z.record(z.enum(METHODS), z.object({ math: z.number(), code: z.number(), instruction_following: z.number(), avg: z.number() })),
  ),
  pricesUsdPer1MTokens: z.record(z.string(), z.object({ input: z.number(), output: z.number() })),
});

let referenceCache: ReferenceTable | undefined;

/** The bundled reference results (validated once, so a bad edit to the data file fails loudly). */
export function referenceTable(): ReferenceTable {
  if (referenceCache) return referenceCache;
  const data = ReferenceJson.parse(referenceData);
  const rows: ReferenceRow[] = [];
  const overall: Record<string, number> = {};
  for (const [generator, byMethod] of Object.entries(data.generators)) {
    const avgs: number[] = [];
    for (const method of METHODS) {
      const cell = byMethod[method];
      const domains = { math: cell.math, code: cell.code, instruction_following: cell.instruction_following };
      const recomputedAverage = mean(DOMAINS.map((d) => domains[d]));
      avgs.push(recomputedAverage);
      rows.push({ generator, method, domains, printedAverage: cell.avg, recomputedAverage });
    }
    overall[generator] = mean(avgs);
  }
  referenceCache = { source: data.source, rows, overall, prices: data.pricesUsdPer1MTokens };
  return referenceCache;
}

/** The paper's PGR for one generator × method × domain, if the paper reports it. */
export function referencePgr(generator: string, method: Method, domain: Domain): number | undefined {
  return referenceTable().rows.find((r) => r.generator === generator && r.method === method)?.domains[domain];
}
