import assert from "node:assert/strict";
import type { SpecFileSystem } from "../../../src/core/spec/semantic";
import { MAX_DIAGNOSTICS, TOO_MANY } from "../../../src/core/spec/load";
import { validateHostsText, validateSpecText } from "../../../src/core/spec/validate";

/** An in-memory file system: the validator's only door to disk. */
function memFs(files: Record<string, string>): SpecFileSystem {
  return {
    readText: async (p) => files[p],
    resolve: (spec, rel) => (rel.startsWith("/") ? rel : `${spec.slice(0, spec.lastIndexOf("/"))}/${rel}`.replace(/\/\.\//g, "/")),
  };
}

const minimal = `{
  // comments are allowed
  "name": "demo",
  "generators": [ { "id": "mini", "provider": "openai", "model": "gpt-4o-mini-2024-07-18" } ],
  "settings": [
    { "domain": "math", "method": "response_generation", "seed": { "file": "seed.jsonl" }, "instances": 2 },
  ],
}`;
const seed = '{"config":"m","instruction":"1+1?","response":""}\n{"config":"m","instruction":"2+2?","response":""}\n';

const at = (d: { range: { start: { line: number; character: number } } }): string => `${d.range.start.line + 1}:${d.range.start.character + 1}`;

describe("core/spec validation", () => {
  it("accepts a minimal JSONC spec and fills in the paper's defaults", async () => {
    const r = await validateSpecText(minimal, { fs: memFs({ "/w/seed.jsonl": seed }), specPath: "/w/x.agora.json" });
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.ok, true);
    const g = r.value!.generators[0]!;
    assert.equal(g.sampling.temperature, 1.0);
    assert.equal(g.sampling.topP, 0.9);
    assert.equal(g.sampling.maxTokens, 4096);
    assert.deepEqual(g.sampling.stop, ["[END]"]);
    assert.equal(r.value!.student.training.epochs, 5);
    assert.equal(r.value!.student.training.learningRate, 1e-5);
    assert.equal(r.value!.evaluation.benchmarks.length, 6);
    assert.equal(r.value!.evaluation.inference.temperature.math, 0.2);
    assert.equal(r.value!.settings[0]!.demonstrations, 3);
  });

  it("reports a syntax error and still reports schema errors elsewhere, each at its line and column", async () => {
    const text = `{
  "name": "x"
  "generators": [],
  "settings": [ { "domain": "physics", "method": "response_generation", "seed": { "file": "s.jsonl" } } ]
}`;
    const r = await validateSpecText(text);
    assert.equal(r.ok, false);
    const got = r.diagnostics.map((d) => `${at(d)} ${d.code}`);
    assert.deepEqual(got, ["3:3 syntax.CommaExpected", "3:3 schema.too_small", "4:29 schema.invalid_value"]);
  });

  it("points unknown properties at their key and missing ones at the object that lacks them", async () => {
    const text = `{
  "name": "x",
  "generators": [ { "id": "a", "provider": "openai", "modle": "gpt-4o" } ],
  "settings": [ { "domain": "math", "method": "instance_generation", "seed": { "file": "s.jsonl" } } ]
}`;
    const r = await validateSpecText(text);
    const got = r.diagnostics.map((d) => `${at(d)} ${d.code} ${d.message}`);
    assert.deepEqual(got, ['3:19 schema.missing Missing required property "model".', '3:54 schema.unrecognized_key Unknown property "modle".']);
    const unknown = r.diagnostics[1]!;
    assert.equal(unknown.range.end.character - unknown.range.start.character, '"modle"'.length);
  });

  it("reports an absent enum property as missing, with its allowed values (zod calls it invalid_value)", async () => {
    const text = `{
  "name": "x",
  "generators": [ { "id": "a", "model": "gpt-4o" } ],
  "settings": [ { "seed": { "file": "s.jsonl" } } ]
}`;
    const r = await validateSpecText(text);
    assert.deepEqual(
      r.diagnostics.map((d) => `${at(d)} ${d.code} ${d.message}`),
      [
        '3:19 schema.missing Missing required property "provider" ("openai", "anthropic" or "openai-compatible").',
        '4:17 schema.missing Missing required property "domain" ("math", "code" or "instruction_following").',
        '4:17 schema.missing Missing required property "method" ("instance_generation", "response_generation" or "quality_enhancement").',
      ],
    );
    // A wrong value that is present stays invalid_value, on the value.
    const wrong = await validateSpecText(text.replace('{ "seed"', '{ "domain": "physics", "method": "instance_generation", "seed"'));
    assert.deepEqual(wrong.diagnostics.slice(1).map((d) => `${at(d)} ${d.code}`), ["4:29 schema.invalid_value"]);
  });

  it("reports at most MAX_DIAGNOSTICS problems, then one limit.too-many-problems where the rest begin", async () => {
    const lines = ["{", '  "name": "x",', ...Array.from({ length: 1500 }, () => '  "name": "x",'), '  "generators": [], "settings": []', "}"];
    const r = await validateSpecText(lines.join("\n"));
    assert.equal(r.diagnostics.length, MAX_DIAGNOSTICS + 1);
    const last = r.diagnostics[MAX_DIAGNOSTICS]!;
    assert.equal(last.code, TOO_MANY);
    // The 1,500 duplicate keys are lines 3..1502 and the two schema errors line 1503: the first 1,000
    // duplicates are shown, the summary stands at the first one left out.
    assert.ok(r.diagnostics.slice(0, MAX_DIAGNOSTICS).every((d) => d.code === "semantic.duplicate-key"));
    assert.equal(at(r.diagnostics[0]!), "3:3");
    assert.equal(at(r.diagnostics[MAX_DIAGNOSTICS - 1]!), "1002:3");
    assert.equal(at(last), "1003:3");
    assert.equal(r.ok, false, "the schema errors left out still make the spec invalid");
    assert.equal(last.severity, "error", "the summary is as severe as the worst problem it stands for");
    // 30,000 generators sharing one id: as many semantic errors, trimmed the same way (and no stack overflow).
    const gens = Array.from({ length: 30_000 }, () => ({ id: "g", provider: "openai-compatible", model: "m" }));
    const many = await validateSpecText(JSON.stringify({ name: "x", generators: gens, settings: [] }));
    assert.equal(many.diagnostics.length, MAX_DIAGNOSTICS + 1);
    assert.equal(many.diagnostics[MAX_DIAGNOSTICS]!.code, TOO_MANY);
  });

  it("reports semantic errors: duplicate and unknown generators, duplicate keys, base URL", async () => {
    const text = `{
  "name": "x",
  "name": "y",
  "generators": [
    { "id": "a", "provider": "openai", "model": "m" },
    { "id": "a", "provider": "openai-compatible", "model": "m" }
  ],
  "settings": [ { "domain": "math", "method": "instance_generation", "seed": { "file": "s.jsonl" }, "generators": ["a", "zz"] } ]
}`;
    const r = await validateSpecText(text);
    const got = r.diagnostics.map((d) => `${at(d)} ${d.severity} ${d.code}`);
    assert.deepEqual(got, [
      "3:3 warning semantic.duplicate-key",
      "6:13 error semantic.duplicate-generator",
      "6:30 error semantic.base-url-required",
      "8:121 error semantic.unknown-generator",
    ]);
  });

  it("checks seed files on disk: missing, not JSONL, wrong fields, count", async () => {
    const spec = (file: string, method = "instance_generation", extra = "") => `{
  "name": "x", "generators": [ { "id": "a", "provider": "openai", "model": "m" } ],
  "settings": [ { "domain": "code", "method": "${method}", "seed": { "file": "${file}" }${extra} } ]
}`;
    const fs = memFs({
      "/w/bad.jsonl": '{"instruction": "a", "response": "b"}\nnot json\n',
      "/w/nofield.jsonl": '{"prompt": "a", "answer": "b"}\n{"prompt": "c", "answer": "d"}\n',
      "/w/ok.jsonl": '{"instruction": "a", "response": "b"}\n{"instruction": "c", "response": "d"}\n',
      "/w/h.json": '{ "hosts": [ { "name": "gpu", "kind": "local" } ] }',
    });
    const codes = async (t: string) => (await validateSpecText(t, { fs, specPath: "/w/s.agora.json" })).diagnostics.map((d) => `${at(d)} ${d.code}`);
    assert.deepEqual(await codes(spec("missing.jsonl")), ["3:88 semantic.seed-missing"]);
    assert.deepEqual(await codes(spec("bad.jsonl")), ["3:88 semantic.seed-not-jsonl", "3:88 semantic.seed-too-small"]);
    assert.deepEqual(await codes(spec("nofield.jsonl")), ["3:88 semantic.seed-fields"]);
    assert.deepEqual(await codes(spec("ok.jsonl", "response_generation", ', "instances": 5')), ["3:115 semantic.instances-over-seed"]);
    // Field mapping makes the same file usable.
    assert.deepEqual(await codes(spec("nofield.jsonl", "instance_generation", "").replace('"file": "nofield.jsonl"', '"file": "nofield.jsonl", "fields": { "instruction": "prompt", "response": "answer" }')), []);
  });

  it("checks host references against the hosts file", async () => {
    const text = `{
  "name": "x", "generators": [ { "id": "a", "provider": "openai", "model": "m" } ],
  "hosts": { "file": "h.json", "default": "gpu" },
  "student": { "host": "cluster" },
  "settings": [ { "domain": "code", "method": "instance_generation", "seed": { "file": "ok.jsonl" } } ]
}`;
    const fs = memFs({ "/w/ok.jsonl": '{"instruction": "a", "response": "b"}\n{"instruction": "a", "response": "b"}\n', "/w/h.json": '{ "hosts": [ { "name": "gpu", "kind": "local" } ] }' });
    const r = await validateSpecText(text, { fs, specPath: "/w/s.agora.json" });
    assert.deepEqual(r.diagnostics.map((d) => `${at(d)} ${d.code}`), ["4:24 semantic.unknown-host"]);
    assert.match(r.diagnostics[0]!.message, /Host "cluster" is not defined in "h.json". Known hosts: "local", "gpu"/);
  });

  it("survives hostile input: empty, truncated, deep nesting, __proto__, BOM", async () => {
    assert.equal((await validateSpecText("")).diagnostics[0]!.code, "syntax.ValueExpected");
    assert.equal((await validateSpecText(minimal.slice(0, 120))).ok, false);
    const deep = "[".repeat(5000) + "]".repeat(5000);
    const deepResult = await validateSpecText(deep);
    assert.deepEqual(deepResult.diagnostics.map((d) => `${at(d)} ${d.code}`), ["1:201 syntax.TooDeep"]);
    assert.equal((await validateSpecText("[".repeat(200_000))).diagnostics[0]!.code, "syntax.TooDeep");
    const proto = await validateSpecText('{"__proto__": {"polluted": 1}, "name": "x"}');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.ok(proto.diagnostics.some((d) => d.code === "schema.unrecognized_key"));
    const bom = await validateSpecText(`\uFEFF${minimal}`);
    assert.ok(!bom.diagnostics.some((d) => d.code.startsWith("syntax.")));
  });

  it("validates hosts files, including references between hosts", () => {
    const ok = validateHostsText('{ "hosts": [ { "name": "local", "kind": "local" }, { "name": "gpu", "kind": "ssh", "host": "127.0.0.1", "user": "me" }, { "name": "c", "kind": "slurm", "via": "gpu" } ] }');
    assert.equal(ok.ok, true);
    assert.equal((ok.value!.hosts[1] as { port: number }).port, 22);
    const bad = validateHostsText('{ "hosts": [ { "name": "c", "kind": "slurm", "via": "login", "time": "forever" } ] }');
    // The schema error (bad time) hides the semantic pass, as for specs: fix shape first, then references.
    assert.deepEqual(bad.diagnostics.map((d) => `${at(d)} ${d.code}`), ["1:70 schema.invalid_format"]);
    const unknownVia = validateHostsText('{ "hosts": [ { "name": "c", "kind": "slurm", "via": "login" } ] }');
    assert.deepEqual(unknownVia.diagnostics.map((d) => `${at(d)} ${d.code}`), ["1:53 semantic.unknown-host"]);
  });
});
