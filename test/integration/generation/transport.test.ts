/**
 * What the throughput and memory work rests on: the local LLM server enforces its request limit and
 * reports it the way OpenAI and Anthropic do, and the engine's node:http transport under the real SDKs
 * streams, aborts and survives stale keep-alive sockets.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { OpenAiProvider } from "../../../src/generation/providers/openai";
import { httpFetch, transportStats } from "../../../src/generation/providers/http-transport";
import { ProviderError, parseDuration, rateInfo } from "../../../src/generation/providers/types";
import { startLlmTestServer, type LlmTestServer } from "../../support/llm-test-server";
import { generator, makeRun, type TestRun } from "../../support/run-folder";

const KEY = "sk-transport-test-0000000";
const root = join(__dirname, "..", "..", "..");

describe("local LLM server: the enforced request limit", function () {
  this.timeout(30_000);
  let srv: LlmTestServer | undefined;
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
  });

  it("admits N/min with one second of burst, and reports what was left at admission and when the bucket is full again", async () => {
    // 6/min: a burst of one request, then one every 10 s — nothing refills during the test.
    srv = await startLlmTestServer({ requestsPerMinute: 6, recordAdmissions: true });
    const client = new OpenAI({ apiKey: KEY, baseURL: srv.openaiBaseUrl, maxRetries: 0, fetch: httpFetch });
    const body = { model: "gpt-4o-mini-2024-07-18", messages: [{ role: "user" as const, content: "Solve [RESULT]" }], max_tokens: 50 };
    const first = await client.chat.completions.create(body).withResponse();
    const info = rateInfo(first.response.headers);
    assert.equal(info.remainingRequests, 0, "the burst of one was used by this request");
    assert.ok(info.resetRequestsMs! > 9000 && info.resetRequestsMs! <= 10_000, `reset ${info.resetRequestsMs} ms: the time until the bucket is full again`);
    await assert.rejects(client.chat.completions.create(body), (e: unknown) => {
      assert.ok(e instanceof OpenAI.APIError && e.status === 429);
      const wait = Number(e.headers?.get("retry-after-ms"));
      assert.ok(wait > 9000 && wait <= 10_000, `retry-after-ms ${wait}`);
      assert.equal(parseDuration(e.headers?.get("x-ratelimit-reset-requests")) !== undefined, true);
      return true;
    });
    const anthropic = new Anthropic({ apiKey: KEY, baseURL: srv.anthropicBaseUrl, maxRetries: 0, fetch: httpFetch });
    await assert.rejects(anthropic.messages.create({ model: "claude-3-5-sonnet-20240620", max_tokens: 50, messages: [{ role: "user", content: "hi" }] }), (e: unknown) => {
      assert.ok(e instanceof Anthropic.APIError && e.status === 429);
      assert.equal(rateInfo(e.headers).remainingRequests, 0);
      return true;
    });
    const st = srv.stats();
    assert.deepEqual([st.admitted, st.rateLimited, st.delivered], [1, 2, 1]);
    assert.equal(srv.admissionTimes().length, 1);
  });
});

describe("engine transport (node:http under the real SDKs)", function () {
  this.timeout(60_000);
  let srv: LlmTestServer | undefined;
  let child: ChildProcess | undefined;
  const runs: TestRun[] = [];
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
    if (child && child.exitCode === null) child.kill();
    child = undefined;
    for (const r of runs.splice(0)) rmSync(r.root, { recursive: true, force: true });
  });

  async function provider(baseUrl: string): Promise<OpenAiProvider> {
    const run = await makeRun({ name: "transport", generators: [generator("g", "openai", baseUrl)], settings: [{ domain: "math", method: "response_generation", instances: 1, seed: { file: "seed.jsonl" } }] });
    runs.push(run);
    return new OpenAiProvider(run.plan.generators[0]!, KEY);
  }

  it("streams and returns JSON; an abort in the middle of a stream is an abort, not a provider failure", async () => {
    srv = await startLlmTestServer({ faults: { script: ["ok", "ok", "slow"], slowMs: 3000 } });
    const p = await provider(srv.openaiBaseUrl);
    const prompt = "Solve this and end with [RESULT] x [/RESULT].";
    const streamed = await p.complete({ prompt, idempotencyKey: "agora-t1", stream: true, timeoutMs: 10_000 });
    const plain = await p.complete({ prompt, idempotencyKey: "agora-t2", stream: false, timeoutMs: 10_000 });
    assert.equal(streamed.text, plain.text);
    assert.match(streamed.text, /\[RESULT\]/);
    assert.ok(streamed.inputTokens > 0 && streamed.outputTokens > 0 && !streamed.truncated);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 300);
    const t0 = Date.now();
    await assert.rejects(p.complete({ prompt, idempotencyKey: "agora-t3", stream: true, timeoutMs: 10_000, signal: ctl.signal }), (e: unknown) => {
      assert.ok(e instanceof ProviderError, String(e));
      assert.equal(e.kind, "aborted", e.message);
      return true;
    });
    assert.ok(Date.now() - t0 < 2900, "the stalled stream was cut at the abort, not at its end");
    assert.equal(srv.stats().delivered, 2, "the aborted response was not delivered in full");
  });

  it("hands redirects to the global fetch, which follows them", async () => {
    srv = await startLlmTestServer();
    const target = srv.openaiBaseUrl;
    const redirector = createServer((req, res) => {
      res.writeHead(307, { location: `${target}${req.url!.replace(/^\/v1/, "")}` });
      res.end();
    });
    await new Promise<void>((r) => redirector.listen(0, "127.0.0.1", () => r()));
    try {
      const p = await provider(`http://127.0.0.1:${(redirector.address() as AddressInfo).port}/v1`);
      const r = await p.complete({ prompt: "Solve [RESULT]", idempotencyKey: "agora-r1", stream: false, timeoutMs: 10_000 });
      assert.match(r.text, /\[RESULT\]/);
      assert.equal(srv.stats().delivered, 1);
    } finally {
      await new Promise<void>((r) => redirector.close(() => r()));
    }
  });

  it("resends once, on a new connection, a request that met a keep-alive socket the server had closed while this process was busy", async () => {
    // The server in its own process, with a 2.5 s keep-alive (it says `Keep-Alive: timeout=2`, so Node's
    // agent would drop the idle socket after 1 s — had this process been free to run its timers). It
    // closes the idle socket (2.5 s plus Node's grace period) while this process is blocked for 6 s, so
    // the socket is still in the pool, its FIN unread, when the next request goes out.
    child = spawn(process.execPath, [join(root, "node_modules/.bin/tsx"), join(root, "test/support/llm-test-server.ts"), "--port", "0", "--keep-alive-ms", "2500"], { stdio: ["ignore", "pipe", "inherit"] });
    const url = await new Promise<string>((resolve, reject) => {
      child!.once("error", reject);
      child!.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim()));
    });
    const post = async (): Promise<string> => {
      const r = await httpFetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "Solve [RESULT]" }] }),
      });
      assert.equal(r.status, 200);
      return ((await r.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
    };
    await post();
    await new Promise((r) => setImmediate(r)); // the socket goes back to the pool
    const before = transportStats.staleSocketRetries;
    const until = Date.now() + 6000;
    while (Date.now() < until) {
      // Blocked: the server's keep-alive timeout passes and it closes the connection; we do not notice.
    }
    assert.match(await post(), /\[RESULT\]/);
    assert.equal(transportStats.staleSocketRetries, before + 1, "the request met the stale socket and was resent once");
  });
});
