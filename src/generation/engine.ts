/**
 * The generate stage: for every setting × generator of a plan, renders each item's meta-prompt, sends it
 * through the generator's scheduler and provider, parses and validates the output, filters duplicates,
 * and appends the record to the store — resumably (stored ids are skipped) and within the budget.
 */
import { setMaxListeners } from "node:events";
import type { EventSink } from "../core/run/event-log";
import type { PlannedSetting, RunPlan } from "../core/run/plan";
import type { GeneratedItem } from "../core/run/record";
import { findSetting } from "../core/settings";
import type { GeneratorSpec } from "../core/spec/model";
import { runBatchJob } from "./batch";
import { Budget, costOf, estimateTokens, priceFor } from "./cost";
import { DuplicateIndex } from "./dedup";
import { itemCount, loadSettingContext, planItem, type PlannedItem, promptHash, renderItemPrompt, type SettingContext } from "./items";
import { parseOutput } from "./parse";
import { createProvider, type CompletionResult, type Provider, ProviderError } from "./providers";
import { redact } from "./redact";
import { AbortedError, backoffMs, CircuitBreaker, type Clock, realClock, Scheduler } from "./scheduler";
import { ItemStore, PromptLog } from "./store";

export interface GenerateStageOptions {
  runDir: string;
  plan: RunPlan;
  /** Setting ids or refs (`math/instance_generation`); empty = all of the plan. */
  settings?: string[];
  /** Generator ids; empty = all of each setting. */
  generators?: string[];
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  events: EventSink;
  /** Stream responses (default true): stalls are detected per chunk instead of only at the total timeout. */
  stream?: boolean;
  /** Consecutive failed attempts (5xx, timeouts, drops) that open the circuit breaker. Default 8. */
  circuitBreakerThreshold?: number;
  progressIntervalMs?: number;
  /** Batch polling interval (default 30 s; tests use less). */
  batchPollMs?: number;
  clock?: Clock;
  random?: () => number;
}

export interface GenerateStageResult {
  ok: boolean;
  paused?: string;
  costUsd: number;
  items: number;
  valid: number;
  invalid: number;
  duplicate: number;
  failed: number;
}

export interface Job {
  ctx: SettingContext;
  generator: GeneratorSpec;
  store: ItemStore;
  dedup: DuplicateIndex;
  total: number;
}

/** Shared state of one stage run: stop conditions, budget, events. */
export class StageControl {
  pausedReason?: string;
  readonly stopCtl = new AbortController();
  /**
   * The caller's signal (SIGTERM, Stop) as one the requests in flight may listen on: each attempt adds a
   * listener, and a concurrency of 32 would otherwise trip Node's leak warning on the caller's signal.
   * Unlike `stopCtl` it does not fire on a pause: requests already sent finish and are stored.
   */
  readonly callerCtl = new AbortController();
  constructor(
    readonly opts: GenerateStageOptions,
    readonly budget: Budget,
  ) {
    // Every waiting request listens on these signals; hundreds at once is normal, not a leak.
    setMaxListeners(0, this.stopCtl.signal, this.callerCtl.signal);
    opts.signal?.addEventListener(
      "abort",
      () => {
        this.callerCtl.abort();
        this.stopCtl.abort();
      },
      { once: true },
    );
    if (opts.signal?.aborted) {
      this.callerCtl.abort();
      this.stopCtl.abort();
    }
  }
  get stopped(): boolean {
    return this.stopCtl.signal.aborted;
  }
  pause(reason: string): void {
    if (this.pausedReason === undefined && !this.opts.signal?.aborted) this.pausedReason = reason;
    this.stopCtl.abort();
  }
}

function matchesSetting(s: PlannedSetting, refs: string[] | undefined): boolean {
  if (!refs?.length) return true;
  return refs.some((r) => {
    if (r === s.id) return true;
    const info = findSetting(r);
    return !!info && info.domain === s.domain && info.method === s.method;
  });
}

/** Text a duplicate is judged on: the new instruction, or for response generation the response. */
export function dedupText(method: string, instruction: string, response: string): string {
  return method === "response_generation" ? response : instruction;
}

