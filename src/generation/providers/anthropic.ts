/** Anthropic Messages API through the official `@anthropic-ai/sdk`. */
import Anthropic from "@anthropic-ai/sdk";
import type { MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages";
import type { GeneratorSpec } from "../../core/spec/model";
import { AttemptGuard, toProviderError } from "./errors";
import { httpFetch } from "./http-transport";
import { type CompletionRequest, type CompletionResult, type Provider, ProviderError, rateInfo } from "./types";

export class AnthropicProvider implements Provider {
  readonly client: Anthropic;
  constructor(
    readonly generator: GeneratorSpec,
    private readonly apiKey: string,
  ) {
    // Plain node:http transport (./http-transport): undici's fetch pins every response until a full GC.
    this.client = new Anthropic({ apiKey, baseURL: generator.baseUrl, maxRetries: 0, timeout: generator.limits.timeoutSeconds * 1000, fetch: httpFetch });
  }

  body(prompt: string): MessageCreateParamsNonStreaming {
    const s = this.generator.sampling;
    // This SDK version's types no longer list temperature/top_p (recent models fix them); the SDK sends the
    // body as given, and the models the paper used (Claude 3.5) accept both, so they are passed through.
    const sampling = { temperature: s.temperature, top_p: s.topP };
    return {
      model: this.generator.model,
      max_tokens: s.maxTokens,
      messages: [{ role: "user", content: prompt }],
      ...sampling,
      ...(s.stop.length ? { stop_sequences: s.stop } : {}),
    } as MessageCreateParamsNonStreaming;
  }

  async complete(req: CompletionRequest): Promise<CompletionResult> {
    const guard = new AttemptGuard(req.signal, req.timeoutMs, req.timeoutMs);
    const options = { signal: guard.controller.signal, timeout: req.timeoutMs, headers: { "Idempotency-Key": req.idempotencyKey } };
    try {
      if (!req.stream) {
        const { data, response } = await this.client.messages.create(this.body(req.prompt), options).withResponse();
        if (!Array.isArray(data.content)) throw new ProviderError("malformed response: no content", "malformed");
        const text = data.content.map((b) => (b.type === "text" ? b.text : "")).join("");
        return {
          text,
          inputTokens: data.usage.input_tokens + (data.usage.cache_read_input_tokens ?? 0),
          outputTokens: data.usage.output_tokens,
          cachedInputTokens: data.usage.cache_read_input_tokens ?? undefined,
          truncated: data.stop_reason === "max_tokens",
          rate: rateInfo(response.headers),
        };
      }
      const { data: stream, response } = await this.client.messages.create({ ...this.body(req.prompt), stream: true }, options).withResponse();
      guard.touch();
      let text = "";
      let input = 0;
      let cached: number | undefined;
      let output = 0;
      let stop: string | null | undefined;
      let ended = false;
      for await (const ev of stream) {
        guard.touch();
        if (ev.type === "message_start") {
          input = ev.message.usage.input_tokens + (ev.message.usage.cache_read_input_tokens ?? 0);
          cached = ev.message.usage.cache_read_input_tokens ?? undefined;
          output = ev.message.usage.output_tokens;
        } else if (ev.type === "content_block_delta" && ev.delta.type === "text_delta") text += ev.delta.text;
        else if (ev.type === "message_delta") {
          output = ev.usage.output_tokens;
          stop = ev.delta.stop_reason;
        } else if (ev.type === "message_stop") ended = true;
      }
      if (guard.timedOut) throw new ProviderError("request timed out: the stream stalled", "timeout");
      if (req.signal?.aborted) throw new ProviderError("request aborted", "aborted");
      if (!ended) throw new ProviderError("connection dropped: stream ended before message_stop", "connection");
      return { text, inputTokens: input, outputTokens: output, cachedInputTokens: cached, truncated: stop === "max_tokens", rate: rateInfo(response.headers) };
    } catch (e) {
      throw toProviderError(e, guard.timedOut, [this.apiKey]);
    } finally {
      guard.done();
    }
  }
}
