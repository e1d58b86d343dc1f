/**
 * Exact and near-duplicate detection over a growing set of generated texts, in memory that stays small
 * at 100K items: an exact-match set of 64-bit hashes, and a 64-bit SimHash of word 3-gram shingles with
 * the pigeonhole index (eight 8-bit bands): two texts within Hamming distance 7 share at least one band,
 * so each lookup compares only against a band's candidates. Short instructions move a SimHash a lot per
 * changed word, hence 7 bits rather than the 3 used for web pages.
 */
import { createHash } from "node:crypto";

export const NEAR_DUPLICATE_BITS = 7;

export function normalizeText(s: string): string {
  return s.toLowerCase().replace(/\s+/g, " ").trim();
}

function hash64(s: string): bigint {
  return createHash("sha1").update(s).digest().readBigUInt64BE(0);
}

export function simhash(text: string): bigint {
  const words = normalizeText(text).replace(/[^\p{L}\p{N} ]+/gu, " ").split(" ").filter(Boolean);
  const acc = new Int32Array(64);
  const addShingle = (sh: string): void => {
    // Two 32-bit halves with plain integer bit tests: BigInt per bit would cost ~10x the CPU.
    const d = createHash("sha1").update(sh).digest();
    const hi = d.readUInt32BE(0);
    const lo = d.readUInt32BE(4);
    for (let b = 0; b < 32; b++) {
      acc[b]! += (lo >>> b) & 1 ? 1 : -1;
      acc[b + 32]! += (hi >>> b) & 1 ? 1 : -1;
    }
  };
  if (words.length < 3) addShingle(words.join(" "));
  else for (let i = 0; i + 3 <= words.length; i++) addShingle(`${words[i]} ${words[i + 1]} ${words[i + 2]}`);
  let lo = 0;
  let hi = 0;
  for (let b = 0; b < 32; b++) {
    if (acc[b]! > 0) lo |= 1 << b;
    if (acc[b + 32]! > 0) hi |= 1 << b;
  }
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export type DuplicateVerdict = { kind: "exact" | "near"; of: string } | undefined;

const BANDS = 8;

export class DuplicateIndex {
  private exact = new Map<bigint, string>();
  private hi: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  private lo: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  private ids: string[] = [];
  private bands: Map<number, number[]>[] = Array.from({ length: BANDS }, () => new Map());

  get size(): number {
    return this.ids.length;
  }

  private static bandKeys(h: bigint): number[] {
    const keys: number[] = [];
    for (let b = 0; b < BANDS; b++) keys.push(Number((h >> BigInt(8 * b)) & 0xffn));
    return keys;
  }

  /** Checks `text` against what was added; does not add it. */
  check(text: string): DuplicateVerdict {
    const ex = this.exact.get(hash64(normalizeText(text)));
    if (ex !== undefined) return { kind: "exact", of: ex };
    const h = simhash(text);
    const hi = Number(h >> 32n);
    const lo = Number(h & 0xffffffffn);
    const keys = DuplicateIndex.bandKeys(h);
    for (let b = 0; b < BANDS; b++) {
      const cands = this.bands[b]!.get(keys[b]!);
      if (!cands) continue;
      for (const c of cands) {
        if (popcount32((this.hi[c]! ^ hi) >>> 0) + popcount32((this.lo[c]! ^ lo) >>> 0) <= NEAR_DUPLICATE_BITS) return { kind: "near", of: this.ids[c]! };
      }
    }
    return undefined;
  }

  add(id: string, text: string): void {
    const ek = hash64(normalizeText(text));
    if (!this.exact.has(ek)) this.exact.set(ek, id);
    const h = simhash(text);
    const n = this.ids.push(id) - 1;
    if (n >= this.hi.length) {
      const grow = (a: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> => {
        const b = new Uint32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.hi = grow(this.hi);
      this.lo = grow(this.lo);
    }
    this.hi[n] = Number(h >> 32n);
    this.lo[n] = Number(h & 0xffffffffn);
    DuplicateIndex.bandKeys(h).forEach((key, b) => {
      const list = this.bands[b]!.get(key);
      if (list) list.push(n);
      else this.bands[b]!.set(key, [n]);
    });
  }
}
