/**
 * The engine's per-item state that lives for a whole run — id sets, the duplicate index, the item store's
 * counters — kept in compact typed-array structures. These tests hold them to the behaviour of the plain
 * `Set`/`Map` versions they replace, including the cases those got for free (deletion, growth, ids that
 * are not 24-hex, the id a duplicate points to).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { dataFile } from "../../../src/core/run/layout";
import { DuplicateIndex, fingerprint, normalizeText, simhash } from "../../../src/generation/dedup";
import { formatHexId, IdSet, parseHexId } from "../../../src/generation/idset";
import { ItemStore } from "../../../src/generation/store";

/** mulberry32: a seeded PRNG so the random operation sequences repeat. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hexId = (rnd: () => number): string => formatHexId((rnd() * 2 ** 32) >>> 0, (rnd() * 2 ** 32) >>> 0, (rnd() * 2 ** 32) >>> 0);

describe("generation: compact id sets", () => {
  it("parses and formats 24-hex ids losslessly, and rejects every other shape", () => {
    const w = new Uint32Array(3);
    assert.equal(parseHexId("00ff00ff0123456789abcdef", w), true);
    assert.equal(formatHexId(w[0]!, w[1]!, w[2]!), "00ff00ff0123456789abcdef");
    for (const bad of ["00FF00FF0123456789ABCDEF", "00ff00ff0123456789abcde", "00ff00ff0123456789abcdefa", "zzff00ff0123456789abcdef", ""]) {
      assert.equal(parseHexId(bad, w), false, bad);
    }
  });

  it("behaves like a Set under a long random sequence of adds, deletes and lookups (growth and backward-shift deletion included)", () => {
    const rnd = prng(42);
    const set = new IdSet(4);
    const ref = new Set<string>();
    const pool: string[] = [];
    for (let i = 0; i < 3000; i++) pool.push(i % 10 === 0 ? `custom-id-${i}` : hexId(rnd));
    for (let op = 0; op < 40_000; op++) {
      const id = pool[Math.floor(rnd() * pool.length)]!;
      const r = rnd();
      if (r < 0.5) assert.equal(set.add(id), !ref.has(id) && (ref.add(id), true));
      else if (r < 0.75) assert.equal(set.delete(id), ref.delete(id));
      else assert.equal(set.has(id), ref.has(id));
      if (op % 5000 === 0) assert.equal(set.size, ref.size);
    }
    assert.equal(set.size, ref.size);
    for (const id of pool) assert.equal(set.has(id), ref.has(id), id);
  });

  it("holds 200K ids through many rehashes and answers for each of them", () => {
    const rnd = prng(7);
    const ids = Array.from({ length: 200_000 }, () => hexId(rnd));
    const set = new IdSet();
    for (const id of ids) set.add(id);
    assert.equal(set.size, 200_000);
    assert.ok(ids.every((id) => set.has(id)));
    assert.equal(set.has(hexId(prng(8))), false);
  });
});

describe("generation: duplicate index", () => {
  const a = "Mia buys twelve red apples at the market and gives three of them to her brother Tom. How many apples does Mia keep for herself after that?";

  /** The hashing the index used before it went allocation-free: node:crypto SHA-1 over built strings. */
  const reference = (text: string): { exact: bigint; sim: bigint } => {
    const norm = normalizeText(text);
    const words = norm.replace(/[^\p{L}\p{N} ]+/gu, " ").split(" ").filter(Boolean);
    const shingles = words.length < 3 ? [words.join(" ")] : words.slice(2).map((w, i) => `${words[i]} ${words[i + 1]} ${w}`);
    const acc = new Array<number>(64).fill(0);
    for (const sh of shingles) {
      const h = createHash("sha1").update(sh).digest().readBigUInt64BE(0);
      for (let b = 0; b < 64; b++) acc[b]! += (h >> BigInt(b)) & 1n ? 1 : -1;
    }
    const sim = acc.reduce((v, a, b) => (a > 0 ? v | (1n << BigInt(b)) : v), 0n);
    return { exact: createHash("sha1").update(norm).digest().readBigUInt64BE(0), sim };
  };

  it("computes the same SHA-1 based hashes as the string-building version, so verdicts do not change (Unicode, surrogates, odd whitespace)", () => {
    const rnd = prng(11);
    const pieces = ["a", "B", "é", "Ä", "ß", "İ", "ω", "日本", "😀", "\ud800", "\udc00", " ", "\t", "\n", "\u00a0", "\u2003", "\ufeff", ",", ".", "3", "٣", "Word", "ǅ", "\u0301"];
    const texts = ["", " ", "one", "one two", "one two three", a];
    for (let i = 0; i < 3000; i++) texts.push(Array.from({ length: Math.floor(rnd() * 30) }, () => pieces[Math.floor(rnd() * pieces.length)]).join(""));
    for (const t of texts) {
      const f = fingerprint(t);
      const r = reference(t);
      assert.equal((BigInt(f.exactHi) << 32n) | BigInt(f.exactLo), r.exact, `exact hash of ${JSON.stringify(t)}`);
      assert.equal(simhash(t), r.sim, `SimHash of ${JSON.stringify(t)}`);
    }
  });

  it("hashes the normalised text for exact matches: case and whitespace differences match, other edits do not", () => {
    const same = [a, a.toUpperCase(), `  ${a.replace(/ /g, " \t\n ")}\n`, a.replace(/ /g, "\u00a0")];
    for (const t of same) {
      assert.equal(normalizeText(t), normalizeText(a));
      const f = fingerprint(t);
      const g = fingerprint(a);
      assert.deepEqual([f.exactHi, f.exactLo], [g.exactHi, g.exactLo], JSON.stringify(t));
    }
    const f = fingerprint(a.replace("?", "!"));
    const g = fingerprint(a);
    assert.notDeepEqual([f.exactHi, f.exactLo], [g.exactHi, g.exactLo]);
  });

  it("shingles words of letters and digits only: punctuation and case do not move the SimHash, a changed word does", () => {
    assert.equal(simhash(a), simhash(a.replace(/\./g, " ;; ").replace(/\?/g, "!").toLowerCase()));
    assert.equal(simhash("über 3 Äpfel, bitte"), simhash("ÜBER 3 äpfel bitte!"));
    assert.notEqual(simhash(a), simhash(a.replace("twelve", "eleven")));
    assert.notEqual(simhash(""), simhash("one"));
    assert.notEqual(simhash("one two"), simhash("two one"), "word order counts, even below three words");
  });

  it("reports exact and near duplicates against the first entry that matches, and checkAndAdd adds only new texts", () => {
    const d = new DuplicateIndex();
    const idA = "0123456789abcdef01234567";
    assert.equal(d.checkAndAdd(idA, a), undefined);
    assert.deepEqual(d.checkAndAdd("aaaaaaaaaaaaaaaaaaaaaaa1", a.toUpperCase()), { kind: "exact", of: idA });
    assert.deepEqual(d.check(a.replace("twelve", "eleven")), { kind: "near", of: idA });
    assert.equal(d.size, 1, "duplicates are not added");
    const b = "Write a Python function that reverses a linked list in place and returns the new head node.";
    assert.equal(d.checkAndAdd("item-b", b), undefined);
    assert.deepEqual(d.check(b.toLowerCase()), { kind: "exact", of: "item-b" }, "ids of any shape come back as given");
    assert.equal(d.size, 2);
  });

  it("keeps finding duplicates as it grows past its initial tables (20K distinct texts)", () => {
    const rnd = prng(3);
    const vocab = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}`);
    const texts = Array.from({ length: 20_000 }, () => Array.from({ length: 14 }, () => vocab[Math.floor(rnd() * vocab.length)]).join(" "));
    const d = new DuplicateIndex();
    texts.forEach((t, i) => d.add(formatHexId(0, 0, i), t));
    assert.equal(d.size, 20_000);
    for (const i of [0, 1023, 1024, 5000, 19_999]) {
      assert.deepEqual(d.check(texts[i]!.toUpperCase()), { kind: "exact", of: formatHexId(0, 0, i) });
      // Same words, other punctuation: a different exact hash, the same SimHash (distance 0).
      assert.deepEqual(d.check(`${texts[i]!.replace(/ /g, ", ")}!`), { kind: "near", of: formatHexId(0, 0, i) });
    }
    const fresh = Array.from({ length: 14 }, () => vocab[Math.floor(rnd() * vocab.length)]).join(" ");
    assert.equal(d.check(fresh), undefined);
  });
});

describe("generation: item store counters over compact id sets", () => {
  it("counts the last record of an id, retries failed ids, never counts a paid id twice", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agora-store-"));
    try {
      const rec = (id: string, status: string, costUsd: number): string =>
        JSON.stringify({ id, status, costUsd, usage: { inputTokens: 10, outputTokens: costUsd ? 5 : 0 }, instruction: "", response: "" });
      const a = "aaaaaaaaaaaaaaaaaaaaaaaa";
      const b = "bbbbbbbbbbbbbbbbbbbbbbbb";
      const lines = [rec(a, "failed", 0), rec(a, "failed", 0), rec(a, "valid", 0.5), rec(a, "valid", 0.5), rec(b, "failed", 0), rec("hand-written", "duplicate", 0.25)];
      const file = join(dir, dataFile("math.response_generation", "g"));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${lines.join("\n")}\n`);
      const { store } = await ItemStore.open(dir, "math.response_generation", "g");
      assert.deepEqual({ ...store.counts }, { valid: 1, invalid: 0, duplicate: 1, failed: 1, costUsd: 0.75, inputTokens: 50, outputTokens: 10 });
      assert.equal(store.doneCount, 2);
      assert.equal(store.has(a), true);
      assert.equal(store.has(b), false, "a failed id is requested again");
      assert.equal(store.has("hand-written"), true);
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
