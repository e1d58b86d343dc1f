/**
 * Exact and near-duplicate detection over a growing set of generated texts, in memory that stays small
 * at 100K items: an exact-match table of 64-bit hashes of the normalised text, and a 64-bit SimHash of
 * word 3-gram shingles with the pigeonhole index (eight 8-bit bands): two texts within Hamming distance
 * 7 share at least one band, so each lookup compares only against a band's candidates. Short
 * instructions move a SimHash a lot per changed word, hence 7 bits rather than the 3 used for web pages.
 *
 * Everything per entry lives in typed arrays (about 80 bytes an entry, outside the GC heap): JS objects
 * per entry (a BigInt-keyed Map, id strings, arrays of candidates) kept old-generation heap growing with
 * the run, and V8 sizes the heap as a multiple of what is live. The hashes are SHA-1 (the first 64 bits
 * of the digest of the normalised text, and of each shingle), as before, so the same texts get the same
 * verdicts — but computed by a small streaming SHA-1 over the UTF-8 bytes of the text in place, with no
 * hash objects, digests, shingle or normalised strings allocated: hashing runs for every item, and its
 * garbage was most of the engine's own allocation.
 */
import { fmix32, formatHexId, grow, parseHexId } from "./idset";

export const NEAR_DUPLICATE_BITS = 7;

export function normalizeText(s: string): string {
  return s.toLowerCase().replace(/\s+/g, " ").trim();
}

/**
 * Streaming SHA-1 of UTF-8 bytes into preallocated state (one instance, reused: the engine is
 * single-threaded and each digest is finished before the next starts). Only the first 64 bits are kept.
 */
class Sha1 {
  private readonly w = new Int32Array(80);
  private readonly block = new Uint8Array(64);
  private fill = 0;
  private bytes = 0;
  private h0 = 0;
  private h1 = 0;
  private h2 = 0;
  private h3 = 0;
  private h4 = 0;
  /** The first 64 bits of the last digest. */
  hi = 0;
  lo = 0;

  reset(): void {
    this.h0 = 0x67452301;
    this.h1 = 0xefcdab89;
    this.h2 = 0x98badcfe;
    this.h3 = 0x10325476;
    this.h4 = 0xc3d2e1f0;
    this.fill = 0;
    this.bytes = 0;
  }

  private byte(b: number): void {
    this.block[this.fill++] = b;
    this.bytes++;
    if (this.fill === 64) this.compress();
  }

  /** UTF-8 of `s[from, to)`, lone surrogates as U+FFFD (as Node's string hashing encodes them). */
  chars(s: string, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) this.byte(c);
      else if (c < 0x800) {
        this.byte(0xc0 | (c >> 6));
        this.byte(0x80 | (c & 63));
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const d = i + 1 < to ? s.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            i++;
            this.byte(0xf0 | (c >> 18));
            this.byte(0x80 | ((c >> 12) & 63));
            this.byte(0x80 | ((c >> 6) & 63));
            this.byte(0x80 | (c & 63));
            continue;
          }
          c = 0xfffd;
        }
        this.byte(0xe0 | (c >> 12));
        this.byte(0x80 | ((c >> 6) & 63));
        this.byte(0x80 | (c & 63));
      }
    }
  }

  space(): void {
    this.byte(32);
  }

  finish(): void {
    const bits = this.bytes * 8;
    this.byte(0x80);
    while (this.fill !== 56) this.byte(0);
    // Message length in bits, big-endian 64-bit (texts are far below 2^32 bits).
    for (let i = 0; i < 4; i++) this.byte(0);
    this.byte((bits >>> 24) & 255);
    this.byte((bits >>> 16) & 255);
    this.byte((bits >>> 8) & 255);
    this.byte(bits & 255);
    this.hi = this.h0 >>> 0;
    this.lo = this.h1 >>> 0;
  }

  private compress(): void {
    const w = this.w;
    const m = this.block;
    for (let i = 0; i < 16; i++) w[i] = (m[i * 4]! << 24) | (m[i * 4 + 1]! << 16) | (m[i * 4 + 2]! << 8) | m[i * 4 + 3]!;
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = this.h0;
    let b = this.h1;
    let c = this.h2;
    let d = this.h3;
    let e = this.h4;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    this.h0 = (this.h0 + a) | 0;
    this.h1 = (this.h1 + b) | 0;
    this.h2 = (this.h2 + c) | 0;
    this.h3 = (this.h3 + d) | 0;
    this.h4 = (this.h4 + e) | 0;
    this.fill = 0;
  }
}

const exactSha = new Sha1();
const shingleSha = new Sha1();

const WORD_CHAR = /[\p{L}\p{N}]/u;

