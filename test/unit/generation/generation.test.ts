import assert from "node:assert/strict";
import { costOf, lookupPrice } from "../../../src/core/pricing";
import { Budget } from "../../../src/generation/cost";
import { DuplicateIndex } from "../../../src/generation/dedup";
import { parseOutput, splitInputOutput } from "../../../src/generation/parse";
import { bundledTemplate } from "../../../src/generation/prompts/bundled";
import { checkTemplate, parseTemplate, renderTemplate, TemplateError } from "../../../src/generation/prompts/template";
import { parseDuration, rateInfo, retryAfterMs } from "../../../src/generation/providers/types";
import { redact } from "../../../src/generation/redact";
import { backoffMs, CircuitBreaker, type Clock, Scheduler, TokenBucket } from "../../../src/generation/scheduler";
import { DOMAINS, METHODS } from "../../../src/core/settings";

/** A virtual clock: time moves only when the test says so. */
class VirtualClock implements Clock {
  t = 1_000_000;
  now(): number {
    return this.t;
  }
  async sleep(): Promise<void> {}
}

describe("generation: templates", () => {
  it("bundles one valid template per setting, with the placeholders its method needs", () => {
    for (const d of DOMAINS)
      for (const m of METHODS) {
        const t = parseTemplate(bundledTemplate(d, m));
        assert.doesNotThrow(() => checkTemplate(t, m), `${d}.${m}`);
        assert.ok(!t.text.includes("{{!"), "comments are stripped");
      }
  });
  it("renders in one pass, rejects unknown and missing placeholders", () => {
    const t = parseTemplate("{{! note }}\nQ: {{instruction}} / {{ response }}");
    assert.equal(renderTemplate(t, { instruction: "a {{response}}", response: "b" }), "Q: a {{response}} / b");
    assert.throws(() => renderTemplate(t, { instruction: "x" }), TemplateError);
    assert.throws(() => checkTemplate(parseTemplate("{{instruction}} {{bogus}}"), "response_generation"), /Unknown placeholder/);
    assert.throws(() => checkTemplate(parseTemplate("no slots"), "quality_enhancement"), /must use/);
    assert.throws(() => parseTemplate("{{bad name}}"), /Malformed/);
  });
});

describe("generation: output parsing and validation", () => {
  it("splits INPUT/OUTPUT with or without the leading INPUT:", () => {
    assert.deepEqual(splitInputOutput("INPUT: q\nOUTPUT: a"), { instruction: "q", response: "a" });
    assert.deepEqual(splitInputOutput("q here\nOUTPUT: a"), { instruction: "q here", response: "a" });
    assert.equal(splitInputOutput("no sections"), undefined);
  });
  it("math needs exactly one final [RESULT] … [/RESULT] (or Q.E.D.)", () => {
    assert.equal(parseOutput("math", "response_generation", "2+2=4\n[RESULT] 4 [/RESULT]\n[END] junk").ok, true);
    assert.equal(parseOutput("math", "response_generation", "Therefore it holds. Q.E.D.").ok, true);
    const two = parseOutput("math", "response_generation", "[RESULT] 1 [/RESULT] [RESULT] 2 [/RESULT]");
    assert.equal(two.ok, false);
    assert.match(!two.ok ? two.reason : "", /exactly one/);
    assert.equal(parseOutput("math", "response_generation", "[RESULT] 4 [/RESULT] and more text").ok, false);
    assert.equal(parseOutput("math", "response_generation", "[RESULT]  [/RESULT]").ok, false);
    assert.equal(parseOutput("math", "response_generation", "").ok, false);
  });
  it("code needs exactly one fenced block; instance methods need an instruction; truncation is invalid", () => {
    assert.equal(parseOutput("code", "instance_generation", "INPUT: t\nOUTPUT: x\n```python\nprint(1)\n```").ok, true);
    assert.equal(parseOutput("code", "instance_generation", "INPUT: t\nOUTPUT: print(1)").ok, false);
    assert.equal(parseOutput("code", "quality_enhancement", "INPUT: t\nOUTPUT: ```\na\n```\n```\nb\n```").ok, false);
    assert.equal(parseOutput("instruction_following", "instance_generation", "OUTPUT: a").ok, false);
    assert.equal(parseOutput("instruction_following", "response_generation", "fine", { truncated: true }).ok, false);
    const rg = parseOutput("instruction_following", "response_generation", "Sure.", { seedInstruction: "Say hi" });
    assert.deepEqual(rg, { ok: true, instruction: "Say hi", response: "Sure." });
  });
});