export async function openJobs(opts: Pick<GenerateStageOptions, "runDir" | "plan" | "settings" | "generators">): Promise<Job[]> {
  const jobs: Job[] = [];
  const settings = opts.plan.settings.filter((s) => matchesSetting(s, opts.settings));
  if (!settings.length) throw new Error(`No setting of the plan matches ${opts.settings?.join(", ")}. Plan settings: ${opts.plan.settings.map((s) => s.id).join(", ")}.`);
  for (const setting of settings) {
    const ctx = await loadSettingContext(opts.plan, setting);
    for (const gid of setting.generators) {
      if (opts.generators?.length && !opts.generators.includes(gid)) continue;
      const generator = opts.plan.generators.find((g) => g.id === gid);
      if (!generator) throw new Error(`Plan has no generator "${gid}".`);
      const dedup = new DuplicateIndex();
      const { store } = await ItemStore.open(opts.runDir, setting.id, gid, (rec) => {
        if (rec.status === "valid") dedup.add(rec.id, dedupText(setting.method, rec.instruction, rec.response));
      });
      jobs.push({ ctx, generator, store, dedup, total: itemCount(setting, ctx.seeds.length) });
    }
  }
  if (!jobs.length) throw new Error(`No generator of the chosen settings matches ${opts.generators?.join(", ")}.`);
  return jobs;
}

/**
 * Turns a response (or a final failure) into the stored record: parse, validate, dedup, cost. The record
 * is built field by field in the stored key order (no spread copies of a base object): it runs for every
 * item, and its garbage counts.
 */
export function buildRecord(
  job: Job,
  item: PlannedItem,
  ph: string,
  outcome: { result: CompletionResult; batch: boolean } | { error: string },
  meta: { latencyMs: number; attempts: number },
): GeneratedItem {
  const { ctx, generator } = job;
  const { setting, seeds } = ctx;
  const seed = item.seedIndex !== null ? seeds[item.seedIndex] : undefined;
  const rec: Record<string, unknown> = {
    id: item.id,
    setting: setting.id,
    domain: setting.domain,
    method: setting.method,
    generator: generator.id,
    model: generator.model,
    index: item.index,
    seedIndex: item.seedIndex,
  };
  if (item.demonstrationIndices) rec.demonstrationIndices = item.demonstrationIndices;
  rec.config = seed?.config ?? (item.demonstrationIndices?.length ? seeds[item.demonstrationIndices[0]!]!.config : ctx.defaultConfig);
  if (setting.method === "quality_enhancement" && seed) rec.original = { instruction: seed.instruction, response: seed.response };
  rec.promptHash = ph;
  rec.latencyMs = Math.round(meta.latencyMs);
  rec.attempts = Math.max(1, meta.attempts);
  rec.createdAt = new Date().toISOString();
  if ("error" in outcome) {
    rec.status = "failed";
    rec.reason = outcome.error;
    rec.instruction = seed?.instruction ?? "";
    rec.response = "";
    rec.usage = { inputTokens: 0, outputTokens: 0 };
    rec.costUsd = 0;
    return rec as unknown as GeneratedItem;
  }
  const r = outcome.result;
  const price = priceFor(generator);
  const usage: GeneratedItem["usage"] = { inputTokens: r.inputTokens, outputTokens: r.outputTokens };
  if (r.cachedInputTokens) usage.cachedInputTokens = r.cachedInputTokens;
  const parsed = parseOutput(setting.domain, setting.method, r.text, { seedInstruction: seed?.instruction, truncated: r.truncated });
  if (parsed.ok) {
    const dup = job.dedup.checkAndAdd(item.id, dedupText(setting.method, parsed.instruction, parsed.response));
    rec.status = dup ? "duplicate" : "valid";
    if (dup) rec.reason = `${dup.kind} duplicate of item ${dup.of}`;
  } else {
    rec.status = "invalid";
    rec.reason = parsed.reason;
  }
  rec.instruction = parsed.instruction;
  rec.response = parsed.response;
  rec.raw = r.text;
  rec.usage = usage;
  rec.costUsd = price ? costOf(price, usage, outcome.batch) : 0;
  if (outcome.batch) rec.batch = true;
  if (r.usageEstimated) rec.usageEstimated = true;
  return rec as unknown as GeneratedItem;
}

