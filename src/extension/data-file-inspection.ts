/**
 * Inline inspection of generated data files in the text editor: a hover that renders the item on the
 * line, and a code lens above each visible line that opens it in the samples browser. Lenses are made
 * for the visible lines only, so a 100K-line file costs what a screenful costs.
 */
import * as vscode from "vscode";

const SELECTOR: vscode.DocumentSelector = [{ scheme: "file", pattern: "**/data/**/*.jsonl" }];
const MARGIN = 40;

type Item = Record<string, unknown>;
const s = (v: unknown): string => (typeof v === "string" ? v : "");

function parseLine(text: string): Item | undefined {
  if (text.length > 4_000_000) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Item) : undefined;
  } catch {
    return undefined;
  }
}

function clip(t: string, n: number): string {
  return t.length > n ? `${t.slice(0, n)}…` : t;
}

/**
 * appendCodeblock does not escape a fence inside the text: a model answer with ``` would close the block
 * and the rest would be read as markdown (links included). A zero-width space keeps it inert.
 */
function fenceSafe(t: string): string {
  return t.replace(/(`{3,}|~{3,})/g, (m) => m.split("").join("\u200b"));
}

/** One-line summary for the lens title: plain text, never interpreted. */
export function lensTitle(item: Item | undefined, line: number): string {
  if (!item) return `$(warning) line ${line + 1}: not a JSON object — open in Samples Browser`;
  const status = s(item.status) || "valid";
  const icon = status === "valid" ? "$(pass)" : status === "duplicate" ? "$(copy)" : "$(error)";
  const judge = item.judge && typeof (item.judge as Item).score === "number" ? ` · ★${(item.judge as Item).score as number}` : "";
  // `$(` in model text would be read as an icon: break it.
  const gen = clip(s(item.generator), 40).replace(/\$\(/g, "$\u200b(");
  return `${icon} #${line + 1} ${status}${gen ? ` · ${gen}` : ""}${judge} — open in Samples Browser`;
}

/** Hover markdown: all model text goes through appendText / code blocks, so nothing in it is markup. */
export function hoverMarkdown(item: Item | undefined, uri: vscode.Uri, line: number): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.supportHtml = false;
  md.isTrusted = { enabledCommands: ["agorabench.openSamples"] };
  const args = encodeURIComponent(JSON.stringify([{ uri: uri.toString(), line }]));
  if (!item) {
    md.appendMarkdown(`$(warning) **Line ${line + 1} is not a JSON object.**\n\n`);
  } else {
    const status = s(item.status) || "valid";
    md.appendMarkdown(`**#${line + 1}** · `);
    md.appendText(`${status} · ${s(item.generator)} · ${s(item.setting)}`);
    if (s(item.reason)) {
      md.appendMarkdown("\n\n_");
      md.appendText(clip(s(item.reason), 300));
      md.appendMarkdown("_");
    }
    md.appendMarkdown("\n\n**Instruction**\n");
    md.appendCodeblock(fenceSafe(clip(s(item.instruction), 800)), "markdown");
    md.appendMarkdown("\n**Response**\n");
    md.appendCodeblock(fenceSafe(clip(s(item.response), 1200)), s(item.domain) === "code" ? "python" : "markdown");
    const cost = typeof item.costUsd === "number" ? `$${(item.costUsd as number).toFixed(5)}` : "";
    const lat = typeof item.latencyMs === "number" ? `${((item.latencyMs as number) / 1000).toFixed(2)} s` : "";
    if (cost || lat) md.appendText(`\n${[cost, lat].filter(Boolean).join(" · ")}\n`);
  }
  md.appendMarkdown(`\n[$(preview) Open in Samples Browser](command:agorabench.openSamples?${args})`);
  return md;
}

class LineLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  refresh(): void {
    this.changed.fire();
  }
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === doc);
    const ranges = editor?.visibleRanges.length ? editor.visibleRanges : [new vscode.Range(0, 0, Math.min(doc.lineCount, 60), 0)];
    const lenses: vscode.CodeLens[] = [];
    const seen = new Set<number>();
    for (const r of ranges) {
      const from = Math.max(0, r.start.line - MARGIN);
      const to = Math.min(doc.lineCount - 1, r.end.line + MARGIN);
      for (let l = from; l <= to; l++) {
        if (seen.has(l)) continue;
        seen.add(l);
        const text = doc.lineAt(l).text;
        if (!text.trim()) continue;
        lenses.push(
          new vscode.CodeLens(new vscode.Range(l, 0, l, 0), {
            title: lensTitle(parseLine(text), l),
            command: "agorabench.openSamples",
            arguments: [{ uri: doc.uri, line: l }],
            tooltip: "Show this item rendered in the AgoraBench samples browser",
          }),
        );
      }
    }
    return lenses;
  }
}

export function registerDataFileInspection(context: vscode.ExtensionContext, _log: vscode.LogOutputChannel): void {
  const lenses = new LineLenses();
  let timer: NodeJS.Timeout | undefined;
  context.subscriptions.push(
    vscode.languages.registerCodeLensProvider(SELECTOR, lenses),
    vscode.languages.registerHoverProvider(SELECTOR, {
      provideHover(doc, pos) {
        const text = doc.lineAt(pos.line).text;
        if (!text.trim()) return undefined;
        return new vscode.Hover(hoverMarkdown(parseLine(text), doc.uri, pos.line), doc.lineAt(pos.line).range);
      },
    }),
    vscode.window.onDidChangeTextEditorVisibleRanges((e) => {
      if (!vscode.languages.match(SELECTOR, e.textEditor.document)) return;
      clearTimeout(timer);
      timer = setTimeout(() => lenses.refresh(), 120);
    }),
    { dispose: () => clearTimeout(timer) },
  );
}
