/**
 * The webview side of VS Code's webview API, typed with our protocol. `acquireVsCodeApi` may be called
 * once per page; tests provide the same function from a small host page.
 */
export interface VsCodeApi<Req, State> {
  postMessage(msg: Req): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi<Req, State>(): VsCodeApi<Req, State>;

export function vscodeApi<Req, State>(): VsCodeApi<Req, State> {
  return acquireVsCodeApi<Req, State>();
}

/** Creates an element with text content only: model-generated strings never become HTML this way. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function icon(name: string): HTMLSpanElement {
  const s = el("span", `codicon codicon-${name}`);
  s.setAttribute("aria-hidden", "true");
  return s;
}