/** Progress reporting per job, throttled; throughput over a sliding window of samples. */
export class Progress {
  private samples: { t: number; done: number }[] = [];
  private last = 0;
  constructor(
    private readonly job: Job,
    private readonly events: EventSink,
    private readonly intervalMs: number,
    private readonly clock: Clock,
  ) {}
  tick(force = false): void {
    const now = this.clock.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    const { store, total, ctx, generator } = this.job;
    const c = store.counts;
    const done = store.doneCount + c.failed;
    this.samples.push({ t: now, done });
    while (this.samples.length > 2 && now - this.samples[0]!.t > 60_000) this.samples.shift();
    const first = this.samples[0]!;
    const span = now - first.t;
    const throughputPerMin = span > 0 ? ((done - first.done) / span) * 60_000 : 0;
    this.events.emit({
      type: "progress",
      stage: "generate",
      setting: ctx.setting.id,
      generator: generator.id,
      done: Math.min(done, total),
      total,
      valid: c.valid,
      invalid: c.invalid,
      duplicate: c.duplicate,
      failed: c.failed,
      throughputPerMin: Math.round(throughputPerMin * 10) / 10,
      costUsd: Math.round(c.costUsd * 1e6) / 1e6,
      inputTokens: c.inputTokens,
      outputTokens: c.outputTokens,
    });
  }
}

/** Throttles repeated errors of one kind to one event per interval, with a count of the ones folded in. */
class ErrorReporter {
  private lastAt = new Map<string, number>();
  private folded = new Map<string, number>();
  constructor(
    private readonly events: EventSink,
    private readonly clock: Clock,
  ) {}
  report(job: Job, kind: string, message: string, retryable: boolean): void {
    const key = `${job.generator.id}|${kind}`;
    const now = this.clock.now();
    if (now - (this.lastAt.get(key) ?? -Infinity) < 2000) {
      this.folded.set(key, (this.folded.get(key) ?? 0) + 1);
      return;
    }
    const n = this.folded.get(key) ?? 0;
    this.lastAt.set(key, now);
    this.folded.set(key, 0);
    this.events.emit({
      type: "error",
      stage: "generate",
      setting: job.ctx.setting.id,
      generator: job.generator.id,
      code: kind,
      retryable,
      message: n ? `${message} (+${n} similar)` : message,
    });
  }
}

interface GeneratorRuntime {
  provider: Provider;
  scheduler: Scheduler;
  breaker: CircuitBreaker;
  /** Running mean of output tokens, for token-bucket estimates. */
  meanOutput: number;
  lastRateEvent: number;
}

