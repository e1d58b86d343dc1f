/** Webview HTML for the extension's panels: the shared shell (core) with this extension's resource URIs. */
import * as vscode from "vscode";
import { makeNonce, webviewHtml } from "../core/webview-protocol/html";

export function webviewOptions(context: vscode.ExtensionContext): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  // Only the built bundles can be loaded; no command URIs, no remote origins.
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, "media", "webviews")] };
}

export function shellHtml(context: vscode.ExtensionContext, webview: vscode.Webview, name: "samples" | "charts", title: string): string {
  const base = vscode.Uri.joinPath(context.extensionUri, "media", "webviews");
  return webviewHtml({
    title,
    cspSource: webview.cspSource,
    nonce: makeNonce(),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(base, `${name}.js`)).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(base, `${name}.css`)).toString(),
  });
}