/** A code point that is part of a word (`\p{L}` or `\p{N}`); ASCII without a regex. */
function isWordChar(cp: number): boolean {
  if (cp < 128) return (cp >= 48 && cp <= 57) || (cp >= 97 && cp <= 122) || (cp >= 65 && cp <= 90);
  return WORD_CHAR.test(String.fromCodePoint(cp));
}

export interface Fingerprint {
  /** 64-bit hash of the normalised text, as two words. */
  exactHi: number;
  exactLo: number;
  /** 64-bit SimHash, as two words. */
  hi: number;
  lo: number;
}

const acc = new Int32Array(64);

function addShingle(lo: number, hi: number): void {
  for (let b = 0; b < 32; b++) {
    acc[b]! += (lo >>> b) & 1 ? 1 : -1;
    acc[b + 32]! += (hi >>> b) & 1 ? 1 : -1;
  }
}

/** `\s` of a JS regexp (and what `trim` removes): WhiteSpace and LineTerminator code points. */
function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * One pass over the lowercased text, with no strings built. The exact hash is SHA-1 of
 * `normalizeText(text)` (whitespace runs fed as one space, leading and trailing ones skipped). Words are
 * the maximal runs of letters and digits (what `normalizeText(text).replace(/[^\p{L}\p{N} ]+/gu, " ")
 * .split(" ")` yields); each shingle — three consecutive words joined by spaces, or all the words when
 * there are fewer than three — is hashed straight from its three ranges of the text.
 */
export function fingerprint(text: string): Fingerprint {
  const s = text.toLowerCase();
  const n = s.length;
  acc.fill(0);
  exactSha.reset();
  let started = false;
  let pendingSpace = false;
  // Start and end of the last three words (w2 oldest), and how many words have been seen.
  let s0 = 0;
  let e0 = 0;
  let s1 = 0;
  let e1 = 0;
  let s2 = 0;
  let e2 = 0;
  let words = 0;
  let wordStart = -1;
  for (let i = 0; i <= n; ) {
    const cp = i < n ? s.codePointAt(i)! : -1;
    const width = cp > 0xffff ? 2 : 1;
    if (cp >= 0 && isSpace(cp)) pendingSpace = started;
    else if (cp >= 0) {
      if (pendingSpace) exactSha.space();
      pendingSpace = false;
      started = true;
      exactSha.chars(s, i, i + width);
    }
    if (cp >= 0 && isWordChar(cp)) {
      if (wordStart < 0) wordStart = i;
    } else if (wordStart >= 0) {
      s2 = s1;
      e2 = e1;
      s1 = s0;
      e1 = e0;
      s0 = wordStart;
      e0 = i;
      wordStart = -1;
      if (++words >= 3) {
        shingleSha.reset();
        shingleSha.chars(s, s2, e2);
        shingleSha.space();
        shingleSha.chars(s, s1, e1);
        shingleSha.space();
        shingleSha.chars(s, s0, e0);
        shingleSha.finish();
        addShingle(shingleSha.lo, shingleSha.hi);
      }
    }
    i += cp < 0 ? 1 : width;
  }
  if (words < 3) {
    // One shingle of all the words (of none: the hash of the empty string).
    shingleSha.reset();
    if (words === 2) {
      shingleSha.chars(s, s1, e1);
      shingleSha.space();
    }
    if (words >= 1) shingleSha.chars(s, s0, e0);
    shingleSha.finish();
    addShingle(shingleSha.lo, shingleSha.hi);
  }
  exactSha.finish();
  let lo = 0;
  let hi = 0;
  for (let b = 0; b < 32; b++) {
    if (acc[b]! > 0) lo |= 1 << b;
    if (acc[b + 32]! > 0) hi |= 1 << b;
  }
  return { exactHi: exactSha.hi, exactLo: exactSha.lo, hi: hi >>> 0, lo: lo >>> 0 };
}

