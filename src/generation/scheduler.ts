/**
 * Request scheduling for one generator: a concurrency limit, token buckets for requests/min and
 * tokens/min (from the spec's `limits`), a shared cooldown after a 429 (`retry-after`), buckets kept no
 * more optimistic than the provider's rate-limit headers, additive-increase / multiplicative-decrease of
 * the request rate when the provider's real limit is below the configured one, bounded exponential
 * backoff with jitter, and a circuit breaker.
 *
 * Time comes from a Clock so unit tests drive every decision with a virtual clock.
 */
import type { RateInfo } from "./providers/types";

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    }),
};

export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private capacity: number,
    private perMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }
  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
      this.last = now;
    }
  }
  /** Milliseconds until `n` tokens are available (`n` is capped at the capacity, so huge requests still pass). */
  waitFor(n: number, now: number): number {
    this.refill(now);
    const need = Math.min(n, this.capacity);
    return this.tokens >= need ? 0 : Math.ceil((need - this.tokens) / this.perMs);
  }
  take(n: number, now: number): void {
    this.refill(now);
    this.tokens -= n;
  }
  /** Tokens now (negative while in debt). */
  level(now: number): number {
    this.refill(now);
    return this.tokens;
  }
  /** Corrects an estimate afterwards: positive `n` takes more, negative gives back. The balance may go negative (debt). */
  adjust(n: number): void {
    this.tokens = Math.min(this.capacity, this.tokens - n);
  }
  setRate(perMs: number, capacity: number, now: number): void {
    this.refill(now);
    this.perMs = perMs;
    this.capacity = capacity;
    this.tokens = Math.min(this.tokens, capacity);
  }
  /** Empties the bucket (the provider said we have nothing left). */
  drain(now: number): void {
    this.refill(now);
    this.tokens = Math.min(this.tokens, 0);
  }
}

export interface SchedulerLimits {
  concurrency: number;
  requestsPerMinute: number;
  tokensPerMinute: number;
}

export interface Permit {
  /** Reports the tokens the request really used (its estimate was taken at acquire). */
  release(actualTokens?: number): void;
  /** When the request was let through (clock time). */
  readonly sentAt: number;
  /** The request and token buckets' levels right after this request took its share. */
  readonly requestsLeft: number;
  readonly tokensLeft: number;
}

interface Waiter {
  tokens: number;
  resolve(p: Permit): void;
  reject(e: Error): void;
  signal?: AbortSignal;
}

export class AbortedError extends Error {
  constructor() {
    super("aborted");
  }
}

/**
 * The request rate runs 1.5% under the configured limit: the provider measures arrivals with its own
 * clock, and timer jitter on our side would otherwise turn an exact-rate stream into occasional 429s.
 */
const HEADROOM = 0.985;

/** Burst size: one second's worth of the rate (at least 1), which matches how providers enforce limits. */
const burst = (perMinute: number): number => Math.max(1, perMinute / 60);

export class Scheduler {
  private inFlight = 0;
  private queue: Waiter[] = [];
  private rpm: TokenBucket;
  private tpm: TokenBucket;
  private cooldownUntil = 0;
  /** Fraction of the configured request rate in use (AIMD on 429s). */
  rateFactor = 1;
  /** When the rate was last cut: 429s for requests sent before it belong to the episode already answered. */
  private lastDecreaseAt = -Infinity;
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  stats = { acquired: 0, rateLimited: 0, maxInFlight: 0 };

  constructor(
    readonly limits: SchedulerLimits,
    private readonly clock: Clock = realClock,
    /** Longest wait a `retry-after` may impose: providers' values are honoured but bounded. */
    readonly maxRetryAfterMs = 60_000,
  ) {
    const now = clock.now();
    this.rpm = new TokenBucket(burst(limits.requestsPerMinute * HEADROOM), (limits.requestsPerMinute * HEADROOM) / 60_000, now);
    this.tpm = new TokenBucket(burst(limits.tokensPerMinute), limits.tokensPerMinute / 60_000, now);
  }

  get active(): number {
    return this.inFlight;
  }
  get waiting(): number {
    return this.queue.length;
  }

