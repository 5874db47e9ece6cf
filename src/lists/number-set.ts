// A set of non-negative integers below 2^53 in one Float64Array (open addressing, linear probing).
// Remembering a million E.164 numbers (as their digits) in a Set<number> costs a heap number and a
// hash entry each and about a microsecond per insert; here it is 16 bytes of table per number.

const EMPTY = -1;

export class NumberSet {
  private table: Float64Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 1 << 16) {
    let size = 1;
    while (size < capacity * 2) size <<= 1;
    this.table = new Float64Array(size).fill(EMPTY);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Adds `value`; false when it was already there. */
  add(value: number): boolean {
    const table = this.table;
    let i = slot(value) & this.mask;
    for (;;) {
      const current = table[i];
      if (current === EMPTY) break;
      if (current === value) return false;
      i = (i + 1) & this.mask;
    }
    table[i] = value;
    if (++this.count * 2 > table.length) this.grow();
    return true;
  }

  has(value: number): boolean {
    const table = this.table;
    let i = slot(value) & this.mask;
    for (;;) {
      const current = table[i];
      if (current === EMPTY) return false;
      if (current === value) return true;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.table;
    // Four times larger: a million numbers are rehashed a third as often as when doubling.
    this.table = new Float64Array(old.length * 4).fill(EMPTY);
    this.mask = this.table.length - 1;
    for (const value of old) {
      if (value === EMPTY) continue;
      let i = slot(value) & this.mask;
      while (this.table[i] !== EMPTY) i = (i + 1) & this.mask;
      this.table[i] = value;
    }
  }
}

/** Mixes both 32-bit halves of the value so numbers sharing a prefix or suffix spread out. */
function slot(value: number): number {
  const low = value >>> 0;
  const high = (value / 4294967296) >>> 0;
  let h = Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
