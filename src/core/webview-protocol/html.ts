/**
 * The HTML shell of every webview, shared by the extension and the headless-browser tests so both load
 * exactly the same page: a strict Content-Security-Policy (nothing remote, scripts and style elements only
 * with this page's nonce, styles and fonts only from the extension's own folder).
 */
import { randomBytes } from "node:crypto";

export function makeNonce(): string {
  return randomBytes(18).toString("base64").replace(/[^A-Za-z0-9]/g, "");
}

export interface WebviewShell {
  title: string;
  /** `webview.cspSource`: the origin the extension's local resources are served from. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri?: string;
}

const attr = (s: string): string => s.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

export function webviewCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    // blob: only for the charts' PNG export (our own SVG drawn onto a canvas); no data: URLs at all.
    `img-src ${cspSource} blob:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join("; ");
}

export function webviewHtml(s: WebviewShell): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${attr(webviewCsp(s.cspSource, s.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${attr(s.title)}</title>
${s.styleUri ? `<link rel="stylesheet" href="${attr(s.styleUri)}" nonce="${attr(s.nonce)}" id="vscode-codicon-stylesheet">` : ""}
</head>
<body>
<script nonce="${attr(s.nonce)}" src="${attr(s.scriptUri)}"></script>
</body>
</html>`;
}
