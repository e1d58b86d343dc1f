/**
 * A small stand-in for VS Code's webview host, for rendering the webview bundles in headless Chromium:
 * a 127.0.0.1 HTTP server that serves the very page the extension builds (`webviewHtml`, same strict
 * CSP, same nonce rules) plus the built bundles from media/webviews, with `acquireVsCodeApi` provided by a
 * nonce'd script and VS Code's theme variables / body classes for light, dark and high contrast.
 * Messages from the page reach Node through a Playwright binding; Node answers with `window.postMessage`,
 * which is how VS Code delivers `webview.postMessage` to a webview.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { extname, join, normalize } from "node:path";
import type { Page } from "playwright-core";
import { makeNonce, webviewHtml } from "../../../src/core/webview-protocol/html";
import { repoRoot } from "../../support/build";

export type ThemeKind = "light" | "dark" | "hc" | "hc-light";

/** A subset of the variables VS Code defines on <html> for its default themes (Light+/Dark+/HC/HC light). */
const THEMES: Record<ThemeKind, { bodyClass: string; vars: Record<string, string> }> = {
  light: {
    bodyClass: "vscode-light",
    vars: {
      "font-family": "system-ui, 'Segoe UI', Ubuntu, sans-serif",
      "font-size": "13px",
      "editor-font-family": "'DejaVu Sans Mono', monospace",
      "editor-font-size": "13px",
      foreground: "#3b3b3b",
      "editor-background": "#ffffff",
      "editor-foreground": "#3b3b3b",
      "sideBar-background": "#f8f8f8",
      descriptionForeground: "#717171",
      "panel-border": "#e5e5e5",
      "widget-border": "#e5e5e5",
      "editorWidget-border": "#c8c8c8",
      "focusBorder": "#005fb8",
      "button-background": "#005fb8",
      "button-foreground": "#ffffff",
      "button-secondaryBackground": "#e5e5e5",
      "button-secondaryForeground": "#3b3b3b",
      "input-background": "#ffffff",
      "input-foreground": "#3b3b3b",
      "input-border": "#cecece",
      "dropdown-background": "#ffffff",
      "dropdown-border": "#cecece",
      "dropdown-foreground": "#3b3b3b",
      "settings-dropdownBackground": "#ffffff",
      "settings-dropdownForeground": "#3b3b3b",
      "settings-dropdownBorder": "#cecece",
      "settings-dropdownListBorder": "#c8c8c8",
      "settings-textInputBackground": "#ffffff",
      "settings-textInputForeground": "#3b3b3b",
      "settings-textInputBorder": "#cecece",
      "input-placeholderForeground": "#767676",
      "list-hoverBackground": "#f2f2f2",
      "list-activeSelectionBackground": "#e8e8e8",
      "list-activeSelectionForeground": "#000000",
      "list-inactiveSelectionBackground": "#e4e6f1",
      "badge-background": "#cccccc",
      "badge-foreground": "#3b3b3b",
      "textLink-foreground": "#005fb8",
      "textCodeBlock-background": "#f5f5f5",
      "textBlockQuote-background": "#f8f8f8",
      "textBlockQuote-border": "#0000001a",
      "editorLineNumber-foreground": "#6e7681",
      "editorError-foreground": "#e51400",
      "editorWarning-foreground": "#bf8803",
      "testing-iconPassed": "#388a34",
      "diffEditor-insertedTextBackground": "#9ccc2c40",
      "diffEditor-removedTextBackground": "#ff000033",
      "charts-foreground": "#616161",
      "charts-blue": "#1a85ff",
      "charts-orange": "#d18616",
      "charts-green": "#388a34",
      "charts-purple": "#652d90",
      "charts-red": "#e51400",
      "charts-yellow": "#bf8803",
      "progressBar-background": "#005fb8",
    },
  },
  dark: {
    bodyClass: "vscode-dark",
    vars: {
      "font-family": "system-ui, 'Segoe UI', Ubuntu, sans-serif",
      "font-size": "13px",
      "editor-font-family": "'DejaVu Sans Mono', monospace",
      "editor-font-size": "13px",
      foreground: "#cccccc",
      "editor-background": "#1f1f1f",
      "editor-foreground": "#cccccc",
      "sideBar-background": "#181818",
      descriptionForeground: "#9d9d9d",
      "panel-border": "#2b2b2b",
      "widget-border": "#313131",
      "editorWidget-border": "#454545",
      "focusBorder": "#0078d4",
      "button-background": "#0078d4",
      "button-foreground": "#ffffff",
      "button-secondaryBackground": "#313131",
      "button-secondaryForeground": "#cccccc",
      "input-background": "#313131",
      "input-foreground": "#cccccc",
      "input-border": "#3c3c3c",
      "dropdown-background": "#313131",
      "dropdown-border": "#3c3c3c",
      "dropdown-foreground": "#cccccc",
      "settings-dropdownBackground": "#313131",
      "settings-dropdownForeground": "#cccccc",
      "settings-dropdownBorder": "#3c3c3c",
      "settings-dropdownListBorder": "#454545",
      "settings-textInputBackground": "#313131",
      "settings-textInputForeground": "#cccccc",
      "settings-textInputBorder": "#3c3c3c",
      "input-placeholderForeground": "#989898",
      "list-hoverBackground": "#2a2d2e",
      "list-activeSelectionBackground": "#04395e",
      "list-activeSelectionForeground": "#ffffff",
      "list-inactiveSelectionBackground": "#37373d",
      "badge-background": "#616161",
      "badge-foreground": "#f8f8f8",
      "textLink-foreground": "#4daafc",
      "textCodeBlock-background": "#2b2b2b",
      "textBlockQuote-background": "#2b2b2b",
      "textBlockQuote-border": "#616161",
      "editorLineNumber-foreground": "#6e7681",
      "editorError-foreground": "#f85149",
      "editorWarning-foreground": "#cca700",
      "testing-iconPassed": "#73c991",
      "diffEditor-insertedTextBackground": "#9ccc2c33",
      "diffEditor-removedTextBackground": "#ff000033",
      "charts-foreground": "#cccccc",
      "charts-blue": "#3794ff",
      "charts-orange": "#d18616",
      "charts-green": "#89d185",
      "charts-purple": "#b180d7",
      "charts-red": "#f14c4c",
      "charts-yellow": "#cca700",
      "progressBar-background": "#0078d4",
    },
  },
  hc: {
    bodyClass: "vscode-high-contrast",
    vars: {
      "font-family": "system-ui, 'Segoe UI', Ubuntu, sans-serif",
      "font-size": "13px",
      "editor-font-family": "'DejaVu Sans Mono', monospace",
      foreground: "#ffffff",
      "editor-background": "#000000",
      "editor-foreground": "#ffffff",
      descriptionForeground: "#ffffff",
      "panel-border": "#6fc3df",
      "contrastBorder": "#6fc3df",
      "focusBorder": "#f38518",
      "button-background": "#000000",
      "button-foreground": "#ffffff",
      "list-activeSelectionBackground": "#000000",
      "list-focusOutline": "#f38518",
      "textLink-foreground": "#21a6ff",
      "editorError-foreground": "#f48771",
      "editorWarning-foreground": "#ffd370",
      "charts-blue": "#3794ff",
      "charts-orange": "#d18616",
      "charts-green": "#89d185",
      "charts-purple": "#b180d7",
      "charts-red": "#f14c4c",
      "charts-yellow": "#cca700",
      "diffEditor-insertedTextBorder": "#33ff2e",
      "diffEditor-removedTextBorder": "#ff008f",
    },
  },
  "hc-light": {
    // VS Code gives a high-contrast light page both classes.
    bodyClass: "vscode-high-contrast vscode-high-contrast-light",
    vars: {
      "font-family": "system-ui, 'Segoe UI', Ubuntu, sans-serif",
      "font-size": "13px",
      "editor-font-family": "'DejaVu Sans Mono', monospace",
      foreground: "#292929",
      "editor-background": "#ffffff",
      "editor-foreground": "#292929",
      descriptionForeground: "#292929",
      "panel-border": "#0f4a85",
      contrastBorder: "#0f4a85",
      focusBorder: "#006bbd",
      "button-background": "#0f4a85",
      "button-foreground": "#ffffff",
      "list-activeSelectionBackground": "#ffffff",
      "list-focusOutline": "#006bbd",
      "textLink-foreground": "#0f4a85",
      "editorError-foreground": "#b5200d",
      "editorWarning-foreground": "#895503",
      "testing-iconPassed": "#007100",
      "editorLineNumber-foreground": "#292929",
      "sideBar-background": "#ffffff",
      "button-secondaryBackground": "#ffffff",
      "button-secondaryForeground": "#292929",
      "button-border": "#0f4a85",
      "input-background": "#ffffff",
      "input-foreground": "#292929",
      "input-border": "#0f4a85",
      "input-placeholderForeground": "#767676",
      "dropdown-background": "#ffffff",
      "dropdown-foreground": "#292929",
      "dropdown-border": "#0f4a85",
      "dropdown-listBackground": "#ffffff",
      "settings-dropdownBackground": "#ffffff",
      "settings-dropdownForeground": "#292929",
      "settings-dropdownBorder": "#0f4a85",
      "settings-dropdownListBorder": "#0f4a85",
      "settings-textInputBackground": "#ffffff",
      "settings-textInputForeground": "#292929",
      "settings-textInputBorder": "#0f4a85",
      "badge-background": "#0f4a85",
      "badge-foreground": "#ffffff",
      "textCodeBlock-background": "#f2f2f2",
      "diffEditor-insertedTextBorder": "#374e06",
      "diffEditor-removedTextBorder": "#ad0707",
      "charts-foreground": "#292929",
      "charts-blue": "#0f4a85",
      "charts-orange": "#895503",
      "charts-green": "#374e06",
      "charts-purple": "#652d90",
      "charts-red": "#b5200d",
      "charts-yellow": "#895503",
    },
  },
};

