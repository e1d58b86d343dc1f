/**
 * A local LLM API server for tests, e2e runs and benchmarks. It speaks the wire formats the official SDKs
 * parse — OpenAI chat completions (JSON and SSE), files + batches; Anthropic messages (JSON and SSE) and
 * message batches — and answers with outputs derived deterministically from the prompt that are valid
 * for the prompt's domain (math with `[RESULT] … [/RESULT]`, code with one fenced block), so a happy path
 * yields valid items. Scripted faults: 429 with retry-after, 500, 529, slow streams, dropped connections,
 * malformed JSON, outputs that fail parsing, and a "down" switch. It can enforce N requests/min and a
 * latency distribution, and it counts what it delivered and charged per item (Idempotency-Key or
 * batch custom_id) so tests can prove nothing is paid twice.
 *
 * The request limit is a token bucket with one second of burst, checked when a request arrives, and its
 * rate-limit headers mean what OpenAI's and Anthropic's do: what was left right after admitting the
 * request, and when the bucket is full again (`reset`).
 *
 * Standalone: `npx tsx test/support/llm-test-server.ts --port 0 [--rpm N] [--latency-ms M] [--keep-alive-ms K]`
 * prints its URL.
 */
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FaultName = "ok" | "429" | "500" | "529" | "slow" | "drop" | "malformed" | "bad_output";

export interface FaultOptions {
  /** Faults for the first requests, in order, one per request (`ok` passes). */
  script?: FaultName[];
  /** Probability of each fault on any later request (seeded, so runs repeat). */
  rates?: Partial<Record<Exclude<FaultName, "ok">, number>>;
  seed?: number;
  /** retry-after sent with 429/529 (ms; default 200). */
  retryAfterMs?: number;
  /** Pause inside a slow stream (ms; default 1500). */
  slowMs?: number;
  /** Fraction of batch items that come back errored (partial failure). */
  batchItemFailRate?: number;
}

export interface LatencyOptions {
  /** Median latency (ms) of a lognormal distribution. */
  medianMs: number;
  /** Lognormal sigma (default 0.5: p90 ≈ 1.9 × median). */
  sigma?: number;
}

export interface LlmTestServerOptions {
  port?: number;
  faults?: FaultOptions;
  /** Enforced request rate (token bucket, one second of burst); excess requests get 429 with retry-after-ms. */
  requestsPerMinute?: number;
  /** Keep the arrival time of every admitted generation request (`admissionTimes()`), for benchmarks. */
  recordAdmissions?: boolean;
  /** How long an idle keep-alive connection stays open (ms; default 30000). */
  keepAliveTimeoutMs?: number;
  latency?: LatencyOptions;
  /** When set, requests must carry this key (Bearer or x-api-key), else 401. */
  apiKey?: string;
  /** Time a batch stays in progress (ms; default 300). */
  batchDelayMs?: number;
  /**
   * Replay (without charging) a full delivery for an Idempotency-Key that was already charged (default
   * true). With false every full delivery is charged, like a provider without idempotency keys.
   */
  honourIdempotency?: boolean;
}

export interface LlmTestServerStats {
  requests: number;
  byStatus: Record<string, number>;
  faults: Record<string, number>;
  /** Responses delivered in full (online + batch items). */
  delivered: number;
  /** Items charged: the first full delivery of each key. */
  charged: number;
  /** Full deliveries of a key already charged (an Idempotency-Key replay: not charged again). */
  replays: number;
  /** Keys charged more than once — must stay empty. */
  chargedTwice: string[];
  rateLimited: number;
  /** Generation requests let through by the rate limit (whatever their outcome after that). */
  admitted: number;
  maxInFlight: number;
  inputTokens: number;
  outputTokens: number;
  batches: number;
  /** Time of the first and last full delivery (ms since epoch). */
  firstDeliveryAt?: number;
  lastDeliveryAt?: number;
}

