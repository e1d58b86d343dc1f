/** Maps the two SDKs' error classes onto ProviderError kinds (instanceof, so minified bundles still work). */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { redact } from "../redact";
import { ProviderError, rateInfo, retryAfterMs } from "./types";

type SdkApiError = { status?: number; headers?: Headers; message: string };

export function toProviderError(e: unknown, timedOut: boolean, secrets: string[]): ProviderError {
  if (e instanceof ProviderError) return e;
  const msg = redact(e instanceof Error ? e.message : String(e), secrets);
  if (timedOut) return new ProviderError(`request timed out: ${msg}`, "timeout");
  if (e instanceof OpenAI.APIUserAbortError || e instanceof Anthropic.APIUserAbortError) return new ProviderError("request aborted", "aborted");
  if (e instanceof OpenAI.APIConnectionTimeoutError || e instanceof Anthropic.APIConnectionTimeoutError) return new ProviderError(`request timed out: ${msg}`, "timeout");
  if (e instanceof OpenAI.APIConnectionError || e instanceof Anthropic.APIConnectionError) return new ProviderError(`connection error: ${msg}`, "connection");
  if (e instanceof OpenAI.APIError || e instanceof Anthropic.APIError) {
    const { status, headers } = e as SdkApiError;
    const rate = rateInfo(headers);
    const after = retryAfterMs(headers);
    if (status === undefined) return new ProviderError(`stream error: ${msg}`, "server", undefined, after, rate);
    if (status === 429) return new ProviderError(`rate limited (429): ${msg}`, "rate_limit", status, after, rate);
    if (status === 529) return new ProviderError(`overloaded (529): ${msg}`, "overloaded", status, after, rate);
    if (status === 408) return new ProviderError(`request timeout (408): ${msg}`, "timeout", status, after, rate);
    if (status === 401 || status === 403) return new ProviderError(`not authorised (${status}): ${msg}`, "auth", status);
    if (status >= 500) return new ProviderError(`server error (${status}): ${msg}`, "server", status, after, rate);
    return new ProviderError(`request rejected (${status}): ${msg}`, "client", status);
  }
  if (e instanceof SyntaxError) return new ProviderError(`malformed response: ${msg}`, "malformed");
  if (e instanceof Error && /terminated|socket|ECONNRESET|EPIPE|premature close|aborted/i.test(`${e.message} ${String((e as { cause?: unknown }).cause ?? "")}`)) {
    return new ProviderError(`connection dropped: ${msg}`, "connection");
  }
  return new ProviderError(`unexpected error: ${msg}`, "server");
}

/**
 * One AbortController per attempt: aborts on the caller's signal, after `timeoutMs` in total, and when a
 * stream sits idle for `idleMs` (a stalled stream would otherwise hold a slot forever).
 */
export class AttemptGuard {
  readonly controller = new AbortController();
  timedOut = false;
  private total: NodeJS.Timeout;
  private idle?: NodeJS.Timeout;
  private readonly onParent = (): void => this.controller.abort();
  constructor(
    private readonly parent: AbortSignal | undefined,
    timeoutMs: number,
    private readonly idleMs: number,
  ) {
    this.total = setTimeout(() => this.fire(), timeoutMs);
    this.total.unref?.();
    if (parent?.aborted) this.controller.abort();
    parent?.addEventListener("abort", this.onParent, { once: true });
  }
  private fire(): void {
    this.timedOut = true;
    this.controller.abort();
  }
  /** Call on every stream chunk. */
  touch(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.fire(), this.idleMs);
    this.idle.unref?.();
  }
  done(): void {
    clearTimeout(this.total);
    if (this.idle) clearTimeout(this.idle);
    this.parent?.removeEventListener("abort", this.onParent);
  }
}