/** Runs in the page before the bundle: the webview API, with state kept in sessionStorage so a reload
 * behaves like VS Code re-creating a hidden webview (getState returns what setState stored). */
const API_STUB = `
(() => {
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error("acquireVsCodeApi called twice");
    acquired = true;
    return {
      postMessage: (m) => window.__hostPost(m),
      getState: () => { const s = sessionStorage.getItem("vscode-state"); return s ? JSON.parse(s) : undefined; },
      setState: (s) => { sessionStorage.setItem("vscode-state", JSON.stringify(s)); return s; },
    };
  };
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "")));
})();`;

export interface WebviewHost {
  origin: string;
  /**
   * The page for a bundle. `csp: false` serves it without its Content-Security-Policy: only for the tests
   * that prove the sanitiser alone stops the hostile corpus, and that the execution detectors would see a
   * payload that ran (canaries). The extension never builds such a page.
   */
  url(name: "samples" | "charts", theme: ThemeKind, opts?: { csp?: boolean }): string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { ".js": "text/javascript", ".css": "text/css", ".ttf": "font/ttf", ".woff2": "font/woff2", ".map": "application/json" };

export async function startWebviewHost(): Promise<WebviewHost> {
  const media = join(repoRoot, "media", "webviews");
  let origin = "";
  const server: Server = createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? "/", origin);
      if (u.pathname === "/favicon.ico") {
        res.writeHead(204).end();
        return;
      }
      const m = /^\/(samples|charts)\.html$/.exec(u.pathname);
      if (m) {
        const theme = THEMES[(u.searchParams.get("theme") as ThemeKind) ?? "light"] ?? THEMES.light;
        const nonce = makeNonce();
        let html = webviewHtml({ title: m[1]!, cspSource: origin, nonce, scriptUri: `${origin}/media/${m[1]}.js`, styleUri: `${origin}/media/${m[1]}.css` });
        // VS Code sets its theme variables through the CSSOM (a style attribute would break the CSP).
        const vars = `for (const [k, v] of Object.entries(${JSON.stringify(theme.vars)})) document.documentElement.style.setProperty("--vscode-" + k, v);`;
        if (u.searchParams.get("csp") === "off") html = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\n/, "");
        html = html.replace("</head>", `<script nonce="${nonce}">${API_STUB}\n${vars}</script>\n</head>`)
          .replace("<body>", `<body class="${theme.bodyClass}" data-vscode-theme-kind="${theme.bodyClass.split(" ").at(-1)}">`);
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(html);
        return;
      }
      if (u.pathname.startsWith("/media/")) {
        const rel = normalize(decodeURIComponent(u.pathname.slice("/media/".length)));
        if (rel.startsWith("..") || rel.includes("/")) {
          res.writeHead(404).end();
          return;
        }
        try {
          const body = await readFile(join(media, rel));
          res.writeHead(200, { "content-type": TYPES[extname(rel)] ?? "application/octet-stream" });
          res.end(body);
        } catch {
          res.writeHead(404).end();
        }
        return;
      }
      res.writeHead(404).end();
    })();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    url: (name, theme, opts) => `${origin}/${name}.html?theme=${theme}${opts?.csp === false ? "&csp=off" : ""}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Wires a page to a host-side message handler: the page's `postMessage` calls `onMessage`, and the
 * returned `post` delivers a message to the page as VS Code would.
 */
export async function connect(page: Page, onMessage: (msg: unknown) => void | Promise<void>): Promise<(msg: unknown) => Promise<void>> {
  await page.exposeBinding("__hostPost", async (_src, msg: unknown) => {
    await onMessage(msg);
  });
  return async (msg: unknown) => {
    if (page.isClosed()) return;
    await page.evaluate((m) => window.postMessage(m, "*"), msg as never).catch(() => undefined);
  };
}
