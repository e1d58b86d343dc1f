/**
 * Rendering of model-generated text: markdown through markdown-it (raw HTML disabled) with math (KaTeX,
 * MathML output, so no inline styles are needed under the CSP) and highlighted code (highlight.js), then
 * DOMPurify as the sanitiser of record. Links are defused (text + title only), images dropped: a webview
 * loads no remote content.
 */
import * as katexModule from "@vscode/markdown-it-katex";
import DOMPurify from "dompurify";
import hljs from "highlight.js/lib/common";
import MarkdownIt from "markdown-it";
import { wordDiff } from "../../core/samples/word-diff.js";
import { el } from "../shared/vscode-api.js";

const md = new MarkdownIt({ html: false, linkify: false, breaks: false, typographer: false });
// A CommonJS module (`exports.default = plugin`) seen from an ESM file: with Node semantics (this folder is
// "type": "module") the namespace's default is the whole `exports` object, so unwrap until a function.
type KatexPlugin = (md: InstanceType<typeof MarkdownIt>, options: Record<string, unknown>) => void;
function unwrapPlugin(m: unknown): KatexPlugin {
  let x = m;
  for (let i = 0; i < 3 && typeof x !== "function" && x && typeof x === "object"; i++) x = (x as { default?: unknown }).default;
  if (typeof x !== "function") throw new Error("@vscode/markdown-it-katex: no plugin function");
  return x as KatexPlugin;
}
const katexPlugin = unwrapPlugin(katexModule);
// Options are passed through to katex.renderToString: MathML output needs no inline styles or fonts.
md.use(katexPlugin, { throwOnError: false, output: "mathml", maxSize: 20, maxExpand: 200, trust: false });

/** Fenced code → a numbered, highlighted block; the gutter is a separate column so spans never split. */
md.renderer.rules.fence = (tokens, idx) => {
  const t = tokens[idx]!;
  const lang = t.info.trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  const code = t.content.replace(/\n$/, "");
  let html: string;
  try {
    html = lang && hljs.getLanguage(lang) ? hljs.highlight(code, { language: lang, ignoreIllegals: true }).value : hljs.highlightAuto(code.slice(0, 20000)).value;
    if (code.length > 20000 && !(lang && hljs.getLanguage(lang))) html = md.utils.escapeHtml(code);
  } catch {
    html = md.utils.escapeHtml(code);
  }
  const n = code.split("\n").length;
  const gutter = Array.from({ length: n }, (_, i) => i + 1).join("\n");
  return `<div class="code-block"><div class="code-lang">${md.utils.escapeHtml(lang || "code")}</div><div class="code-body"><pre class="gutter" aria-hidden="true">${gutter}</pre><pre class="code"><code class="hljs">${html}</code></pre></div></div>`;
};

const PURIFY: Parameters<typeof DOMPurify.sanitize>[1] = {
  USE_PROFILES: { html: true, mathMl: true },
  FORBID_TAGS: ["img", "style", "form", "input", "button", "textarea", "select", "iframe", "object", "embed", "video", "audio", "source", "link", "meta", "base", "svg"],
  FORBID_ATTR: ["style", "srcset", "src", "action", "formaction", "xlink:href"],
  ALLOW_DATA_ATTR: false,
};

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    const href = node.getAttribute("href") ?? "";
    node.removeAttribute("href");
    node.removeAttribute("target");
    if (href) node.setAttribute("title", href.slice(0, 300));
    node.classList.add("defused-link");
  }
});

/** `\( … \)` and `\[ … \]` (common in math answers) → `$…$` and `$$…$$` for the KaTeX plugin. */
function normaliseMath(s: string): string {
  return s.replace(/\\\[([\s\S]+?)\\\]/g, (_m, x: string) => `$$${x}$$`).replace(/\\\(([\s\S]+?)\\\)/g, (_m, x: string) => `$${x}$`);
}

const MAX_MARKDOWN = 100_000;

/** Sanitised HTML for a model-generated markdown string, set into `target`. */
export function renderMarkdown(target: HTMLElement, text: string, opts: { math: boolean }): void {
  let src = text;
  if (src.length > MAX_MARKDOWN) src = src.slice(0, MAX_MARKDOWN);
  if (opts.math) src = normaliseMath(src);
  let html: string;
  try {
    html = md.render(src);
  } catch {
    target.replaceChildren(el("pre", "plain", text));
    return;
  }
  const clean = DOMPurify.sanitize(html, { ...PURIFY, RETURN_DOM_FRAGMENT: true }) as unknown as DocumentFragment;
  target.replaceChildren(clean);
  if (text.length > MAX_MARKDOWN) target.append(el("p", "note", `… rendered the first ${MAX_MARKDOWN.toLocaleString()} characters of ${text.length.toLocaleString()}.`));
}

/** Code as it is (a code-domain response without a fence): highlighted with line numbers. */
export function renderCode(target: HTMLElement, code: string, lang = ""): void {
  renderMarkdown(target, "```" + lang + "\n" + code.replace(/```/g, "`\u200b``") + "\n```", { math: false });
}

/** Word-level diff of original → enhanced: two panes, deletions marked left, insertions right. */
export function renderWordDiff(left: HTMLElement, right: HTMLElement, before: string, after: string): void {
  const d = wordDiff(before, after);
  const node = (p: { kind: string; text: string }): HTMLElement =>
    p.kind === "added" ? el("ins", "diff-ins", p.text) : p.kind === "removed" ? el("del", "diff-del", p.text) : el("span", "", p.text);
  left.replaceChildren(...d.left.map(node));
  right.replaceChildren(...d.right.map(node));
  if (!d.diffed) right.append(el("p", "note", "Too long for a word diff: showing the texts without it."));
}
