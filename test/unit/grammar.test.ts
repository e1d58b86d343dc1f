import assert from "node:assert/strict";
import { tokenize, type Token } from "../support/textmate";

const find = (lines: Token[][], text: string): Token => {
  const t = lines.flat().find((x) => x.text === text);
  assert.ok(t, `no token ${JSON.stringify(text)} in ${JSON.stringify(lines.flat().map((x) => x.text))}`);
  return t;
};

describe("TextMate grammar: agora-spec", () => {
  it("scopes comments, keys, enum values, numbers and placeholders", async () => {
    const lines = await tokenize(
      "source.agora-spec",
      [
        "{",
        "  // a comment",
        '  "settings": [ { "domain": "math", "method": "instance_generation", "instances": 20 } ],',
        '  /* block */ "student": { "training": { "command": "trl sft --model {{base}} --data {{ data }}" } }',
        "}",
      ].join("\n"),
    );
    assert.ok(find(lines, " a comment").scopes.includes("comment.line.double-slash.agora-spec"));
    assert.ok(find(lines, "/*").scopes.some((s) => s.startsWith("comment.block")));
    assert.ok(find(lines, "domain").scopes.includes("support.type.property-name.agora-spec"));
    assert.ok(find(lines, '"instance_generation"').scopes.includes("constant.other.enum.agora-spec"));
    assert.ok(find(lines, "20").scopes.includes("constant.numeric.agora-spec"));
    assert.ok(find(lines, "{{base}}").scopes.includes("variable.other.placeholder.agora-spec"));
    assert.ok(find(lines, "{{ data }}").scopes.includes("variable.other.placeholder.agora-spec"));
  });
});
