/** OpenAI and OpenAI-compatible servers (vLLM, …) through the official `openai` SDK. */
import OpenAI from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import type { GeneratorSpec } from "../../core/spec/model";
import { AttemptGuard, toProviderError } from "./errors";
import { httpFetch } from "./http-transport";
import { type CompletionRequest, type CompletionResult, type Provider, ProviderError, rateInfo } from "./types";

const estimateTokens = (s: string): number => Math.ceil(s.length / 4);

export class OpenAiProvider implements Provider {
  readonly client: OpenAI;
  constructor(
    readonly generator: GeneratorSpec,
    private readonly apiKey: string,
  ) {
    // The engine owns the retry policy: the SDK's own retries honour retry-after without an upper bound.
    // Plain node:http transport (./http-transport): undici's fetch pins every response until a full GC.
    this.client = new OpenAI({ apiKey, baseURL: generator.baseUrl, maxRetries: 0, timeout: generator.limits.timeoutSeconds * 1000, fetch: httpFetch });
  }

  body(prompt: string): ChatCompletionCreateParamsNonStreaming {
    const s = this.generator.sampling;
    return {
      model: this.generator.model,
      messages: [{ role: "user", content: prompt }],
      temperature: s.temperature,
      top_p: s.topP,
      // `max_tokens` rather than `max_completion_tokens`: OpenAI-compatible servers (vLLM) read this one.
      max_tokens: s.maxTokens,
      ...(s.seed !== undefined ? { seed: s.seed } : {}),
      ...(s.stop.length ? { stop: s.stop } : {}),
    };
  }

  async complete(req: CompletionRequest): Promise<CompletionResult> {
    const guard = new AttemptGuard(req.signal, req.timeoutMs, req.timeoutMs);
    const options = { signal: guard.controller.signal, timeout: req.timeoutMs, headers: { "Idempotency-Key": req.idempotencyKey } };
    try {
      if (!req.stream) {
        const { data, response } = await this.client.chat.completions.create(this.body(req.prompt), options).withResponse();
        const choice = data.choices?.[0];
        if (!choice) throw new ProviderError("malformed response: no choices", "malformed");
        const text = choice.message?.content ?? "";
        return {
          text,
          inputTokens: data.usage?.prompt_tokens ?? estimateTokens(req.prompt),
          outputTokens: data.usage?.completion_tokens ?? estimateTokens(text),
          cachedInputTokens: data.usage?.prompt_tokens_details?.cached_tokens ?? undefined,
          usageEstimated: data.usage ? undefined : true,
          truncated: choice.finish_reason === "length",
          rate: rateInfo(response.headers),
        };
      }
      const { data: stream, response } = await this.client.chat.completions
        .create({ ...this.body(req.prompt), stream: true, stream_options: { include_usage: true } }, options)
        .withResponse();
      guard.touch();
      let text = "";
      let finish: string | null | undefined;
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        guard.touch();
        const c = chunk.choices?.[0];
        if (c?.delta?.content) text += c.delta.content;
        if (c?.finish_reason) finish = c.finish_reason;
        if (chunk.usage) usage = chunk.usage;
      }
      if (guard.timedOut) throw new ProviderError("request timed out: the stream stalled", "timeout");
      if (req.signal?.aborted) throw new ProviderError("request aborted", "aborted");
      if (finish === undefined) throw new ProviderError("connection dropped: stream ended without a finish reason", "connection");
      return {
        text,
        inputTokens: usage?.prompt_tokens ?? estimateTokens(req.prompt),
        outputTokens: usage?.completion_tokens ?? estimateTokens(text),
        cachedInputTokens: usage?.prompt_tokens_details?.cached_tokens ?? undefined,
        usageEstimated: usage ? undefined : true,
        truncated: finish === "length",
        rate: rateInfo(response.headers),
      };
    } catch (e) {
      throw toProviderError(e, guard.timedOut, [this.apiKey]);
    } finally {
      guard.done();
    }
  }
}