async function runOnlineJob(job: Job, rt: GeneratorRuntime, control: StageControl, prompts: PromptLog, errors: ErrorReporter): Promise<void> {
  const { opts, budget } = control;
  const clock = opts.clock ?? realClock;
  const random = opts.random ?? Math.random;
  const { generator, store, ctx } = job;
  const limits = generator.limits;
  const price = priceFor(generator);
  const progress = new Progress(job, opts.events, opts.progressIntervalMs ?? 1000, clock);
  const stopSignal = control.stopCtl.signal;

  const processItem = async (item: PlannedItem): Promise<void> => {
    const prompt = renderItemPrompt(ctx, generator.id, item);
    const ph = promptHash(prompt);
    prompts.write(ph, ctx.setting.id, generator.id, ctx.templateSource, prompt);
    const inputEst = estimateTokens(prompt);
    const worstUsd = price ? costOf(price, { inputTokens: inputEst, outputTokens: generator.sampling.maxTokens }) : 0;
    let attempts = 0;
    let rateLimited = 0;
    const started = clock.now();
    for (;;) {
      if (control.stopped) return;
      if (!budget.tryReserve(worstUsd)) {
        if (budget.reserved > 0) {
          await budget.nextSettle();
          continue;
        }
        if (budget.maxUsd !== undefined && !control.pausedReason) {
          opts.events.emit({ type: "budget.exceeded", stage: "generate", setting: ctx.setting.id, generator: generator.id, costUsd: budget.spent, maxUsd: budget.maxUsd });
        }
        control.pause(`Budget of $${budget.maxUsd} reached: $${budget.spent.toFixed(4)} spent, the next request could cost up to $${worstUsd.toFixed(4)}.`);
        return;
      }
      let permit;
      try {
        permit = await rt.scheduler.acquire(inputEst + Math.round(rt.meanOutput), stopSignal);
      } catch (e) {
        budget.settle(worstUsd, 0);
        if (e instanceof AbortedError) return;
        throw e;
      }
      if (control.stopped) {
        permit.release(0);
        budget.settle(worstUsd, 0);
        return;
      }
      attempts++;
      try {
        const result = await rt.provider.complete({
          prompt,
          idempotencyKey: `agora-${item.id}`,
          stream: opts.stream ?? true,
          timeoutMs: limits.timeoutSeconds * 1000,
          signal: opts.signal ? control.callerCtl.signal : undefined,
        });
        permit.release(result.inputTokens + result.outputTokens);
        rt.scheduler.noteRateInfo(result.rate, permit);
        rt.scheduler.noteSuccess();
        rt.breaker.success();
        rt.meanOutput = rt.meanOutput * 0.95 + result.outputTokens * 0.05;
        const rec = buildRecord(job, item, ph, { result, batch: false }, { latencyMs: clock.now() - started, attempts });
        budget.settle(worstUsd, rec.costUsd);
        store.append(rec);
        progress.tick();
        return;
      } catch (e) {
        permit.release(0);
        budget.settle(worstUsd, 0);
        const pe = e instanceof ProviderError ? e : new ProviderError(redact(String(e)), "server");
        if (pe.kind === "aborted" || opts.signal?.aborted) return;
        if (pe.kind === "rate_limit") {
          attempts--; // 429s are paced by the scheduler, not counted as failures; bounded separately
          rateLimited++;
          const wait = rt.scheduler.noteRateLimited(pe.retryAfterMs, permit);
          rt.scheduler.noteRateInfo(pe.rate, permit);
          if (clock.now() - rt.lastRateEvent > 1000) {
            rt.lastRateEvent = clock.now();
            opts.events.emit({ type: "rate-limited", stage: "generate", setting: ctx.setting.id, generator: generator.id, retryAfterMs: wait, message: pe.message });
          }
          if (rateLimited <= Math.max(20, limits.maxRetries * 10)) continue;
        }
        if (pe.kind === "auth") {
          errors.report(job, pe.kind, pe.message, false);
          control.pause(`Generator "${generator.id}": the API key was rejected (${pe.status}). Fix the key and resume.`);
          return;
        }
        errors.report(job, pe.kind, pe.message, pe.retryable);
        if (pe.retryable && pe.kind !== "rate_limit" && rt.breaker.failure(pe.message)) {
          control.pause(
            `Generator "${generator.id}" looks down: ${rt.breaker.failures} consecutive failed requests (last: ${pe.message}). The run is paused; resume when the provider is back.`,
          );
          return;
        }
        if (!pe.retryable || attempts > limits.maxRetries) {
          store.append(buildRecord(job, item, ph, { error: `${pe.message} (after ${attempts} attempt${attempts === 1 ? "" : "s"})` }, { latencyMs: clock.now() - started, attempts }));
          progress.tick();
          return;
        }
        const wait = pe.retryAfterMs !== undefined ? Math.min(rt.scheduler.maxRetryAfterMs, pe.retryAfterMs) : backoffMs(attempts - 1, random);
        await clock.sleep(wait, stopSignal);
      }
    }
  };

  // Items are produced lazily, with a bounded number outstanding, so memory does not grow with the run.
  const maxOutstanding = limits.concurrency * 2;
  let outstanding = 0;
  let wake: (() => void) | undefined;
  let failure: unknown;
  for (let index = 0; index < job.total && !control.stopped && failure === undefined; index++) {
    const item = planItem(ctx, generator.id, index);
    if (store.has(item.id)) continue;
    while (outstanding >= maxOutstanding) await new Promise<void>((r) => (wake = r));
    if (control.stopped) break;
    outstanding++;
    processItem(item)
      .catch((e: unknown) => {
        failure ??= e;
        control.pause(`Internal error: ${redact(String(e))}`);
      })
      .finally(() => {
        outstanding--;
        const w = wake;
        wake = undefined;
        w?.();
      });
  }
  while (outstanding > 0) await new Promise<void>((r) => (wake = r));
  progress.tick(true);
  if (failure !== undefined) throw failure;
}

