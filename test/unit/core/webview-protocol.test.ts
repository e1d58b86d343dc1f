import assert from "node:assert/strict";
import { makeNonce, webviewCsp, webviewHtml } from "../../../src/core/webview-protocol/html";
import { parseChartsRequest, parseSamplesRequest } from "../../../src/core/webview-protocol/validate";

describe("webview protocol (core/webview-protocol)", () => {
  const source = "https://file+.vscode-resource.vscode-cdn.net";

  it("builds a strict CSP: nothing by default, scripts by nonce only, no inline or eval, nothing remote", () => {
    const nonce = makeNonce();
    assert.match(nonce, /^[A-Za-z0-9]{20,}$/);
    assert.notEqual(makeNonce(), nonce, "a fresh nonce per page");
    const directives = new Map(webviewCsp(source, nonce).split("; ").map((d) => [d.split(" ")[0]!, d.split(" ").slice(1)]));
    assert.deepEqual(directives.get("default-src"), ["'none'"]);
    assert.deepEqual(directives.get("script-src"), [`'nonce-${nonce}'`]);
    assert.deepEqual(directives.get("style-src"), [source, `'nonce-${nonce}'`]);
    assert.deepEqual(directives.get("font-src"), [source]);
    assert.deepEqual(directives.get("img-src"), [source, "blob:"]);
    for (const d of ["connect-src", "frame-src", "form-action", "base-uri"]) assert.deepEqual(directives.get(d), ["'none'"], d);
    for (const [name, sources] of directives) {
      for (const v of sources) {
        assert.ok(!/unsafe|^\*$|^https?:$|^data:$/.test(v), `${name} allows ${v}`);
      }
    }
  });

  it("puts the CSP first in <head> and the nonce on the only script, escaping what it interpolates", () => {
    const html = webviewHtml({ title: `<"&>`, cspSource: source, nonce: "abc123", scriptUri: `${source}/media/samples.js?a="x"`, styleUri: `${source}/media/samples.css` });
    const head = html.slice(html.indexOf("<head>"), html.indexOf("</head>"));
    assert.ok(head.indexOf("Content-Security-Policy") < head.indexOf("<link"), "the policy comes before any resource");
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.match(html, /<script nonce="abc123" src="[^"]*samples\.js\?a=&#34;x&#34;"><\/script>/);
    assert.match(html, /<title>&#60;&#34;&#38;&#62;<\/title>/);
  });

  it("drops malformed or unknown messages from the webviews", () => {
    assert.deepEqual(parseSamplesRequest({ type: "detail", line: 3 }), { type: "detail", line: 3 });
    for (const bad of [null, "detail", { type: "detail", line: -1 }, { type: "detail", line: 1.5 }, { type: "eval", code: "x" }, { type: "query", requestId: 1, query: { text: "x".repeat(501) } }]) {
      assert.equal(parseSamplesRequest(bad), undefined, JSON.stringify(bad)?.slice(0, 60));
    }
    assert.ok(parseChartsRequest({ type: "export", format: "svg", name: "pgr-heatmap", content: "<svg/>" }));
    for (const name of ["../../etc/passwd", "a/b", "", "x".repeat(81)]) {
      assert.equal(parseChartsRequest({ type: "export", format: "svg", name, content: "<svg/>" }), undefined, `file name ${name.slice(0, 20)}`);
    }
    assert.equal(parseChartsRequest({ type: "export", format: "exe", name: "x", content: "" }), undefined);
  });
});
