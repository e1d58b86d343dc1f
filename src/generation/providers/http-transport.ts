/**
 * The `fetch` the SDK clients are given: plain node:http(s) with keep-alive agents for the requests the
 * engine sends by the thousand (a JSON or string body, or none), and the global fetch for anything else
 * (multipart batch-file uploads, stream bodies, Request objects).
 *
 * Why not the global fetch for everything: undici's fetch registers every response (and its body
 * stream) in a FinalizationRegistry through a WeakRef, and its requests' abort wiring likewise; V8 only
 * clears those in a full mark-compact, so they survive every young-generation collection in between.
 * Each request's ~20–30 KB was thus promoted to the old generation, and at a few hundred requests a
 * second that promotion rate made V8 grow the heap to ~4x its live size between full collections — the
 * engine's peak RSS followed (measured: 5,000 items promoted 239 MB through undici, 73 MB through this).
 * Responses built here with `new Response(stream)` are ordinary objects that die young. The SDKs see the
 * same thing either way: a WHATWG Response with a streaming body, and errors they classify as before
 * (AbortError on abort, a connection error otherwise). Redirects, which API endpoints do not send, are
 * handed to the global fetch, which follows them by the spec's rules.
 */
import http from "node:http";
import https from "node:https";
import zlib from "node:zlib";
import type { Readable } from "node:stream";

// Idle sockets are closed after 4 s (undici's default): a server that drops idle keep-alive connections
// first would otherwise race our next request on them.
const agents = {
  http: new http.Agent({ keepAlive: true, timeout: 4000 }),
  https: new https.Agent({ keepAlive: true, timeout: 4000 }),
};

const NULL_BODY_STATUS = new Set([204, 205, 304]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

/** Requests resent on a new connection after a stale keep-alive socket (for tests and diagnostics). */
export const transportStats = { staleSocketRetries: 0 };

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  return new DOMException("This operation was aborted", "AbortError");
}

function headerObject(h: RequestInit["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (h instanceof Headers) h.forEach((v, k) => (out[k] = v));
  else if (Array.isArray(h)) for (const [k, v] of h) out[k!.toLowerCase()] = v!;
  else for (const [k, v] of Object.entries(h)) if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v);
  return out;
}

function decoded(res: http.IncomingMessage): Readable {
  switch ((res.headers["content-encoding"] ?? "").trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return res.pipe(zlib.createGunzip());
    case "deflate":
      return res.pipe(zlib.createInflate());
    case "br":
      return res.pipe(zlib.createBrotliDecompress());
    default:
      return res;
  }
}

/** A request that failed before any response on a reused keep-alive socket: the server had closed it. */
function staleSocket(req: http.ClientRequest, e: Error): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return req.reusedSocket && (code === "ECONNRESET" || code === "EPIPE");
}

export function httpFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const body = init.body;
  const simpleBody = body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array;
  if (input instanceof Request || !simpleBody) return globalThis.fetch(input, init);
  const url = new URL(String(input));
  if (url.protocol !== "http:" && url.protocol !== "https:") return globalThis.fetch(input, init);
  const signal = init.signal ?? undefined;
  const headers = headerObject(init.headers);
  const payload = typeof body === "string" ? Buffer.from(body) : (body ?? undefined);
  if (payload) headers["content-length"] = String(payload.byteLength);
  const mod = url.protocol === "https:" ? https : http;
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    let settled = false;
    let req: http.ClientRequest;
    let fail: ((e: Error) => void) | undefined;
    const onAbort = (): void => {
      const e = abortError(signal!);
      req.destroy(e);
      if (!settled) {
        settled = true;
        reject(e);
      } else fail?.(e);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const cleanup = (): void => signal?.removeEventListener("abort", onAbort);
    // `fresh`: a one-off connection instead of the pool. A keep-alive socket the server closed while it sat
    // idle (its FIN not read yet — e.g. after the process was frozen longer than the server's keep-alive
    // timeout) fails the request before the server saw it; that one is resent once on a new connection,
    // as browsers and Go's transport do. Safe against double charges: nothing reached the server, and
    // the request carries its Idempotency-Key anyway.
    const send = (fresh: boolean): void => {
      req = mod.request(url, { method: init.method ?? "GET", headers, agent: fresh ? false : url.protocol === "https:" ? agents.https : agents.http });
      req.once("error", (e) => {
        if (!settled && !fresh && !signal?.aborted && staleSocket(req, e)) {
          transportStats.staleSocketRetries++;
          return send(true);
        }
        cleanup();
        if (!settled) {
          settled = true;
          reject(e);
        } else fail?.(e);
      });
      req.once("response", (res) => onResponse(res));
      req.end(payload);
    };
    const onResponse = (res: http.IncomingMessage): void => {
      settled = true;
      const status = res.statusCode ?? 0;
      if (REDIRECT_STATUS.has(status) && res.headers.location && init.redirect !== "manual" && init.redirect !== "error") {
        // Not processed by the server that redirects: resending it through the spec's fetch is safe.
        res.resume();
        cleanup();
        return resolve(globalThis.fetch(input, init));
      }
      let response: Response;
      try {
        if (status < 200 || status > 599) throw new Error(`unexpected HTTP status ${status}`);
        const responseHeaders = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        const meta = { status, statusText: res.statusMessage, headers: responseHeaders };
        if (NULL_BODY_STATUS.has(status) || init.method === "HEAD") {
          res.resume();
          res.once("end", cleanup);
          response = new Response(null, meta);
        } else response = new Response(bodyStream(res), meta);
      } catch (e) {
        cleanup();
        res.destroy();
        return reject(e instanceof Error ? e : new Error(String(e)));
      }
      resolve(response);
    };
    /** The response body as a web stream, with backpressure: the socket pauses while nobody reads. */
    const bodyStream = (res: http.IncomingMessage): ReadableStream<Uint8Array> => {
      const source = decoded(res);
      let done = false;
      return new ReadableStream<Uint8Array>({
        start(controller) {
          fail = (e) => {
            if (done) return;
            done = true;
            cleanup();
            controller.error(e);
          };
          source.on("data", (chunk: Buffer) => {
            if (done) return;
            controller.enqueue(chunk);
            if ((controller.desiredSize ?? 1) <= 0) source.pause();
          });
          source.once("end", () => {
            if (done) return;
            done = true;
            cleanup();
            controller.close();
          });
          source.once("error", (e) => fail!(e));
          // A connection closed before the body ended is a dropped response, not a short one.
          res.once("close", () => {
            if (!res.complete) fail!(Object.assign(new Error("terminated: the connection closed before the response ended"), { code: "ECONNRESET" }));
          });
        },
        pull() {
          source.resume();
        },
        cancel() {
          done = true;
          cleanup();
          res.destroy();
        },
      });
    };
    send(false);
  });
}