export interface LlmTestServer {
  url: string;
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
  stats(): LlmTestServerStats;
  /** Charges per key (item), for assertions. */
  chargesByKey(): ReadonlyMap<string, number>;
  /** Generation requests received per key (any outcome), for "never re-requested" assertions. */
  requestsByKey(): ReadonlyMap<string, number>;
  /** Arrival times (ms since epoch) of the admitted generation requests; empty unless `recordAdmissions`. */
  admissionTimes(): readonly number[];
  /** While down, every request gets 503 (OpenAI) / 529 (Anthropic). */
  setDown(down: boolean): void;
  setFaults(f: FaultOptions): void;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const hashHex = (s: string): string => createHash("sha256").update(s).digest("hex");
const tokens = (s: string): number => Math.max(1, Math.ceil(s.length / 4));

/** mulberry32: a small seeded PRNG so fault and latency sequences repeat run to run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VOCAB = (
  "amber basket cedar delta ember falcon garnet harbor island jasper kettle lantern meadow nectar orchard pebble quartz river " +
  "saddle timber umbrella velvet willow yarrow zephyr anchor beacon canyon dune eagle fjord glacier hollow ivory jungle kiln " +
  "lagoon marble nomad oasis prairie quiver ridge summit tundra valley wharf bamboo cobalt dahlia elm fern granite hazel iris " +
  "juniper kelp lotus maple nutmeg olive poppy quince rowan sage tulip violet walnut almond birch clover daisy"
).split(" ");

/** Deterministic content from a prompt: different prompts give texts far apart (no accidental near-duplicates). */
function content(prompt: string): { words: string; a: number; b: number; name: string } {
  const h = hashHex(prompt);
  const words: string[] = [];
  for (let i = 0; i < 12; i++) words.push(VOCAB[parseInt(h.slice(i * 4, i * 4 + 4), 16) % VOCAB.length]!);
  return {
    words: words.join(" "),
    a: (parseInt(h.slice(48, 52), 16) % 900) + 10,
    b: (parseInt(h.slice(52, 56), 16) % 900) + 10,
    name: ["Mia", "Ravi", "Lena", "Omar", "Sofia", "Kenji", "Ada", "Tariq"][parseInt(h.slice(56, 58), 16) % 8]!,
  };
}

type Domain = "math" | "code" | "instruction_following";

function domainOf(prompt: string): Domain {
  if (prompt.includes("[RESULT]")) return "math";
  if (prompt.includes("```") || /code block/i.test(prompt)) return "code";
  return "instruction_following";
}

/** The answer the server "generates" for a prompt; `bad` makes it fail the domain's output rules. */
export function answerFor(prompt: string, bad = false): string {
  const d = domainOf(prompt);
  const c = content(prompt);
  const wantsInstance = /`?OUTPUT:`?/.test(prompt);
  let instruction: string;
  let response: string;
  if (d === "math") {
    instruction = `${c.name} collects ${c.a} ${c.words.split(" ")[0]} stones and then finds ${c.b} more near the ${c.words.split(" ").slice(1, 4).join(" ")}. Notes: ${c.words}. How many stones does ${c.name} have now?`;
    response = `${c.name} starts with ${c.a} stones and adds ${c.b}, so ${c.a} + ${c.b} = ${c.a + c.b}.\n${bad ? `The answer is ${c.a + c.b}.` : `[RESULT] ${c.a + c.b} [/RESULT]`}`;
  } else if (d === "code") {
    const fn = `${c.words.split(" ")[0]}_${c.words.split(" ")[1]}`;
    instruction = `Write a Python function ${fn}(x) that returns x plus ${c.a}. Context words: ${c.words}.`;
    response = bad ? `def ${fn}(x):\n    return x + ${c.a}` : `Add the constant.\n\n\`\`\`python\ndef ${fn}(x):\n    return x + ${c.a}\n\`\`\``;
  } else {
    instruction = `Write a short note about ${c.words.split(" ").slice(0, 3).join(", ")} for a friend. Keywords: ${c.words}.`;
    response = bad ? "" : `Here is a short note about ${c.words}. Each of these (${c.a}, ${c.b}) is worth a visit.`;
  }
  return wantsInstance ? `INPUT: ${instruction}\nOUTPUT: ${response}` : response;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Enough multipart/form-data parsing for the OpenAI SDK's file upload: the `file` part's bytes. */
function multipartFile(body: Buffer, contentType: string): { filename: string; data: Buffer } | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!m) return undefined;
  const boundary = Buffer.from(`--${m[1] ?? m[2]}`);
  let pos = body.indexOf(boundary);
  while (pos >= 0) {
    const next = body.indexOf(boundary, pos + boundary.length);
    if (next < 0) break;
    const part = body.subarray(pos + boundary.length, next);
    const headEnd = part.indexOf("\r\n\r\n");
    const head = part.subarray(0, headEnd).toString();
    if (/name="file"/.test(head)) {
      const filename = /filename="([^"]*)"/.exec(head)?.[1] ?? "file";
      return { filename, data: part.subarray(headEnd + 4, part.length - 2) };
    }
    pos = next;
  }
  return undefined;
}

