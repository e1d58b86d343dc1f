/**
 * Batch mode (half price): OpenAI Batch API and Anthropic Message Batches. Submit, poll, download,
 * partial failures, and resume of an in-flight batch after a restart.
 *
 * State lives in `stages/generate/<setting>/<generator>/batches.json` (write-temp-then-rename). Before a
 * batch is submitted an *intent* with its item ids is written; after submission its batch id. A restart
 * polls recorded batches instead of resubmitting them. A crash between submit and recording the id is
 * recovered for OpenAI by the intent id in the batch's metadata; Anthropic batches carry no metadata, so
 * there the intent is dropped and its items are submitted again (documented gap).
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { writeJsonAtomic } from "../core/io/atomic-json";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { toFile } from "openai";
import { stageDir } from "../core/run/layout";
import { costOf, estimateTokens, priceFor } from "./cost";
import { buildRecord, type Job, type StageControl } from "./engine";
import { planItem, type PlannedItem, promptHash, renderItemPrompt } from "./items";
import { AnthropicProvider } from "./providers/anthropic";
import { toProviderError } from "./providers/errors";
import { OpenAiProvider } from "./providers/openai";
import type { CompletionResult, Provider } from "./providers/types";
import { redact } from "./redact";
import { backoffMs, realClock } from "./scheduler";
import type { PromptLog } from "./store";

export const MAX_BATCH_ITEMS = 10_000;

interface BatchEntry {
  intentId: string;
  batchId?: string;
  indices: number[];
  reservedUsd: number;
  submittedAt?: string;
  done?: boolean;
}
interface BatchState {
  batches: BatchEntry[];
}

type BatchOutcome = { customId: string } & ({ ok: true; result: CompletionResult } | { ok: false; error: string });

interface BatchApi {
  findByIntent(intentId: string): Promise<string | undefined>;
  submit(intentId: string, items: { id: string; prompt: string }[]): Promise<string>;
  poll(batchId: string): Promise<{ status: string; ended: boolean; completed: number; failed: number }>;
  results(batchId: string): AsyncIterable<BatchOutcome>;
}

function openAiBatchApi(p: OpenAiProvider): BatchApi {
  const c = p.client;
  return {
    async findByIntent(intentId) {
      for await (const b of c.batches.list({ limit: 100 })) if (b.metadata?.agora_intent === intentId) return b.id;
      return undefined;
    },
    async submit(intentId, items) {
      const lines = items.map((i) => JSON.stringify({ custom_id: i.id, method: "POST", url: "/v1/chat/completions", body: p.body(i.prompt) }));
      const file = await c.files.create({ file: await toFile(Buffer.from(`${lines.join("\n")}\n`), "agora-batch.jsonl"), purpose: "batch" });
      const b = await c.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h", metadata: { agora_intent: intentId } });
      return b.id;
    },
    async poll(id) {
      const b = await c.batches.retrieve(id);
      return {
        status: b.status,
        ended: ["completed", "failed", "expired", "cancelled"].includes(b.status),
        completed: b.request_counts?.completed ?? 0,
        failed: b.request_counts?.failed ?? 0,
      };
    },
    async *results(id) {
      const b = await c.batches.retrieve(id);
      for (const [fileId, isError] of [
        [b.output_file_id, false],
        [b.error_file_id, true],
      ] as const) {
        if (!fileId) continue;
        const text = await (await c.files.content(fileId)).text();
        for (const line of text.split("\n")) {
          if (!line.trim()) continue;
          let rec: { custom_id: string; response?: { status_code: number; body: Record<string, unknown> } | null; error?: { message?: string } | null };
          try {
            rec = JSON.parse(line);
          } catch {
            continue;
          }
          const body = rec.response?.body as
            | { choices?: { message?: { content?: string | null }; finish_reason?: string }[]; usage?: { prompt_tokens: number; completion_tokens: number } }
            | undefined;
          if (!isError && rec.response?.status_code === 200 && body?.choices?.[0]) {
            const text2 = body.choices[0].message?.content ?? "";
            yield {
              customId: rec.custom_id,
              ok: true,
              result: {
                text: text2,
                inputTokens: body.usage?.prompt_tokens ?? 0,
                outputTokens: body.usage?.completion_tokens ?? estimateTokens(text2),
                truncated: body.choices[0].finish_reason === "length",
                rate: {},
              },
            };
          } else {
            const msg = rec.error?.message ?? (rec.response ? `HTTP ${rec.response.status_code}: ${JSON.stringify(rec.response.body).slice(0, 300)}` : "failed in batch");
            yield { customId: rec.custom_id, ok: false, error: `batch request failed: ${msg}` };
          }
        }
      }
    },
  };
}

function anthropicBatchApi(p: AnthropicProvider): BatchApi {
  const c = p.client;
  return {
    async findByIntent() {
      return undefined;
    },
    async submit(_intentId, items) {
      const b = await c.messages.batches.create({ requests: items.map((i) => ({ custom_id: i.id, params: p.body(i.prompt) })) });
      return b.id;
    },
    async poll(id) {
      const b = await c.messages.batches.retrieve(id);
      const rc = b.request_counts;
      return { status: b.processing_status, ended: b.processing_status === "ended", completed: rc.succeeded, failed: rc.errored + rc.expired + rc.canceled };
    },
    async *results(id) {
      for await (const r of await c.messages.batches.results(id)) {
        if (r.result.type === "succeeded") {
          const m = r.result.message;
          yield {
            customId: r.custom_id,
            ok: true,
            result: {
              text: m.content.map((b) => (b.type === "text" ? b.text : "")).join(""),
              inputTokens: m.usage.input_tokens,
              outputTokens: m.usage.output_tokens,
              truncated: m.stop_reason === "max_tokens",
              rate: {},
            },
          };
        } else {
          const err = r.result.type === "errored" ? `${r.result.error.error.type}: ${r.result.error.error.message}` : r.result.type;
          yield { customId: r.custom_id, ok: false, error: `batch request ${r.result.type}: ${err}` };
        }
      }
    },
  };
}

function batchApi(p: Provider): BatchApi {
  if (p instanceof OpenAiProvider) return openAiBatchApi(p);
  if (p instanceof AnthropicProvider) return anthropicBatchApi(p);
  throw new Error("This provider has no batch API.");
}

/** Transient failures of the batch endpoints themselves are retried a few times with backoff. */
async function retrying<T>(control: StageControl, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const pe = toProviderError(e, false, []);
      if (!pe.retryable || attempt >= 5 || control.stopped) throw pe;
      await realClock.sleep(pe.retryAfterMs !== undefined ? Math.min(60_000, pe.retryAfterMs) : backoffMs(attempt), control.stopCtl.signal);
    }
  }
}