export async function runGenerateStage(opts: GenerateStageOptions): Promise<GenerateStageResult> {
  const clock = opts.clock ?? realClock;
  const { events, plan } = opts;
  events.emit({ type: "stage.started", stage: "generate" });
  let jobs: Job[];
  try {
    jobs = await openJobs(opts);
  } catch (e) {
    const message = redact((e as Error).message);
    events.emit({ type: "error", stage: "generate", message });
    events.emit({ type: "stage.finished", stage: "generate", exitCode: 1, ok: false, message });
    return { ok: false, costUsd: 0, items: 0, valid: 0, invalid: 0, duplicate: 0, failed: 0 };
  }
  const prior = jobs.reduce((s, j) => s + j.store.counts.costUsd, 0);
  const maxUsd = plan.specSnapshot.budget?.maxUsd;
  const control = new StageControl(opts, new Budget(prior, maxUsd));
  const prompts = new PromptLog(opts.runDir);
  const errors = new ErrorReporter(events, clock);

  const runtimes = new Map<string, GeneratorRuntime>();
  let fatal: string | undefined;
  for (const job of jobs) {
    const g = job.generator;
    if (runtimes.has(g.id)) continue;
    if (!priceFor(g)) {
      events.emit({
        type: "log",
        stage: "generate",
        generator: g.id,
        level: "warning",
        message: `No price known for model "${g.model}": its cost is recorded as $0${maxUsd !== undefined ? " and the budget cap cannot limit it" : ""}. Set generators[].price in the spec.`,
      });
    }
    try {
      runtimes.set(g.id, {
        provider: createProvider(g, opts.env),
        scheduler: new Scheduler(g.limits, clock),
        breaker: new CircuitBreaker(opts.circuitBreakerThreshold ?? 8),
        meanOutput: Math.min(g.sampling.maxTokens, 512),
        lastRateEvent: -Infinity,
      });
    } catch (e) {
      fatal = redact((e as Error).message, [opts.env[g.apiKeyEnv ?? ""] ?? ""]);
    }
  }
  let internal: unknown;
  if (!fatal) {
    const results = await Promise.allSettled(
      jobs.map((job) => {
        const rt = runtimes.get(job.generator.id)!;
        return job.generator.batch ? runBatchJob(job, rt.provider, control, prompts) : runOnlineJob(job, rt, control, prompts, errors);
      }),
    );
    internal = results.find((r): r is PromiseRejectedResult => r.status === "rejected")?.reason;
  }
  for (const rt of runtimes.values()) rt.scheduler.close();
  prompts.close();
  for (const j of jobs) j.store.close();

  const sum = { costUsd: 0, items: 0, valid: 0, invalid: 0, duplicate: 0, failed: 0 };
  for (const j of jobs) {
    const c = j.store.counts;
    sum.costUsd += c.costUsd;
    sum.items += j.store.doneCount;
    sum.valid += c.valid;
    sum.invalid += c.invalid;
    sum.duplicate += c.duplicate;
    sum.failed += c.failed;
  }
  const usage = process.resourceUsage();
  events.emit({
    type: "log",
    stage: "generate",
    level: "debug",
    message: `engine: cpu ${Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000)} ms, max RSS ${Math.round(usage.maxRSS / 1024)} MB`,
  });
  if (fatal || internal !== undefined) {
    const message = fatal ?? `Internal error: ${redact(String((internal as Error)?.stack ?? internal))}`;
    events.emit({ type: "error", stage: "generate", message });
    events.emit({ type: "stage.finished", stage: "generate", exitCode: 1, ok: false, message });
    return { ok: false, ...sum };
  }
  if (control.pausedReason) {
    events.emit({ type: "paused", stage: "generate", reason: control.pausedReason });
    return { ok: false, paused: control.pausedReason, ...sum };
  }
  if (opts.signal?.aborted) {
    const reason = "Stopped before the end; run `agora resume` to continue.";
    events.emit({ type: "paused", stage: "generate", reason });
    return { ok: false, paused: reason, ...sum };
  }
  const complete = jobs.every((j) => j.store.doneCount >= j.total);
  const message = `${sum.items} items (${sum.valid} valid, ${sum.invalid} invalid, ${sum.duplicate} duplicate, ${sum.failed} failed), $${sum.costUsd.toFixed(4)}`;
  events.emit({ type: "stage.finished", stage: "generate", exitCode: 0, ok: complete, message: complete ? message : `${message}; some items failed — resume to retry them` });
  return { ok: complete, ...sum };
}