export function simhash(text: string): bigint {
  const f = fingerprint(text);
  return (BigInt(f.hi) << 32n) | BigInt(f.lo);
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export type DuplicateVerdict = { kind: "exact" | "near"; of: string } | undefined;

const BANDS = 8;
const BAND_KEYS = 256;

const bandKey = (f: Fingerprint, b: number): number => (b < 4 ? f.lo >>> (8 * b) : f.hi >>> (8 * (b - 4))) & 0xff;

const idWords = new Uint32Array(3);

export class DuplicateIndex {
  private n = 0;
  private hi: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  private lo: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  /** Entry ids: three words each when they are 24-hex ids, else in `otherIds`. */
  private idw: Uint32Array<ArrayBuffer> = new Uint32Array(3 * 1024);
  private otherIds = new Map<number, string>();
  /** Per band and key, a singly linked list of entries in insertion order: first, last, and next. */
  private first = new Int32Array(BANDS * BAND_KEYS).fill(-1);
  private last = new Int32Array(BANDS * BAND_KEYS).fill(-1);
  private next: Int32Array<ArrayBuffer> = new Int32Array(BANDS * 1024);
  /** Exact hashes: linear-probing table of (hi, lo) → entry + 1 (0 = empty slot). */
  private exHi: Uint32Array<ArrayBuffer> = new Uint32Array(2048);
  private exLo: Uint32Array<ArrayBuffer> = new Uint32Array(2048);
  private exVal: Int32Array<ArrayBuffer> = new Int32Array(2048);
  private exCount = 0;

  get size(): number {
    return this.n;
  }

  private idOf(e: number): string {
    return this.otherIds.get(e) ?? formatHexId(this.idw[e * 3]!, this.idw[e * 3 + 1]!, this.idw[e * 3 + 2]!);
  }

  private exactSlot(hi: number, lo: number): number {
    const mask = this.exVal.length - 1;
    for (let s = fmix32(lo ^ Math.imul(hi, 0x9e3779b1)) & mask; ; s = (s + 1) & mask) {
      if (this.exVal[s] === 0 || (this.exHi[s] === hi && this.exLo[s] === lo)) return s;
    }
  }

  private putExact(hi: number, lo: number, entry: number): void {
    let s = this.exactSlot(hi, lo);
    if (this.exVal[s] !== 0) return; // first text with this hash stays the one duplicates point to
    if ((this.exCount + 1) * 2 > this.exVal.length) {
      const [oh, ol, ov] = [this.exHi, this.exLo, this.exVal];
      this.exHi = new Uint32Array(oh.length * 2);
      this.exLo = new Uint32Array(oh.length * 2);
      this.exVal = new Int32Array(oh.length * 2);
      for (let i = 0; i < ov.length; i++) {
        if (ov[i] === 0) continue;
        const t = this.exactSlot(oh[i]!, ol[i]!);
        this.exHi[t] = oh[i]!;
        this.exLo[t] = ol[i]!;
        this.exVal[t] = ov[i]!;
      }
      s = this.exactSlot(hi, lo);
    }
    this.exHi[s] = hi;
    this.exLo[s] = lo;
    this.exVal[s] = entry + 1;
    this.exCount++;
  }

  /** Checks a fingerprint against what was added; does not add it. */
  checkFingerprint(f: Fingerprint): DuplicateVerdict {
    const ex = this.exVal[this.exactSlot(f.exactHi, f.exactLo)]!;
    if (ex !== 0) return { kind: "exact", of: this.idOf(ex - 1) };
    for (let b = 0; b < BANDS; b++) {
      for (let c = this.first[b * BAND_KEYS + bandKey(f, b)]!; c >= 0; c = this.next[c * BANDS + b]!) {
        if (popcount32((this.hi[c]! ^ f.hi) >>> 0) + popcount32((this.lo[c]! ^ f.lo) >>> 0) <= NEAR_DUPLICATE_BITS) return { kind: "near", of: this.idOf(c) };
      }
    }
    return undefined;
  }

  addFingerprint(id: string, f: Fingerprint): void {
    const e = this.n++;
    if (e >= this.hi.length) {
      this.hi = grow(this.hi, e + 1);
      this.lo = grow(this.lo, e + 1);
      this.idw = grow(this.idw, 3 * (e + 1));
      this.next = grow(this.next, BANDS * (e + 1));
    }
    this.hi[e] = f.hi;
    this.lo[e] = f.lo;
    if (parseHexId(id, idWords)) this.idw.set(idWords, e * 3);
    else this.otherIds.set(e, id);
    for (let b = 0; b < BANDS; b++) {
      const k = b * BAND_KEYS + bandKey(f, b);
      this.next[e * BANDS + b] = -1;
      const tail = this.last[k]!;
      if (tail >= 0) this.next[tail * BANDS + b] = e;
      else this.first[k] = e;
      this.last[k] = e;
    }
    this.putExact(f.exactHi, f.exactLo, e);
  }

  /** Checks `text` against what was added; does not add it. */
  check(text: string): DuplicateVerdict {
    return this.checkFingerprint(fingerprint(text));
  }

  add(id: string, text: string): void {
    this.addFingerprint(id, fingerprint(text));
  }

  /** Checks `text` and, when it is no duplicate, adds it under `id` — hashing the text once. */
  checkAndAdd(id: string, text: string): DuplicateVerdict {
    const f = fingerprint(text);
    const verdict = this.checkFingerprint(f);
    if (!verdict) this.addFingerprint(id, f);
    return verdict;
  }
}