interface ChatBody {
  model?: string;
  messages?: { role: string; content: unknown }[];
  max_tokens?: number;
  max_completion_tokens?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

function promptOf(messages: { content: unknown }[] | undefined): string {
  return (messages ?? [])
    .map((m) => (typeof m.content === "string" ? m.content : Array.isArray(m.content) ? m.content.map((p: { text?: string }) => p.text ?? "").join("") : ""))
    .join("\n");
}

export async function startLlmTestServer(opts: LlmTestServerOptions = {}): Promise<LlmTestServer> {
  let faults: FaultOptions = opts.faults ?? {};
  let script = [...(faults.script ?? [])];
  let rnd = prng(faults.seed ?? 1);
  const latRnd = prng(7);
  let down = false;
  let inFlight = 0;
  const charges = new Map<string, number>();
  const requested = new Map<string, number>();
  const s: LlmTestServerStats = {
    requests: 0,
    byStatus: {},
    faults: {},
    delivered: 0,
    charged: 0,
    replays: 0,
    chargedTwice: [],
    rateLimited: 0,
    admitted: 0,
    maxInFlight: 0,
    inputTokens: 0,
    outputTokens: 0,
    batches: 0,
  };
  const rpm = opts.requestsPerMinute;
  const bucket = rpm ? { tokens: Math.max(1, rpm / 60), cap: Math.max(1, rpm / 60), perMs: rpm / 60_000, last: Date.now() } : undefined;
  const admissions: number[] = [];
  const files = new Map<string, { filename: string; data: Buffer; purpose: string; created: number }>();
  const oaBatches = new Map<string, Record<string, unknown>>();
  const anBatches = new Map<string, { obj: Record<string, unknown>; results?: string }>();

  const pickFault = (): FaultName => {
    if (script.length) return script.shift()!;
    for (const [name, p] of Object.entries(faults.rates ?? {}) as [FaultName, number][]) if (p && rnd() < p) return name;
    return "ok";
  };
  const latency = async (): Promise<void> => {
    if (!opts.latency) return;
    const u1 = Math.max(1e-9, latRnd());
    const u2 = latRnd();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    await sleep(opts.latency.medianMs * Math.exp((opts.latency.sigma ?? 0.5) * z));
  };
  /** Records a full delivery; charges the key the first time only. */
  const deliver = (key: string | undefined, input: number, output: number): void => {
    const now = Date.now();
    s.delivered++;
    s.firstDeliveryAt ??= now;
    s.lastDeliveryAt = now;
    const k = key ?? randomUUID();
    const n = charges.get(k) ?? 0;
    if (n === 0 || opts.honourIdempotency === false) {
      charges.set(k, n + 1);
      s.charged++;
      s.inputTokens += input;
      s.outputTokens += output;
    } else s.replays++;
  };
  const keyOf = (req: IncomingMessage): string | undefined => {
    const k = req.headers["idempotency-key"];
    return typeof k === "string" ? k.replace(/^agora-/, "") : undefined;
  };
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    s.byStatus[status] = (s.byStatus[status] ?? 0) + 1;
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };
  const oaError = (res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void =>
    send(res, status, { error: { message, type: status === 429 ? "rate_limit_exceeded" : "server_error", code: null } }, headers);
  const anError = (res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void => {
    const type = status === 429 ? "rate_limit_error" : status === 529 ? "overloaded_error" : status === 401 ? "authentication_error" : "api_error";
    send(res, status, { type: "error", error: { type, message } }, headers);
  };
  const retryHeaders = (ms: number): Record<string, string> => ({ "retry-after-ms": String(Math.round(ms)), "retry-after": String(Math.max(1, Math.ceil(ms / 1000))) });

  /**
   * Rate limit at arrival: one token per request. Returns the wait until the next token when the bucket is
   * empty (→ 429), and the state right after the request's token was taken, for the rate-limit headers.
   */
  interface Admission {
    wait: number;
    remaining: number;
    /** Until the bucket is full again. */
    resetMs: number;
  }
  const admit = (): Admission => {
    if (!bucket) return { wait: 0, remaining: 1_000_000, resetMs: 0 };
    const now = Date.now();
    bucket.tokens = Math.min(bucket.cap, bucket.tokens + (now - bucket.last) * bucket.perMs);
    bucket.last = now;
    const wait = bucket.tokens >= 1 ? 0 : Math.ceil((1 - bucket.tokens) / bucket.perMs);
    if (!wait) bucket.tokens -= 1;
    return { wait, remaining: Math.floor(bucket.tokens), resetMs: Math.ceil((bucket.cap - bucket.tokens) / bucket.perMs) };
  };
  /** OpenAI's duration format (`6ms`, `1.5s`). */
  const duration = (ms: number): string => (ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(3).replace(/\.?0+$/, "")}s`);
  const openaiRateHeaders = (a: Admission): Record<string, string> => ({
    "x-ratelimit-limit-requests": String(rpm ?? 1_000_000),
    "x-ratelimit-remaining-requests": String(a.remaining),
    "x-ratelimit-reset-requests": duration(a.resetMs),
  });
  const anthropicRateHeaders = (a: Admission): Record<string, string> => ({
    "anthropic-ratelimit-requests-limit": String(rpm ?? 1_000_000),
    "anthropic-ratelimit-requests-remaining": String(a.remaining),
    "anthropic-ratelimit-requests-reset": new Date(Date.now() + a.resetMs).toISOString(),
  });

  // ---- OpenAI chat completions -------------------------------------------------------------------
  const openaiChat = async (req: IncomingMessage, res: ServerResponse, body: ChatBody, rl: Record<string, string>): Promise<void> => {
    const fault = pickFault();
    if (fault !== "ok") s.faults[fault] = (s.faults[fault] ?? 0) + 1;
    const retryMs = faults.retryAfterMs ?? 200;
    if (fault === "429") return oaError(res, 429, "Rate limit reached (scripted).", retryHeaders(retryMs));
    if (fault === "500") return oaError(res, 500, "The server had an error (scripted).");
    if (fault === "529") return oaError(res, 503, "Overloaded (scripted).", retryHeaders(retryMs));
    await latency();
    if (fault === "drop" && !body.stream) {
      req.socket.destroy();
      return;
    }
    if (fault === "malformed") {
      s.byStatus[200] = (s.byStatus[200] ?? 0) + 1;
      res.writeHead(200, { "content-type": body.stream ? "text/event-stream" : "application/json" });
      res.end(body.stream ? 'data: {"id":"x","choices":[{"delta":{"content":"hel\n\n' : '{"id":"chatcmpl-x","object":"chat.completion","choi');
      return;
    }
    const prompt = promptOf(body.messages);
    let text = answerFor(prompt, fault === "bad_output");
    const max = body.max_completion_tokens ?? body.max_tokens ?? 4096;
    let finish = "stop";
    if (tokens(text) > max) {
      text = text.slice(0, max * 4);
      finish = "length";
    }
    const usage = { prompt_tokens: tokens(prompt), completion_tokens: tokens(text), total_tokens: tokens(prompt) + tokens(text) };
    const id = `chatcmpl-${hashHex(prompt).slice(0, 12)}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? "test-model";
    if (!body.stream) {
      const json = { id, object: "chat.completion", created, model, choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, finish_reason: finish, logprobs: null }], usage };
      s.byStatus[200] = (s.byStatus[200] ?? 0) + 1;
      res.writeHead(200, { "content-type": "application/json", ...rl });
      res.end(JSON.stringify(json), () => deliver(keyOf(req), usage.prompt_tokens, usage.completion_tokens));
      return;
    }
    s.byStatus[200] = (s.byStatus[200] ?? 0) + 1;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...rl });
    const chunk = (delta: Record<string, unknown>, finish_reason: string | null): string =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason, logprobs: null }] })}\n\n`;
    res.write(chunk({ role: "assistant", content: "" }, null));
    const pieces = text.match(/[\s\S]{1,40}/g) ?? [""];
    for (let i = 0; i < pieces.length; i++) {
      if (res.destroyed) return;
      res.write(chunk({ content: pieces[i] }, null));
      if (i === Math.floor(pieces.length / 2)) {
        if (fault === "drop") {
          req.socket.destroy();
          return;
        }
        if (fault === "slow") await sleep(faults.slowMs ?? 1500);
      }
    }
    if (res.destroyed) return;
    res.write(chunk({}, finish));
    if (body.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`);
    res.end("data: [DONE]\n\n", () => deliver(keyOf(req), usage.prompt_tokens, usage.completion_tokens));
  };

  // ---- Anthropic messages ----------------------------------------------------------------------------
  const anthropicMessage = (prompt: string, model: string, maxTokens: number, bad: boolean): Record<string, unknown> => {
    let text = answerFor(prompt, bad);
    let stop = "end_turn";
    if (tokens(text) > maxTokens) {
      text = text.slice(0, maxTokens * 4);
      stop = "max_tokens";
    }
    return {
      id: `msg_${hashHex(prompt).slice(0, 16)}`,
      type: "message",
      role: "assistant",
      model,
      content: [{ type: "text", text }],
      stop_reason: stop,
      stop_sequence: null,
      usage: { input_tokens: tokens(prompt), output_tokens: tokens(text), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
  };
  const anthropicMessages = async (req: IncomingMessage, res: ServerResponse, body: ChatBody, rl: Record<string, string>): Promise<void> => {
    const fault = pickFault();
    if (fault !== "ok") s.faults[fault] = (s.faults[fault] ?? 0) + 1;
    const retryMs = faults.retryAfterMs ?? 200;
    if (fault === "429") return anError(res, 429, "Rate limited (scripted).", retryHeaders(retryMs));
    if (fault === "500") return anError(res, 500, "Internal error (scripted).");
    if (fault === "529") return anError(res, 529, "Overloaded (scripted).", retryHeaders(retryMs));
    await latency();
    if (fault === "drop" && !body.stream) {
      req.socket.destroy();
      return;
    }
    if (fault === "malformed") {
      s.byStatus[200] = (s.byStatus[200] ?? 0) + 1;
      res.writeHead(200, { "content-type": body.stream ? "text/event-stream" : "application/json" });
      res.end(body.stream ? 'event: message_start\ndata: {"type":"message_start","message":{"id\n\n' : '{"id":"msg_x","type":"mess');
      return;
    }
    const prompt = promptOf(body.messages);
    const msg = anthropicMessage(prompt, body.model ?? "test-model", body.max_tokens ?? 4096, fault === "bad_output");
    const usage = msg.usage as { input_tokens: number; output_tokens: number };
    if (!body.stream) {
      s.byStatus[200] = (s.byStatus[200] ?? 0) + 1;
      res.writeHead(200, { "content-type": "application/json", ...rl });
      res.end(JSON.stringify(msg), () => deliver(keyOf(req), usage.input_tokens, usage.output_tokens));
      return;
    }
    s.byStatus[200] = (s.byStatus[200] ?? 0) + 1;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...rl });
    const ev = (type: string, data: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    res.write(ev("message_start", { message: { ...msg, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } }));
    res.write(ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }));
    res.write(ev("ping", {}));
    const text = (msg.content as { text: string }[])[0]!.text;
    const pieces = text.match(/[\s\S]{1,40}/g) ?? [""];
    for (let i = 0; i < pieces.length; i++) {
      if (res.destroyed) return;
      res.write(ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: pieces[i] } }));
      if (i === Math.floor(pieces.length / 2)) {
        if (fault === "drop") {
          req.socket.destroy();
          return;
        }
        if (fault === "slow") await sleep(faults.slowMs ?? 1500);
      }
    }
    if (res.destroyed) return;
    res.write(ev("content_block_stop", { index: 0 }));
    res.write(ev("message_delta", { delta: { stop_reason: msg.stop_reason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }));
    res.end(ev("message_stop", {}), () => deliver(keyOf(req), usage.input_tokens, usage.output_tokens));
  };

  // ---- Batches ------------------------------------------------------------------------------------------
  const batchFails = (): boolean => (faults.batchItemFailRate ?? 0) > 0 && rnd() < (faults.batchItemFailRate ?? 0);
  const completeOpenAiBatch = (b: Record<string, unknown>): void => {
    const input = files.get(b.input_file_id as string);
    const out: string[] = [];
    const err: string[] = [];
    for (const line of (input?.data.toString() ?? "").split("\n")) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as { custom_id: string; body: ChatBody };
      if (batchFails()) {
        err.push(JSON.stringify({ id: `batch_req_${randomUUID()}`, custom_id: r.custom_id, response: { status_code: 500, request_id: "x", body: { error: { message: "scripted batch item failure" } } }, error: null }));
        continue;
      }
      const prompt = promptOf(r.body.messages);
      const text = answerFor(prompt);
      const usage = { prompt_tokens: tokens(prompt), completion_tokens: tokens(text), total_tokens: tokens(prompt) + tokens(text) };
      const body = { id: `chatcmpl-${randomUUID()}`, object: "chat.completion", created: Math.floor(Date.now() / 1000), model: r.body.model, choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage };
      out.push(JSON.stringify({ id: `batch_req_${randomUUID()}`, custom_id: r.custom_id, response: { status_code: 200, request_id: "x", body }, error: null }));
      deliver(r.custom_id, usage.prompt_tokens, usage.completion_tokens);
    }
    const mk = (lines: string[]): string | null => {
      if (!lines.length) return null;
      const id = `file-${randomUUID()}`;
      files.set(id, { filename: "out.jsonl", data: Buffer.from(`${lines.join("\n")}\n`), purpose: "batch_output", created: Date.now() });
      return id;
    };
    Object.assign(b, {
      status: "completed",
      output_file_id: mk(out),
      error_file_id: mk(err),
      completed_at: Math.floor(Date.now() / 1000),
      request_counts: { total: out.length + err.length, completed: out.length, failed: err.length },
    });
  };
  const completeAnthropicBatch = (entry: { obj: Record<string, unknown>; results?: string }, requests: { custom_id: string; params: ChatBody }[]): void => {
    const lines: string[] = [];
    let ok = 0;
    let bad = 0;
    for (const r of requests) {
      if (batchFails()) {
        bad++;
        lines.push(JSON.stringify({ custom_id: r.custom_id, result: { type: "errored", error: { type: "error", error: { type: "api_error", message: "scripted batch item failure" } } } }));
        continue;
      }
      const prompt = promptOf(r.params.messages);
      const msg = anthropicMessage(prompt, r.params.model ?? "test-model", r.params.max_tokens ?? 4096, false);
      const u = msg.usage as { input_tokens: number; output_tokens: number };
      deliver(r.custom_id, u.input_tokens, u.output_tokens);
      ok++;
      lines.push(JSON.stringify({ custom_id: r.custom_id, result: { type: "succeeded", message: msg } }));
    }
    entry.results = `${lines.join("\n")}\n`;
    const id = entry.obj.id as string;
    Object.assign(entry.obj, {
      processing_status: "ended",
      ended_at: new Date().toISOString(),
      results_url: `${server.url}/v1/messages/batches/${id}/results`,
      request_counts: { processing: 0, succeeded: ok, errored: bad, canceled: 0, expired: 0 },
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    s.requests++;
    inFlight++;
    s.maxInFlight = Math.max(s.maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    const isAnthropic = !!req.headers["anthropic-version"] || path.startsWith("/v1/messages");
    const raw = await readBody(req);
    if (opts.apiKey) {
      const got = (req.headers["x-api-key"] as string | undefined) ?? (req.headers.authorization ?? "").replace(/^Bearer /, "");
      if (got !== opts.apiKey) {
        return isAnthropic ? anError(res, 401, "invalid x-api-key") : oaError(res, 401, `Incorrect API key provided: ${got}.`);
      }
    }
    const json = (): Record<string, unknown> => (raw.length ? (JSON.parse(raw.toString()) as Record<string, unknown>) : {});
    const generating = req.method === "POST" && (path === "/v1/chat/completions" || path === "/v1/messages");
    if (generating) {
      if (down) return isAnthropic ? anError(res, 529, "Overloaded (server down).") : oaError(res, 503, "Service unavailable (server down).");
      const k = keyOf(req);
      if (k) requested.set(k, (requested.get(k) ?? 0) + 1);
      const a = admit();
      const rl = isAnthropic ? anthropicRateHeaders(a) : openaiRateHeaders(a);
      if (a.wait > 0) {
        s.rateLimited++;
        return isAnthropic ? anError(res, 429, "Rate limit exceeded.", { ...rl, ...retryHeaders(a.wait) }) : oaError(res, 429, "Rate limit reached for requests.", { ...rl, ...retryHeaders(a.wait) });
      }
      s.admitted++;
      if (opts.recordAdmissions) admissions.push(Date.now());
      return path === "/v1/messages" ? anthropicMessages(req, res, json() as ChatBody, rl) : openaiChat(req, res, json() as ChatBody, rl);
    }
    // OpenAI files and batches.
    if (req.method === "POST" && path === "/v1/files") {
      const f = multipartFile(raw, req.headers["content-type"] ?? "");
      if (!f) return oaError(res, 400, "no file part");
      const id = `file-${randomUUID()}`;
      files.set(id, { filename: f.filename, data: f.data, purpose: "batch", created: Date.now() });
      return send(res, 200, { id, object: "file", bytes: f.data.length, created_at: Math.floor(Date.now() / 1000), filename: f.filename, purpose: "batch", status: "processed" });
    }
    let m = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
    if (req.method === "GET" && m) {
      const f = files.get(m[1]!);
      if (!f) return oaError(res, 404, "no such file");
      s.byStatus[200] = (s.byStatus[200] ?? 0) + 1;
      res.writeHead(200, { "content-type": "application/octet-stream" });
      return void res.end(f.data);
    }
    if (req.method === "POST" && path === "/v1/batches") {
      const b = json();
      const input = files.get(b.input_file_id as string);
      if (!input) return oaError(res, 400, "input file not found");
      const total = input.data.toString().split("\n").filter((l) => l.trim()).length;
      const id = `batch_${randomUUID().replace(/-/g, "")}`;
      const obj: Record<string, unknown> = {
        id,
        object: "batch",
        endpoint: b.endpoint,
        errors: null,
        input_file_id: b.input_file_id,
        completion_window: b.completion_window,
        status: "in_progress",
        output_file_id: null,
        error_file_id: null,
        created_at: Math.floor(Date.now() / 1000),
        request_counts: { total, completed: 0, failed: 0 },
        metadata: b.metadata ?? null,
      };
      oaBatches.set(id, obj);
      s.batches++;
      setTimeout(() => completeOpenAiBatch(obj), opts.batchDelayMs ?? 300).unref();
      return send(res, 200, obj);
    }
    if (req.method === "GET" && path === "/v1/batches") {
      const data = [...oaBatches.values()].reverse();
      return send(res, 200, { object: "list", data, first_id: (data[0]?.id as string) ?? null, last_id: (data.at(-1)?.id as string) ?? null, has_more: false });
    }
    m = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(path);
    if (m) {
      const b = oaBatches.get(m[1]!);
      if (!b) return oaError(res, 404, "no such batch");
      if (m[2]) Object.assign(b, { status: "cancelled" });
      return send(res, 200, b);
    }
    // Anthropic message batches.
    if (req.method === "POST" && path === "/v1/messages/batches") {
      const requests = (json().requests ?? []) as { custom_id: string; params: ChatBody }[];
      const id = `msgbatch_${randomUUID().replace(/-/g, "")}`;
      const entry = {
        obj: {
          id,
          type: "message_batch",
          processing_status: "in_progress",
          request_counts: { processing: requests.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
          ended_at: null,
          created_at: new Date().toISOString(),
          expires_at: new Date(Date.now() + 86_400_000).toISOString(),
          cancel_initiated_at: null,
          archived_at: null,
          results_url: null,
        } as Record<string, unknown>,
        results: undefined as string | undefined,
      };
      anBatches.set(id, entry);
      s.batches++;
      setTimeout(() => completeAnthropicBatch(entry, requests), opts.batchDelayMs ?? 300).unref();
      return send(res, 200, entry.obj);
    }
    m = /^\/v1\/messages\/batches\/([^/]+)(\/results)?$/.exec(path);
    if (req.method === "GET" && m) {
      const e = anBatches.get(m[1]!);
      if (!e) return anError(res, 404, "no such batch");
      if (!m[2]) return send(res, 200, e.obj);
      if (!e.results) return anError(res, 400, "batch still processing");
      s.byStatus[200] = (s.byStatus[200] ?? 0) + 1;
      res.writeHead(200, { "content-type": "application/binary" });
      return void res.end(e.results);
    }
    return send(res, 404, { error: { message: `no route ${req.method} ${path}` } });
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { message: String(e) } });
      else res.destroy();
    });
  });
  http.keepAliveTimeout = opts.keepAliveTimeoutMs ?? 30_000;
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const server: LlmTestServer = {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    stats: () => ({
      ...s,
      byStatus: { ...s.byStatus },
      faults: { ...s.faults },
      chargedTwice: [...charges].filter(([, n]) => n > 1).map(([k]) => k),
    }),
    chargesByKey: () => charges,
    requestsByKey: () => requested,
    admissionTimes: () => admissions,
    setDown: (d) => {
      down = d;
    },
    setFaults: (f) => {
      faults = f;
      script = [...(f.script ?? [])];
      rnd = prng(f.seed ?? 1);
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
  return server;
}

if (require.main === module) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  startLlmTestServer({
    port: Number(arg("port") ?? 0),
    requestsPerMinute: arg("rpm") ? Number(arg("rpm")) : undefined,
    latency: arg("latency-ms") ? { medianMs: Number(arg("latency-ms")) } : undefined,
    keepAliveTimeoutMs: arg("keep-alive-ms") ? Number(arg("keep-alive-ms")) : undefined,
  }).then((srv) => {
    process.stdout.write(`${srv.url}\n`);
    const stop = (): void => void srv.close().then(() => process.exit(0));
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}
