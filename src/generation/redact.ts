/**
 * Removes anything that looks like a credential from text the engine writes (events, logs, item
 * reasons). Applied to every error message, because SDK errors can echo request headers or URLs.
 */
const PATTERNS: RegExp[] = [
  /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{8,}/g, // OpenAI / Anthropic style keys
  /\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\b(?:x-api-key|api[_-]?key|authorization)(["']?\s*[:=]\s*["']?)[^\s"',}]{6,}/gi,
  /\b[A-Za-z0-9]{40,}\b/g, // long opaque tokens
];

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[REDACTED]");
  out = out.replace(PATTERNS[0]!, "[REDACTED]");
  out = out.replace(PATTERNS[1]!, (m) => `${m.split(/\s+/)[0]} [REDACTED]`);
  out = out.replace(PATTERNS[2]!, (m, sep: string) => `${m.slice(0, m.indexOf(sep))}${sep}[REDACTED]`);
  out = out.replace(PATTERNS[3]!, "[REDACTED]");
  return out;
}