describe("generation: duplicates", () => {
  it("finds exact (normalised) and near duplicates, not distinct texts", () => {
    const d = new DuplicateIndex();
    const a = "Mia buys twelve red apples at the market and gives three of them to her brother Tom. How many apples does Mia keep for herself after that?";
    d.add("a", a);
    assert.deepEqual(d.check(a.toUpperCase().replace(/ /g, "  ")), { kind: "exact", of: "a" });
    assert.equal(d.check(a.replace("twelve", "eleven"))?.kind, "near");
    assert.equal(d.check("Write a Python function that reverses a linked list in place and returns the new head node."), undefined);
  });
});

describe("generation: scheduler (virtual clock)", () => {
  it("token bucket: burst, then the configured rate; capacity caps huge requests", () => {
    const b = new TokenBucket(2, 1 / 1000, 0);
    assert.equal(b.waitFor(1, 0), 0);
    b.take(2, 0);
    assert.equal(b.waitFor(1, 0), 1000);
    assert.equal(b.waitFor(1, 500), 500);
    assert.equal(b.waitFor(100, 2000), 0, "a request larger than the bucket waits for a full bucket only");
  });
  it("limits concurrency and requests/min, backs off on 429 and recovers", async () => {
    const clock = new VirtualClock();
    const s = new Scheduler({ concurrency: 2, requestsPerMinute: 600, tokensPerMinute: 1e9 }, clock);
    const p1 = await s.acquire(10);
    await s.acquire(10);
    let third = false;
    const p3 = s.acquire(10).then((p) => ((third = true), p));
    await new Promise((r) => setImmediate(r));
    assert.equal(third, false, "concurrency 2");
    p1.release(10);
    await new Promise((r) => setTimeout(r, 5));
    // 600/min = 10/s with a burst of 10: the third fits the bucket once a slot frees.
    assert.equal(third, true);
    (await p3).release();
    const wait = s.noteRateLimited(120_000);
    assert.equal(wait, 60_000, "retry-after is honoured but bounded");
    assert.ok(s.rateFactor < 1);
    for (let i = 0; i < 100; i++) s.noteSuccess();
    assert.equal(s.rateFactor, 1);
    s.close();
  });
  it("rate-limit headers cap the bucket at what the provider had left, without waiting for the full reset", async () => {
    const clock = new VirtualClock();
    // 600/min: 10 requests a second, a burst of one second (9.85 with the 1.5% headroom).
    const s = new Scheduler({ concurrency: 50, requestsPerMinute: 600, tokensPerMinute: 1e9 }, clock);
    const first = await s.acquire(1);
    assert.ok(first.requestsLeft > 8, "our bucket started full");
    // The provider says: after admitting that request, nothing was left; full again in 1 s.
    s.noteRateInfo({ remainingRequests: 0, resetRequestsMs: 1000 }, first);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) void s.acquire(1).then(() => got.push(clock.t));
    await new Promise((r) => setImmediate(r));
    assert.equal(got.length, 1, "the provider rounds down: one request may still fit, a burst does not");
    clock.t += 110; // one request interval at 10/s (≈ 102 ms), far less than the 1 s reset
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(got.length, 2);
    clock.t += 110;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(got.length, 3);
    s.close();
  });
  it("'0 left' from a request sent at the paced rate changes nothing (our bucket was no fuller than the provider's)", async () => {
    const clock = new VirtualClock();
    const s = new Scheduler({ concurrency: 50, requestsPerMinute: 600, tokensPerMinute: 1e9 }, clock);
    const permits = [];
    for (let i = 0; i < 9; i++) permits.push(await s.acquire(1)); // the whole burst (9.85 tokens)
    const last = permits.at(-1)!;
    assert.ok(last.requestsLeft < 1);
    s.noteRateInfo({ remainingRequests: 0, resetRequestsMs: 1000 }, last);
    let next = -1;
    void s.acquire(1).then(() => (next = clock.t));
    clock.t += 110;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(next, clock.t, "the next request went out one interval later, not after the reset");
    s.close();
  });
  it("cuts the rate once per 429 episode: 429s of requests sent before the cut do not cut it again", async () => {
    const clock = new VirtualClock();
    const s = new Scheduler({ concurrency: 50, requestsPerMinute: 6000, tokensPerMinute: 1e9 }, clock);
    const inFlight = [];
    for (let i = 0; i < 8; i++) inFlight.push(await s.acquire(1));
    clock.t += 50;
    for (const p of inFlight) s.noteRateLimited(10, p);
    assert.ok(Math.abs(s.rateFactor - 0.9) < 1e-9, `one cut for one burst of 429s, got ${s.rateFactor}`);
    clock.t += 100;
    await new Promise((r) => setTimeout(r, 20));
    const later = await s.acquire(1);
    clock.t += 50;
    s.noteRateLimited(10, later);
    assert.ok(Math.abs(s.rateFactor - 0.81) < 1e-9, "a 429 at the reduced rate cuts again");
    s.noteRateLimited(10);
    assert.ok(Math.abs(s.rateFactor - 0.729) < 1e-9, "without a permit every 429 counts");
    s.close();
  });
  it("backoff is exponential, jittered and capped; the breaker opens after N straight failures", () => {
    assert.equal(backoffMs(0, () => 1), 500);
    assert.equal(backoffMs(3, () => 0), 2000);
    assert.equal(backoffMs(20, () => 1), 30_000);
    const cb = new CircuitBreaker(3);
    cb.failure("a");
    cb.failure("b");
    cb.success();
    assert.equal(cb.failure("c"), false);
    cb.failure("d");
    assert.equal(cb.failure("e"), true);
  });
});

