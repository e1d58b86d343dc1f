/**
 * Generated data files for the samples browser tests and benchmark: realistic items for the nine
 * settings (markdown, math, code, quality enhancement with an original), and a hostile corpus.
 */
import { writeFileSync } from "node:fs";
import { SETTINGS } from "../../src/core/settings";

const GENERATORS = ["gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "llama-3.1-8b-instruct"];

const BODY: Record<string, { instruction: string; response: string }> = {
  math: {
    instruction: "A train travels $120$ km in $1.5$ hours. What is its average speed in km/h?",
    response: "Average speed is distance over time:\n\n$$v = \\frac{d}{t} = \\frac{120}{1.5} = 80$$\n\nSo the train averages **80 km/h**.\n\n[RESULT] 80 [/RESULT]",
  },
  code: {
    instruction: "Write a Python function `is_palindrome(s)` that ignores case and non-alphanumeric characters.",
    response: "```python\ndef is_palindrome(s: str) -> bool:\n    cleaned = [c.lower() for c in s if c.isalnum()]\n    # compare with its reverse\n    return cleaned == cleaned[::-1]\n```",
  },
  instruction_following: {
    instruction: "Give three tips for writing a clear commit message.",
    response: "1. **Summarise** the change in the first line (≤ 50 characters).\n2. Explain *why*, not only what, in the body.\n3. Reference the issue, e.g. `Fixes #42`.\n\n> Small, focused commits are easier to review.",
  },
};

/** One generated item as the engine writes it (GeneratedItem), deterministic in `i`. */
export function makeItem(i: number, opts: { pad?: number } = {}): Record<string, unknown> {
  const s = SETTINGS[i % SETTINGS.length]!;
  const g = GENERATORS[i % GENERATORS.length]!;
  const b = BODY[s.domain]!;
  const status = i % 17 === 5 ? "invalid" : i % 23 === 7 ? "duplicate" : "valid";
  const item: Record<string, unknown> = {
    id: `item-${i.toString(36).padStart(6, "0")}`,
    setting: s.id,
    domain: s.domain,
    method: s.method,
    generator: g,
    model: g,
    index: i,
    status,
    config: s.seedConfig,
    instruction: `${b.instruction} (variant ${i})`,
    response: b.response + (opts.pad ? `\n\n${"Filler sentence to reach a realistic item size. ".repeat(opts.pad)}` : ""),
    usage: { inputTokens: 400 + (i % 300), outputTokens: 200 + (i % 500) },
    costUsd: (g.startsWith("gpt-4o-2024") ? 0.004 : g.includes("mini") ? 0.0003 : 0.00005) * (1 + (i % 7) / 10),
    latencyMs: 800 + (i % 1000),
    attempts: 1,
    createdAt: "2025-01-01T00:00:00.000Z",
    promptHash: `p${i % 50}`,
  };
  if (status === "invalid") item.reason = "missing [RESULT] … [/RESULT] block";
  if (status === "duplicate") item.reason = `same instruction as item ${i - 1}`;
  if (i % 3 === 0) item.judge = { score: 1 + (i % 5), rationale: "Clear and correct." };
  if (s.method === "quality_enhancement") {
    item.original = { instruction: `${b.instruction.replace("What", "what")} pls answer (variant ${i})`, response: b.response.replace("**", "").slice(0, Math.max(20, b.response.length - 30)) };
  }
  return item;
}

export function writeItems(file: string, n: number, opts: { pad?: number } = {}): void {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify(makeItem(i, opts)));
  writeFileSync(file, `${lines.join("\n")}\n`);
}

