import assert from "node:assert/strict";
import { tokenize } from "../../support/textmate";

describe("TextMate grammar: agora-prompt", () => {
  it("scopes placeholders, comments, INPUT/OUTPUT markers and output markers", async () => {
    const lines = await tokenize("text.agora-prompt", ["{{! a note }}", "Problem: {{instruction}} and {{ theme }}", "INPUT: x", "end with [RESULT] 4 [/RESULT] [END]"].join("\n"));
    const all = lines.flat();
    const tok = (text: string) => {
      const t = all.find((x) => x.text === text);
      assert.ok(t, `no token ${text} in ${JSON.stringify(all.map((x) => x.text))}`);
      return t;
    };
    assert.ok(tok(" a note ").scopes.includes("comment.block.agora-prompt"));
    assert.ok(tok("instruction").scopes.includes("variable.other.placeholder.agora-prompt"));
    assert.ok(tok("theme").scopes.includes("variable.other.placeholder.agora-prompt"));
    assert.ok(tok("INPUT:").scopes.includes("keyword.other.section-marker.agora-prompt"));
    assert.ok(tok("[RESULT]").scopes.includes("constant.language.output-marker.agora-prompt"));
    assert.ok(tok("[END]").scopes.includes("constant.language.output-marker.agora-prompt"));
  });
});
