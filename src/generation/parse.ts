/**
 * Parsing and validation of a generator's raw output, per method and domain. An output that fails is
 * never dropped: the engine stores it with status `invalid` and the reason returned here.
 *
 * Output rules (AgoraBench reference code): math answers end with exactly one `[RESULT] … [/RESULT]`
 * (proofs with `Q.E.D.`); code answers are one fenced code block; empty or unparsable outputs are invalid.
 */
import type { Domain, Method } from "../core/settings";

export type ParseResult =
  | { ok: true; instruction: string; response: string }
  | { ok: false; reason: string; instruction: string; response: string };

/** The stop phrase may come back when a provider ignores `stop`; everything after it is dropped. */
function stripEnd(raw: string): string {
  const i = raw.indexOf("[END]");
  return (i >= 0 ? raw.slice(0, i) : raw).trim();
}

/** Splits `INPUT: … OUTPUT: …`. The prompt ends with an open `INPUT:` slot, so the output may omit it. */
export function splitInputOutput(text: string): { instruction: string; response: string } | undefined {
  const out = /(^|\n)\s*(?:\*\*)?OUTPUT:(?:\*\*)?/.exec(text);
  if (!out) return undefined;
  let instruction = text.slice(0, out.index).trim();
  const response = text.slice(out.index + out[0].length).trim();
  instruction = instruction.replace(/^(?:\*\*)?INPUT:(?:\*\*)?\s*/, "").trim();
  return { instruction, response };
}

export function validateResponse(domain: Domain, response: string): string | undefined {
  if (!response.trim()) return "empty response";
  if (domain === "math") {
    const opens = response.split("[RESULT]").length - 1;
    const closes = response.split("[/RESULT]").length - 1;
    if (opens === 0 && closes === 0) {
      return /Q\.E\.D\.?\s*$/.test(response.trim()) ? undefined : "math solution has no [RESULT] … [/RESULT] final answer (nor Q.E.D. for a proof)";
    }
    if (opens !== 1 || closes !== 1) return `math solution must have exactly one [RESULT] … [/RESULT] (found ${opens} opening, ${closes} closing)`;
    const m = /\[RESULT\]([\s\S]*?)\[\/RESULT\]\s*$/.exec(response.trim());
    if (!m) return "math solution must end with its [RESULT] … [/RESULT] final answer";
    if (!m[1]!.trim()) return "empty final answer in [RESULT] … [/RESULT]";
    return undefined;
  }
  if (domain === "code") {
    const fences = response.match(/^\s*```/gm)?.length ?? 0;
    if (fences === 0) return "code answer has no fenced code block";
    if (fences !== 2) return `code answer must be exactly one fenced code block (found ${fences} fence lines)`;
    const body = /```[^\n]*\n([\s\S]*?)\n\s*```/.exec(response);
    if (!body || !body[1]!.trim()) return "empty code block";
    return undefined;
  }
  return undefined;
}

/**
 * Parses one raw output. `seedInstruction` is the instruction of response generation (kept as is).
 * `truncated` marks an output cut by max tokens, which is invalid whatever it contains.
 */
export function parseOutput(domain: Domain, method: Method, raw: string, opts: { seedInstruction?: string; truncated?: boolean } = {}): ParseResult {
  const text = stripEnd(raw);
  let instruction: string;
  let response: string;
  if (method === "response_generation") {
    instruction = opts.seedInstruction ?? "";
    response = text;
  } else {
    const split = splitInputOutput(text);
    if (!split) return { ok: false, reason: "no OUTPUT: section (expected INPUT: … OUTPUT: …)", instruction: "", response: text };
    ({ instruction, response } = split);
    if (!instruction) return { ok: false, reason: "empty instruction", instruction, response };
  }
  if (opts.truncated) return { ok: false, reason: "output truncated at max tokens", instruction, response };
  const bad = validateResponse(domain, response);
  return bad ? { ok: false, reason: bad, instruction, response } : { ok: true, instruction, response };
}
