/**
 * Compact sets of item ids for runs of 100K+ items.
 *
 * Item ids and prompt hashes are 24 lowercase hex digits (96 bits of a sha256). Kept as JS strings in a
 * `Set`, each costs ~140 bytes of GC heap (the id is a sliced string that pins its 64-char parent digest,
 * plus the set's entry), and every live byte of old-generation heap lets V8 grow the heap by ~4x before
 * its next full collection — so id sets made peak RSS grow with the item count. Here an id is three
 * 32-bit words in an open-addressing table of typed arrays (~24–48 bytes per id, outside the GC heap,
 * never scanned or copied by the collector). Ids of any other shape (hand-written records, tests) fall
 * back to a plain `Set` and behave the same.
 */

/** Murmur3's finaliser: a full-avalanche 32-bit mix (ids are random, but fallbacks need not be). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const HEX_ID_LENGTH = 24;

/** Hex digit value of a char code, or -1 (lowercase only, so decoding reproduces the id exactly). */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * Parses a 24-hex-digit id into `out[0..2]`; false for any other string. Reuses `out` so a lookup
 * allocates nothing.
 */
export function parseHexId(id: string, out: Uint32Array): boolean {
  if (id.length !== HEX_ID_LENGTH) return false;
  for (let w = 0; w < 3; w++) {
    let v = 0;
    for (let i = 0; i < 8; i++) {
      const d = hexValue(id.charCodeAt(w * 8 + i));
      if (d < 0) return false;
      v = (v << 4) | d;
    }
    out[w] = v >>> 0;
  }
  return true;
}

export function formatHexId(a: number, b: number, c: number): string {
  const h = (v: number): string => (v >>> 0).toString(16).padStart(8, "0");
  return h(a) + h(b) + h(c);
}

/** Doubles a typed array, keeping its contents. */
export function grow<T extends Uint32Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(a: T, min: number): T {
  let n = Math.max(1, a.length);
  while (n < min) n *= 2;
  if (n === a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

const scratch = new Uint32Array(3);

/** A set of ids: 24-hex ids in a linear-probing table of typed arrays, anything else in a `Set`. */
export class IdSet {
  /** Three words per slot. */
  private keys: Uint32Array<ArrayBuffer>;
  private used: Uint8Array<ArrayBuffer>;
  private mask: number;
  private count = 0;
  private other?: Set<string>;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.keys = new Uint32Array(cap * 3);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count + (this.other?.size ?? 0);
  }

  private slotOf(a: number, b: number, c: number): number {
    return fmix32(a ^ Math.imul(b, 0x9e3779b1) ^ Math.imul(c, 0x85ebca77)) & this.mask;
  }

  /** Slot holding the key, or the empty slot where it would go (as `-1 - slot`). */
  private find(a: number, b: number, c: number): number {
    const k = this.keys;
    for (let s = this.slotOf(a, b, c); ; s = (s + 1) & this.mask) {
      if (!this.used[s]) return -1 - s;
      if (k[s * 3] === a && k[s * 3 + 1] === b && k[s * 3 + 2] === c) return s;
    }
  }

  has(id: string): boolean {
    if (!parseHexId(id, scratch)) return this.other?.has(id) ?? false;
    return this.find(scratch[0]!, scratch[1]!, scratch[2]!) >= 0;
  }

  /** Adds the id; false when it was already there. */
  add(id: string): boolean {
    if (!parseHexId(id, scratch)) {
      this.other ??= new Set();
      if (this.other.has(id)) return false;
      this.other.add(id);
      return true;
    }
    const a = scratch[0]!;
    const b = scratch[1]!;
    const c = scratch[2]!;
    let s = this.find(a, b, c);
    if (s >= 0) return false;
    // Load factor at most 1/2: probes stay short, and 24 bytes of keys per slot keeps it at ≤ 48 B/id.
    if ((this.count + 1) * 2 > this.used.length) {
      this.rehash(this.used.length * 2);
      s = this.find(a, b, c);
    }
    s = -1 - s;
    this.keys[s * 3] = a;
    this.keys[s * 3 + 1] = b;
    this.keys[s * 3 + 2] = c;
    this.used[s] = 1;
    this.count++;
    return true;
  }

  /** Removes the id; false when it was not there. Backward-shift deletion: no tombstones to pile up. */
  delete(id: string): boolean {
    if (!parseHexId(id, scratch)) return this.other?.delete(id) ?? false;
    let hole = this.find(scratch[0]!, scratch[1]!, scratch[2]!);
    if (hole < 0) return false;
    const k = this.keys;
    const mask = this.mask;
    for (let s = (hole + 1) & mask; this.used[s]; s = (s + 1) & mask) {
      const home = this.slotOf(k[s * 3]!, k[s * 3 + 1]!, k[s * 3 + 2]!);
      // The entry at s may move into the hole only if its home slot is not cyclically within (hole, s].
      const between = hole <= s ? home > hole && home <= s : home > hole || home <= s;
      if (between) continue;
      k[hole * 3] = k[s * 3]!;
      k[hole * 3 + 1] = k[s * 3 + 1]!;
      k[hole * 3 + 2] = k[s * 3 + 2]!;
      hole = s;
    }
    this.used[hole] = 0;
    this.count--;
    return true;
  }

  private rehash(cap: number): void {
    const oldKeys = this.keys;
    const oldUsed = this.used;
    this.keys = new Uint32Array(cap * 3);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
    for (let s = 0; s < oldUsed.length; s++) {
      if (!oldUsed[s]) continue;
      const a = oldKeys[s * 3]!;
      const b = oldKeys[s * 3 + 1]!;
      const c = oldKeys[s * 3 + 2]!;
      const t = -1 - this.find(a, b, c);
      this.keys[t * 3] = a;
      this.keys[t * 3 + 1] = b;
      this.keys[t * 3 + 2] = c;
      this.used[t] = 1;
    }
  }
}
