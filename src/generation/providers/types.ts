/** The provider interface the scheduler drives, and the error taxonomy its retry policy reads. */
import type { GeneratorSpec } from "../../core/spec/model";

export interface CompletionRequest {
  prompt: string;
  /** Sent as `Idempotency-Key`: the same for every attempt and every resume of one item. */
  idempotencyKey: string;
  stream: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface RateInfo {
  remainingRequests?: number;
  resetRequestsMs?: number;
  remainingTokens?: number;
  resetTokensMs?: number;
}

export interface CompletionResult {
  text: string;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  /** Usage missing from the response (some OpenAI-compatible servers): counted from characters. */
  usageEstimated?: boolean;
  /** Stopped by max tokens. */
  truncated: boolean;
  rate: RateInfo;
}

export type ErrorKind = "rate_limit" | "overloaded" | "server" | "timeout" | "connection" | "malformed" | "auth" | "client" | "aborted";

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly kind: ErrorKind,
    readonly status?: number,
    readonly retryAfterMs?: number,
    readonly rate: RateInfo = {},
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.kind !== "auth" && this.kind !== "client" && this.kind !== "aborted";
  }
}

export interface Provider {
  readonly generator: GeneratorSpec;
  complete(req: CompletionRequest): Promise<CompletionResult>;
}

/** Parses `retry-after-ms`, `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(h: Headers | undefined, now = Date.now()): number | undefined {
  if (!h) return undefined;
  const ms = h.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = h.get("retry-after");
  if (!ra) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Number(ra) * 1000;
  const t = Date.parse(ra);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

/** OpenAI reset durations look like `1s`, `6m0s`, `20ms`, `1h2m3.5s`. */
export function parseDuration(s: string | null | undefined): number | undefined {
  if (!s) return undefined;
  let total = 0;
  let matched = false;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    matched = true;
    const v = Number(m[1]);
    total += m[2] === "ms" ? v : m[2] === "s" ? v * 1000 : m[2] === "m" ? v * 60_000 : v * 3_600_000;
  }
  if (matched) return total;
  return /^\d+(\.\d+)?$/.test(s) ? Number(s) * 1000 : undefined;
}

const num = (s: string | null): number | undefined => (s !== null && s !== "" && Number.isFinite(Number(s)) ? Number(s) : undefined);

export function rateInfo(h: Headers | undefined, now = Date.now()): RateInfo {
  if (!h) return {};
  const info: RateInfo = {};
  if (h.has("x-ratelimit-remaining-requests") || h.has("x-ratelimit-remaining-tokens")) {
    info.remainingRequests = num(h.get("x-ratelimit-remaining-requests"));
    info.resetRequestsMs = parseDuration(h.get("x-ratelimit-reset-requests"));
    info.remainingTokens = num(h.get("x-ratelimit-remaining-tokens"));
    info.resetTokensMs = parseDuration(h.get("x-ratelimit-reset-tokens"));
  } else if (h.has("anthropic-ratelimit-requests-remaining")) {
    const at = (k: string): number | undefined => {
      const v = h.get(k);
      const t = v ? Date.parse(v) : NaN;
      return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
    };
    info.remainingRequests = num(h.get("anthropic-ratelimit-requests-remaining"));
    info.resetRequestsMs = at("anthropic-ratelimit-requests-reset");
    info.remainingTokens = num(h.get("anthropic-ratelimit-tokens-remaining"));
    info.resetTokensMs = at("anthropic-ratelimit-tokens-reset");
  }
  return info;
}