/** Payloads that must never execute: each sets window.__pwned or opens a dialog if it ever runs. */
export const HOSTILE_STRINGS = [
  "<script>window.__pwned=1</script>",
  "<img src=x onerror=\"window.__pwned=2\">",
  "[click me](javascript:window.__pwned=3)",
  "<svg><script>window.__pwned=4</script></svg>",
  "<svg onload=\"window.__pwned=5\"><circle r=5></circle></svg>",
  "<a href=\"javascript:alert(1)\">x</a>",
  "<style>body{display:none!important}</style>",
  "<div style=\"position:fixed;inset:0;background:red\">overlay</div>",
  "<iframe src=\"javascript:parent.__pwned=6\"></iframe>",
  "![img](https://example.invalid/track.png)",
  "$$\\href{javascript:window.__pwned=7}{x}$$ and $\\htmlClass{x}{y}$",
  "```html\n<script>window.__pwned=8</script>\n```",
  "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=9>",
  "<form action=\"javascript:window.__pwned=10\"><button>go</button></form>",
  "\"><script>window.__pwned=11</script>",
  "<details open ontoggle=\"window.__pwned=12\">",
  "<object data=\"javascript:window.__pwned=13\"></object>",
  "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "</textarea><script>window.__pwned=14</script>",
  "$(alert) {{constructor.constructor('window.__pwned=15')()}}",
  "<a href=\"&#106;avascript:window.__pwned=16\">entity-encoded scheme</a>",
  "<javascript:window.__pwned=17> and [ref][r1]\n\n[r1]: javascript:window.__pwned=18",
  "<svg><animate onbegin=\"window.__pwned=19\" attributeName=\"x\" dur=\"1s\"></animate></svg>",
  "<base href=\"https://example.invalid/\"><meta http-equiv=\"refresh\" content=\"0;url=javascript:window.__pwned=22\"><link rel=\"stylesheet\" href=\"https://example.invalid/x.css\">",
  "$\\url{javascript:window.__pwned=23}{x}$ $\\includegraphics{https://example.invalid/x.png}$ $$\\style{background:red}{x}\\class{x}{y}$$",
  "```\"><img src=x onerror=window.__pwned=24>\nprint('fence info string')\n```",
  "first line\n</code></pre><img src=x onerror=window.__pwned=25><pre><code>",
  "<noscript><p title=\"</noscript><img src=x onerror=window.__pwned=26>\">",
  "\u202egnp.exe <b onmouseover=window.__pwned=27>bidi</b> \u0000 NUL",
  "[a](vbscript:msgbox) [b](  javascript:window.__pwned=28) [c](JaVaScRiPt:window.__pwned=29)",
];

/** The hostile corpus: payloads in every rendered field, a 1 MB line, invalid UTF-8, broken JSON. */
export function writeHostileCorpus(file: string): number {
  const parts: Buffer[] = [];
  const push = (s: string | Buffer): void => {
    parts.push(typeof s === "string" ? Buffer.from(s, "utf8") : s, Buffer.from("\n"));
  };
  HOSTILE_STRINGS.forEach((h, i) => {
    const base = makeItem(i);
    push(
      JSON.stringify({
        ...base,
        id: h,
        generator: h,
        setting: h,
        instruction: h,
        response: `${h}\n\n${h}`,
        reason: h,
        status: i % 2 ? "invalid" : "valid",
        raw: h,
        judge: { score: 3, rationale: h },
        original: { instruction: h, response: `orig ${h}` },
        method: i % 3 === 0 ? "quality_enhancement" : base.method,
      }),
    );
  });
  push(JSON.stringify({ ...makeItem(100), instruction: "One megabyte line", response: "x".repeat(1024 * 1024) }));
  push(Buffer.concat([Buffer.from(JSON.stringify({ ...makeItem(101) }).slice(0, -1) + ',"instruction2":"bad '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' bytes"}')]));
  push("{ this is not json <script>window.__pwned=20</script>");
  push("");
  push("[1,2,3]");
  push(JSON.stringify({ ...makeItem(102), instruction: { nested: "<script>window.__pwned=21</script>" }, response: 42 }));
  // A key JSON.parse keeps as an own "__proto__" property: it must stay data, not become a prototype.
  push(`{"__proto__":{"status":"valid","instruction":"<img src=x onerror=window.__pwned=30>"},"id":"proto","status":"invalid","instruction":"proto key"}`);
  // A code answer longer than the highlighter's auto-detect limit, with a payload at its end.
  push(JSON.stringify({ ...makeItem(103), domain: "code", response: `${"x = 1\n".repeat(5000)}</code></pre><script>window.__pwned=31</script>` }));
  const buf = Buffer.concat(parts);
  writeFileSync(file, buf);
  return buf.toString("utf8").split("\n").length - 1;
}