describe("generation: prices, budget, headers, redaction", () => {
  it("prices the paper's generators and applies the batch discount", () => {
    const p = lookupPrice("gpt-4o-2024-08-06")!;
    assert.equal(costOf(p, { inputTokens: 1_000_000, outputTokens: 1_000_000 }), 12.5);
    assert.equal(costOf(p, { inputTokens: 1_000_000, outputTokens: 0 }, true), 1.25);
    assert.equal(lookupPrice("meta-llama/Llama-3.1-8B-Instruct")?.inputPer1M, 0.055);
    assert.equal(lookupPrice("unknown-model"), undefined);
  });
  it("budget reserves worst cases and never lets them pass the cap", () => {
    const b = new Budget(0.5, 1);
    assert.equal(b.tryReserve(0.4), true);
    assert.equal(b.tryReserve(0.2), false);
    b.settle(0.4, 0.1);
    assert.equal(b.tryReserve(0.2), true);
  });
  it("parses retry-after and rate-limit headers of both providers", () => {
    assert.equal(retryAfterMs(new Headers({ "retry-after-ms": "250" })), 250);
    assert.equal(retryAfterMs(new Headers({ "retry-after": "2" })), 2000);
    assert.equal(parseDuration("6m0s"), 360_000);
    assert.equal(parseDuration("20ms"), 20);
    assert.deepEqual(rateInfo(new Headers({ "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1.5s" })), {
      remainingRequests: 0,
      resetRequestsMs: 1500,
      remainingTokens: undefined,
      resetTokensMs: undefined,
    });
    const now = Date.now();
    const an = rateInfo(new Headers({ "anthropic-ratelimit-requests-remaining": "3", "anthropic-ratelimit-requests-reset": new Date(now + 2000).toISOString() }), now);
    assert.equal(an.remainingRequests, 3);
    assert.ok(an.resetRequestsMs! > 1000 && an.resetRequestsMs! <= 2000);
  });
  it("redacts keys from messages", () => {
    const m = redact("Incorrect API key provided: sk-proj-abcdef123456789. Authorization: Bearer abcdefghijkl x-api-key: zzzzzzzz", ["mysecretvalue"]);
    assert.ok(!m.includes("abcdef123456789") && !m.includes("abcdefghijkl") && !m.includes("zzzzzzzz"), m);
    assert.equal(redact("key mysecretvalue here", ["mysecretvalue"]), "key [REDACTED] here");
  });
});