  acquire(tokens: number, signal?: AbortSignal): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    return new Promise<Permit>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.queue.indexOf(w);
        if (i >= 0) {
          this.queue.splice(i, 1);
          reject(new AbortedError());
        }
      };
      // The listener goes as soon as the waiter is served: one per request would otherwise pile up on a
      // run-long signal (100K items = 100K retained closures).
      const w: Waiter = {
        tokens,
        resolve: (p) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(p);
        },
        reject: (e) => {
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
        signal,
      };
      this.queue.push(w);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.pump();
    });
  }

  /** Dispatches as many queued requests as the limits allow now; otherwise arms one timer for the earliest time. */
  pump(): void {
    while (this.queue.length && this.inFlight < this.limits.concurrency) {
      const now = this.clock.now();
      const head = this.queue[0]!;
      const wait = Math.max(this.cooldownUntil - now, this.rpm.waitFor(1, now), this.tpm.waitFor(head.tokens, now));
      if (wait > 0) {
        this.arm(now + wait);
        return;
      }
      this.queue.shift();
      this.rpm.take(1, now);
      this.tpm.take(head.tokens, now);
      this.inFlight++;
      this.stats.acquired++;
      this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.inFlight);
      let released = false;
      const estimate = head.tokens;
      head.resolve({
        sentAt: now,
        requestsLeft: this.rpm.level(now),
        tokensLeft: this.tpm.level(now),
        release: (actual?: number) => {
          if (released) return;
          released = true;
          this.inFlight--;
          if (actual !== undefined) this.tpm.adjust(actual - estimate);
          this.pump();
        },
      });
    }
  }

  private arm(at: number): void {
    if (this.timer && at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(1, at - this.clock.now()));
  }

  private applyRate(now: number): void {
    const rpm = this.limits.requestsPerMinute * HEADROOM * this.rateFactor;
    this.rpm.setRate(rpm / 60_000, burst(rpm), now);
  }

  /**
   * A 429: everyone waits for `retry-after` (bounded), and the request rate backs off multiplicatively —
   * once per congestion episode. The requests in flight when the limit was hit all come back 429 within
   * moments of each other; cutting the rate by 10% for each of them (as for independent signals) sent it
   * to a fraction of the limit after one burst. So a 429 only cuts the rate when its request was sent
   * after the last cut, i.e. at the already reduced rate (TCP's once-per-window rule). Without a permit
   * (no send time known) every 429 counts.
   */
  noteRateLimited(retryAfterMs: number | undefined, permit?: Pick<Permit, "sentAt">): number {
    const now = this.clock.now();
    this.stats.rateLimited++;
    const wait = Math.min(this.maxRetryAfterMs, retryAfterMs ?? 1000);
    this.cooldownUntil = Math.max(this.cooldownUntil, now + wait);
    if (!permit || permit.sentAt >= this.lastDecreaseAt) {
      this.rateFactor = Math.max(0.05, this.rateFactor * 0.9);
      this.lastDecreaseAt = now;
      this.applyRate(now);
    }
    this.rpm.drain(now);
    this.pump();
    return wait;
  }

  /** A success: the rate recovers additively towards the configured limit. */
  noteSuccess(): void {
    if (this.rateFactor < 1) {
      this.rateFactor = Math.min(1, this.rateFactor + 0.02);
      this.applyRate(this.clock.now());
    }
  }

  /**
   * Rate-limit headers: how many requests (tokens) the provider had left right after admitting the
   * request of `permit`. Providers replenish continuously (a token bucket: `reset` is when the bucket is
   * full again, not when the next request fits), so "0 left" means the next request fits one interval
   * later — which our own bucket already enforces — and is no reason to stop until `reset`: waiting for it
   * on every such response held a rate-limited run to a fraction of its ceiling. What the headers do say
   * is how much burst the provider has: when our bucket, at the moment that request was sent, held more
   * than the provider reported (+1 for the provider's rounding down), the excess is taken off ours, so a
   * provider that is fuller-booked than we think (a shared key, a smaller burst) is not run into.
   * Without a permit the comparison is with our bucket now.
   */
  noteRateInfo(info: RateInfo, permit?: Pick<Permit, "requestsLeft" | "tokensLeft">): void {
    const now = this.clock.now();
    if (info.remainingRequests !== undefined) {
      const ours = permit?.requestsLeft ?? this.rpm.level(now);
      const excess = ours - (info.remainingRequests + 1);
      if (excess > 0) this.rpm.adjust(excess);
    }
    if (info.remainingTokens !== undefined) {
      const ours = permit?.tokensLeft ?? this.tpm.level(now);
      const excess = ours - info.remainingTokens;
      if (excess > 0) this.tpm.adjust(excess);
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.queue.splice(0)) w.reject(new AbortedError());
  }
}

/** Bounded exponential backoff with full jitter: uniform in [base·2^n / 2, base·2^n], capped. */
export function backoffMs(attempt: number, random: () => number = Math.random, baseMs = 500, capMs = 30_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Opens after `threshold` consecutive failed attempts (5xx, timeouts, dropped connections — not 429s)
 * with no success in between: the provider is down, and the run pauses instead of burning retries.
 */
export class CircuitBreaker {
  private consecutive = 0;
  lastError = "";
  open = false;
  constructor(readonly threshold: number) {}
  success(): void {
    this.consecutive = 0;
  }
  failure(message: string): boolean {
    this.consecutive++;
    this.lastError = message;
    if (this.consecutive >= this.threshold) this.open = true;
    return this.open;
  }
  get failures(): number {
    return this.consecutive;
  }
}