export async function runBatchJob(job: Job, provider: Provider, control: StageControl, prompts: PromptLog): Promise<void> {
  const { opts, budget } = control;
  const { ctx, generator, store } = job;
  const dir = join(opts.runDir, stageDir("generate", ctx.setting.id, generator.id));
  const statePath = join(dir, "batches.json");
  mkdirSync(dir, { recursive: true });
  const state: BatchState = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, "utf8")) as BatchState) : { batches: [] };
  const save = (): void => writeJsonAtomic(statePath, state, { indent: 1 });
  const api = batchApi(provider);
  const price = priceFor(generator);
  const ev = { stage: "generate" as const, setting: ctx.setting.id, generator: generator.id };

  // 1. Recover intents whose submission outcome is unknown.
  for (const b of state.batches) {
    if (b.done || b.batchId) continue;
    b.batchId = await retrying(control, () => api.findByIntent(b.intentId));
    if (!b.batchId) b.done = true; // never submitted (or unrecoverable): its items are pending again
    save();
  }
  // 2. Submit what is neither stored nor in an open batch.
  const inFlight = new Set(state.batches.filter((b) => !b.done).flatMap((b) => b.indices));
  // Open batches keep their reservation until their results are in.
  for (const b of state.batches) if (!b.done) budget.reserved += b.reservedUsd;
  const pending: PlannedItem[] = [];
  const submitChunk = async (): Promise<void> => {
    if (!pending.length) return;
    const items = pending.splice(0);
    const rendered = items.map((it) => {
      const prompt = renderItemPrompt(ctx, generator.id, it);
      prompts.write(promptHash(prompt), ctx.setting.id, generator.id, ctx.templateSource, prompt);
      return { id: it.id, prompt };
    });
    const reservedUsd = price
      ? rendered.reduce((s, r) => s + costOf(price, { inputTokens: estimateTokens(r.prompt), outputTokens: generator.sampling.maxTokens }, true), 0)
      : 0;
    if (!budget.tryReserve(reservedUsd)) {
      if (budget.maxUsd !== undefined) opts.events.emit({ type: "budget.exceeded", ...ev, costUsd: budget.spent, maxUsd: budget.maxUsd });
      control.pause(`Budget of $${budget.maxUsd} reached: a batch of ${items.length} items could cost up to $${reservedUsd.toFixed(4)}.`);
      return;
    }
    const entry: BatchEntry = { intentId: randomUUID(), indices: items.map((i) => i.index), reservedUsd };
    state.batches.push(entry);
    save();
    entry.batchId = await retrying(control, () => api.submit(entry.intentId, rendered));
    entry.submittedAt = new Date().toISOString();
    save();
    opts.events.emit({ type: "batch.submitted", ...ev, batchId: entry.batchId, items: items.length });
  };
  for (let index = 0; index < job.total && !control.stopped; index++) {
    if (inFlight.has(index)) continue;
    const item = planItem(ctx, generator.id, index);
    if (store.has(item.id)) continue;
    pending.push(item);
    if (pending.length >= MAX_BATCH_ITEMS) await submitChunk();
  }
  if (!control.stopped) await submitChunk();

  // 3. Poll open batches; download and store results as each ends.
  const pollMs = opts.batchPollMs ?? 30_000;
  for (;;) {
    const open = state.batches.filter((b) => !b.done && b.batchId);
    if (!open.length || control.stopped) break;
    for (const b of open) {
      const s = await retrying(control, () => api.poll(b.batchId!));
      opts.events.emit({ type: "batch.status", ...ev, batchId: b.batchId!, status: s.status, completed: s.completed, failed: s.failed });
      if (!s.ended) continue;
      const byId = new Map(b.indices.map((i) => [planItem(ctx, generator.id, i).id, i]));
      const seen = new Set<string>();
      let spent = 0;
      for await (const r of api.results(b.batchId!)) {
        const index = byId.get(r.customId);
        if (index === undefined || seen.has(r.customId)) continue;
        seen.add(r.customId);
        const item = planItem(ctx, generator.id, index);
        const ph = promptHash(renderItemPrompt(ctx, generator.id, item));
        const rec = r.ok
          ? buildRecord(job, item, ph, { result: r.result, batch: true }, { latencyMs: 0, attempts: 1 })
          : buildRecord(job, item, ph, { error: redact(r.error) }, { latencyMs: 0, attempts: 1 });
        spent += rec.costUsd;
        store.append(rec);
      }
      // Items the batch never reported (expired, cancelled) are recorded as failed and retried by a later resume.
      for (const [id, index] of byId) {
        if (seen.has(id) || store.has(id)) continue;
        const item = planItem(ctx, generator.id, index);
        store.append(buildRecord(job, item, "", { error: `not in the results of batch ${b.batchId} (status ${s.status})` }, { latencyMs: 0, attempts: 1 }));
      }
      budget.settle(b.reservedUsd, spent);
      b.done = true;
      save();
      const c = store.counts;
      opts.events.emit({
        type: "progress",
        ...ev,
        done: Math.min(job.total, store.doneCount + c.failed),
        total: job.total,
        valid: c.valid,
        invalid: c.invalid,
        duplicate: c.duplicate,
        failed: c.failed,
        costUsd: c.costUsd,
        inputTokens: c.inputTokens,
        outputTokens: c.outputTokens,
      });
    }
    if (state.batches.some((b) => !b.done && b.batchId)) await realClock.sleep(pollMs, control.stopCtl.signal);
  }
}
