import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLineIndex } from "../../../src/core/samples/line-index";
import { SampleFile } from "../../../src/core/samples/sample-file";
import { positionOf, SamplesController } from "../../../src/core/samples/controller";
import { EMPTY_QUERY, type SamplesHostMessage } from "../../../src/core/webview-protocol/samples";
import { wordDiff } from "../../../src/core/samples/word-diff";
import { writeHostileCorpus, writeItems } from "../../support/samples-fixtures";

describe("samples engine (core/samples)", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "agora-samples-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("indexes line offsets, caches them and extends the cache when the file only grows", async () => {
    const f = join(dir, "a.jsonl");
    writeItems(f, 3000, { pad: 3 });
    const cache = join(dir, "cache");
    const a = await openLineIndex(f, cache);
    assert.equal(a.source, "built");
    assert.equal(a.index.count, 3000);
    const text = readFileSync(f, "utf8").split("\n");
    const sf = await SampleFile.open(f, { cacheDir: cache });
    assert.equal(sf.indexSource, "cache");
    assert.equal((await sf.readLine(1234))!.toString("utf8"), text[1234]);
    appendFileSync(f, `${JSON.stringify({ id: "new", status: "valid", instruction: "appended" })}\n{"torn": `);
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    const b = await openLineIndex(f, cache);
    assert.equal(b.source, "extended");
    assert.equal(b.index.count, 3001, "the torn last line is left out");
    const c = await openLineIndex(f); // no cache: full build agrees
    assert.deepEqual(Array.from(c.index.offsets), Array.from(b.index.offsets));
  });

  it("keeps a complete last line without a trailing newline", async () => {
    const f = join(dir, "b.jsonl");
    writeFileSync(f, '{"id":"a"}\n{"id":"b"}');
    const sf = await SampleFile.open(f);
    assert.equal(sf.count, 2);
    assert.equal((await sf.readLine(1))!.toString(), '{"id":"b"}');
  });

  it("filters by status, generator, setting and judge score, and sorts with missing values last", async () => {
    const f = join(dir, "c.jsonl");
    writeItems(f, 600);
    const sf = await SampleFile.open(f);
    const facets = await sf.facets();
    assert.equal(facets.ready, true);
    assert.equal(facets.generators.length, 3);
    assert.equal(facets.settings.length, 9);
    const inv = await sf.query({ ...EMPTY_QUERY, statuses: ["invalid"] });
    assert.equal(inv.lines.length, facets.statuses.invalid);
    for (const r of await sf.rows(inv.lines)) assert.equal(r.status, "invalid");
    const q = await sf.query({ ...EMPTY_QUERY, generators: ["gpt-4o-2024-08-06"], settings: ["code.instance_generation"], judgeMin: 3 });
    const rows = await sf.rows(q.lines);
    assert.ok(rows.length > 0);
    for (const r of rows) {
      assert.equal(r.generator, "gpt-4o-2024-08-06");
      assert.equal(r.setting, "code.instance_generation");
      assert.ok(r.judge! >= 3);
    }
    const sorted = await sf.rows((await sf.query({ ...EMPTY_QUERY, sort: "judge", descending: true })).lines);
    assert.equal(sorted[0]!.judge, 5);
    assert.equal(sorted.at(-1)!.judge, undefined, "items without a judge score sort last");
  });

  it("searches values (case-insensitive, quotes and non-ASCII, also \\u-escaped), never keys", async () => {
    const f = join(dir, "d.jsonl");
    const items = [
      { id: "1", instruction: 'Say "Hello" to Zoë', response: "ok" },
      { id: "2", instruction: "nothing here", response: "ZOË again" },
      { id: "3", instruction: "no match", response: "instruction" },
    ];
    // Item 4 written like Python's json.dumps (ensure_ascii): ë as \u00eb.
    const line4 = '{"id":"4","instruction":"Zo\\u00eb escaped","response":"r"}';
    writeFileSync(f, `${items.map((x) => JSON.stringify(x)).join("\n")}\n${line4}\n`);
    const sf = await SampleFile.open(f);
    assert.deepEqual(Array.from((await sf.query({ ...EMPTY_QUERY, text: "zoë" })).lines), [0, 1, 3]);
    assert.deepEqual(Array.from((await sf.query({ ...EMPTY_QUERY, text: '"hello"' })).lines), [0]);
    assert.deepEqual(Array.from((await sf.query({ ...EMPTY_QUERY, text: "instruction" })).lines), [2], "a key name matches only where it is a value");
    // An ASCII needle is matched bytewise: after multi-byte characters on the same and earlier lines.
    assert.deepEqual(Array.from((await sf.query({ ...EMPTY_QUERY, text: "AGAIN" })).lines), [1]);
    assert.deepEqual(Array.from((await sf.query({ ...EMPTY_QUERY, text: "escaped" })).lines), [3]);
  });

  it("survives the hostile corpus: 1 MB lines, invalid UTF-8, broken JSON, non-objects", async () => {
    const f = join(dir, "hostile.jsonl");
    const n = writeHostileCorpus(f);
    const sf = await SampleFile.open(f);
    assert.equal(sf.count, n);
    const rows = await sf.rows(Uint32Array.from({ length: n }, (_, i) => i));
    assert.equal(rows.length, n);
    const details = await Promise.all(rows.map((r) => sf.detail(r.line)));
    assert.ok(details.some((d) => d?.invalidUtf8), "invalid UTF-8 is flagged");
    assert.ok(details.some((d) => d?.error === "not a JSON object"));
    assert.ok(details.some((d) => d?.bytes && d.bytes > 1024 * 1024));
    const facets = await sf.facets();
    assert.ok((facets.statuses.unparsable ?? 0) >= 2);
    const none = await sf.query({ ...EMPTY_QUERY, statuses: ["valid", "invalid", "duplicate", "failed", "unparsable"] });
    assert.equal(none.lines.length, n - 1, "every line but the blank one is listed");
    // A "__proto__" key stays data in the detail: the copy's prototype is untouched.
    const proto = details.find((d) => d?.item?.id === "proto")!;
    assert.equal(Object.getPrototypeOf(proto.item), Object.prototype);
    assert.ok(Object.prototype.hasOwnProperty.call(proto.item, "__proto__"));
    assert.equal(proto.item!.status, "invalid");
  });

  it("never sends a huge line whole: names cut in rows and facets, the detail within a total budget", async () => {
    const f = join(dir, "huge.jsonl");
    const big: Record<string, unknown> = { id: "h", generator: "g".repeat(1_000_000), setting: "s".repeat(5000), status: "valid" };
    for (let i = 0; i < 12; i++) big[`field${i}`] = String(i).repeat(150_000);
    writeFileSync(f, `${JSON.stringify(big)}\n${JSON.stringify({ id: "small", instruction: "ok" })}\n`);
    const sf = await SampleFile.open(f);
    const [row] = await sf.rows([0]);
    assert.ok(row!.generator.length <= 200 && row!.setting.length <= 200);
    assert.ok(JSON.stringify(row).length < 2000, "a row stays small");
    const facets = await sf.facets();
    assert.ok(facets.generators.every((g) => g.value.length <= 200));
    // Filtering by the (cut) name the facets offer finds the line.
    assert.deepEqual(Array.from((await sf.query({ ...EMPTY_QUERY, generators: [facets.generators.find((g) => g.value.startsWith("g"))!.value] })).lines), [0]);
    const d = (await sf.detail(0))!;
    assert.equal(d.truncated, true);
    const chars = JSON.stringify(d.item).length;
    assert.ok(chars < 1_100_000, `detail of ${chars} characters for a ${d.bytes}-byte line`);
    assert.ok(d.bytes > 2_500_000);
  });

  it("exports the filtered view as JSONL, byte for byte", async () => {
    const f = join(dir, "e.jsonl");
    writeItems(f, 200);
    const sf = await SampleFile.open(f);
    const q = await sf.query({ ...EMPTY_QUERY, statuses: ["duplicate"] });
    const out = join(dir, "out.jsonl");
    await sf.exportLines(q.lines, out);
    const src = readFileSync(f, "utf8").split("\n");
    assert.deepEqual(readFileSync(out, "utf8").trimEnd().split("\n"), Array.from(q.lines, (l) => src[l]));
  });

  it("reads the rendered prompt from the run's prompts.jsonl", async () => {
    const run = join(dir, "run");
    const data = join(run, "data", "math.instance_generation");
    mkdirSync(data, { recursive: true });
    const f = join(data, "gpt-4o.jsonl");
    writeItems(f, 5);
    writeFileSync(join(run, "prompts.jsonl"), `${JSON.stringify({ hash: "p3", setting: "s", generator: "g", template: "t", prompt: "PROMPT THREE" })}\n`);
    const sf = await SampleFile.open(f);
    assert.equal((await sf.detail(3))!.hasPrompt, true);
    assert.equal(await sf.prompt(3), "PROMPT THREE");
    assert.equal(await sf.prompt(2), null);
  });

  it("controller answers the protocol and drops malformed messages", async () => {
    const f = join(dir, "g.jsonl");
    writeItems(f, 250);
    const sent: SamplesHostMessage[] = [];
    const logs: string[] = [];
    const c = new SamplesController(await SampleFile.open(f), (m) => void sent.push(m), { log: (m) => logs.push(m) });
    await c.handle({ type: "ready" });
    await c.handle({ type: "query", requestId: 1, query: { ...EMPTY_QUERY, statuses: ["valid"] } });
    await c.handle({ type: "rows", requestId: 1, start: 100, end: 200 });
    await c.handle({ type: "detail", line: 3 });
    await c.handle({ type: "query", requestId: "x" });
    await c.handle({ type: "evil", payload: 1 });
    const view = sent.find((m) => m.type === "view");
    assert.ok(view && view.type === "view" && view.total > 0);
    const rows = sent.filter((m) => m.type === "rows");
    assert.equal(rows.length, 2);
    assert.ok(sent.some((m) => m.type === "detail" && m.detail.line === 3));
    assert.equal(logs.filter((l) => l.includes("malformed")).length, 2);
    c.dispose();
  });

  it("locates the selection in every view, and tells a reveal where its line is", async () => {
    const f = join(dir, "loc.jsonl");
    writeItems(f, 400);
    const sent: SamplesHostMessage[] = [];
    const c = new SamplesController(await SampleFile.open(f), (m) => {
      sent.push(m);
      return Promise.resolve(true);
    });
    // A reveal before the page is ready goes with its init.
    c.reveal(123);
    assert.equal(sent.length, 0);
    await c.handle({ type: "ready" });
    const init = sent.find((m) => m.type === "init");
    assert.ok(init?.type === "init" && init.revealLine === 123);
    const lastView = (): Extract<SamplesHostMessage, { type: "view" }> => sent.filter((m) => m.type === "view").at(-1) as Extract<SamplesHostMessage, { type: "view" }>;
    await c.handle({ type: "query", requestId: 1, query: EMPTY_QUERY, locate: 123 });
    assert.equal(lastView().located, 123);
    // Only invalid items (i % 17 === 5): line 107 is the 7th of them; line 123 is not one.
    await c.handle({ type: "query", requestId: 2, query: { ...EMPTY_QUERY, statuses: ["invalid"] }, locate: 107 });
    assert.equal(lastView().located, 6);
    await c.handle({ type: "query", requestId: 3, query: { ...EMPTY_QUERY, statuses: ["invalid"] }, locate: 123 });
    assert.equal(lastView().located, undefined);
    c.reveal(311); // 311 % 17 === 5: in this view
    c.reveal(310); // not in it
    const reveals = sent.filter((m) => m.type === "reveal");
    assert.deepEqual(reveals.slice(-2), [{ type: "reveal", line: 311, position: 18 }, { type: "reveal", line: 310 }]);
    // Sorted by cost: found by a scan, wherever the sort put it.
    await c.handle({ type: "query", requestId: 4, query: { ...EMPTY_QUERY, sort: "cost", descending: true }, locate: 200 });
    const v = lastView();
    const sf = await SampleFile.open(f);
    const lines = (await sf.query({ ...EMPTY_QUERY, sort: "cost", descending: true })).lines;
    assert.equal(lines[v.located!], 200);
    c.dispose();
  });

  it("a file that grows (a running generation) is re-indexed and the page told to query again", async () => {
    const f = join(dir, "grow.jsonl");
    writeItems(f, 10);
    const sent: SamplesHostMessage[] = [];
    const c = new SamplesController(await SampleFile.open(f), (m) => void sent.push(m));
    await c.handle({ type: "ready" });
    await c.handle({ type: "query", requestId: 1, query: EMPTY_QUERY });
    appendFileSync(f, `${JSON.stringify({ id: "late", status: "valid", instruction: "appended while open" })}\n`);
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    await c.fileChanged();
    const inits = sent.filter((m) => m.type === "init");
    assert.equal(inits.length, 2);
    assert.ok(inits[1]!.type === "init" && inits[1]!.file.count === 11);
    await c.handle({ type: "query", requestId: 2, query: { ...EMPTY_QUERY, text: "appended while open" }, locate: 10 });
    const v = sent.filter((m) => m.type === "view").at(-1)!;
    assert.ok(v.type === "view" && v.total === 1 && v.located === 0);
    c.dispose();
  });

  it("positionOf: binary search in file order (both directions), scan otherwise", () => {
    const asc = Uint32Array.from([2, 5, 9, 14, 20]);
    assert.deepEqual([2, 5, 9, 14, 20, 3, 0, 99].map((l) => positionOf(asc, l, { sort: "line", descending: false })), [0, 1, 2, 3, 4, undefined, undefined, undefined]);
    const desc = Uint32Array.from([20, 14, 9, 5, 2]);
    assert.deepEqual([20, 14, 9, 5, 2, 10].map((l) => positionOf(desc, l, { sort: "line", descending: true })), [0, 1, 2, 3, 4, undefined]);
    assert.equal(positionOf(Uint32Array.from([7, 3, 9]), 9, { sort: "cost", descending: false }), 2);
    assert.equal(positionOf(new Uint32Array(0), 1, { sort: "line", descending: false }), undefined);
  });

  it("pages any window of the file: rows for arbitrary, non-adjacent lines and the last line", async () => {
    const f = join(dir, "p.jsonl");
    writeItems(f, 1000);
    const sf = await SampleFile.open(f);
    const lines = [0, 1, 2, 500, 501, 999, 7];
    const rows = await sf.rows(lines);
    assert.deepEqual(rows.map((r) => r.line), lines);
    assert.deepEqual(rows.map((r) => r.id), lines.map((i) => `item-${i.toString(36).padStart(6, "0")}`));
    assert.equal(await sf.readLine(1000), undefined, "past the end");
    const view = await sf.query({ ...EMPTY_QUERY, descending: true });
    assert.equal(view.lines[0], 999);
    assert.equal((await sf.detail(999))!.item!.index, 999);
  });

  it("word diff: deletions left, insertions right, unchanged text on both sides", () => {
    const d = wordDiff("the quick brown fox", "the slow brown fox jumps");
    assert.equal(d.diffed, true);
    assert.equal(d.left.map((p) => p.text).join(""), "the quick brown fox");
    assert.equal(d.right.map((p) => p.text).join(""), "the slow brown fox jumps");
    assert.deepEqual(d.left.filter((p) => p.kind === "removed").map((p) => p.text.trim()), ["quick"]);
    assert.deepEqual(d.right.filter((p) => p.kind === "added").map((p) => p.text.trim()), ["slow", "jumps"]);
    assert.ok(d.left.every((p) => p.kind !== "added") && d.right.every((p) => p.kind !== "removed"));
    const long = wordDiff("a ".repeat(40_000), "b", 60_000);
    assert.equal(long.diffed, false, "too long to diff: shown as is");
  });
});
