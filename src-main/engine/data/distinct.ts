/**
 * Distinct raw values per categorical feature, counted while a file is parsed into the cache (the
 * memory plan's hashing-collision estimate needs them; engine/model/hash-collisions.ts).
 *
 * Per feature: exact (a typed-array set, 4 bytes a slot, at most half full) up to EXACT_DISTINCT_LIMIT
 * distinct values; past that the set is replayed into a HyperLogLog sketch (2^14 one-byte registers,
 * standard error about 0.8%) and dropped, so memory stays below 26 x 1 MiB whatever the file. Raw values are 32-bit and the hash
 * (murmur3's finaliser) is a bijection of 32-bit integers, so distinct values never share a hash.
 */
import { mix32 } from './random';
import { NUM_CATEGORICAL } from './types';

/** Distinct values counted exactly per feature before switching to the sketch. */
export const EXACT_DISTINCT_LIMIT = 1 << 16;
const REGISTER_BITS = 14;
const REGISTERS = 1 << REGISTER_BITS;
/** HyperLogLog's bias constant for m >= 128. */
const ALPHA = 0.7213 / (1 + 1.079 / REGISTERS);
/** Below this linear counting (from the empty registers) is the more accurate estimate (HLL++'s threshold for 2^14 registers). */
const LINEAR_COUNTING_LIMIT = 11_500;

export interface DistinctCounts {
  /** [F] distinct non-missing values of each feature (rounded estimates where not exact). */
  values: number[];
  /** [F] true where the count is exact, false where it is the sketch's estimate. */
  exact: boolean[];
}

export class DistinctCounter {
  /** [F] exact sets: open addressing over the values, 0 = empty slot (the value 0 is `hasZero`); null once a feature moved to its sketch. */
  private readonly sets: (Uint32Array | null)[];
  /** [F] non-zero values in each exact set. */
  private readonly setSizes: number[];
  private readonly hasZero: boolean[];
  /** [F] sketches, made when a feature passes the exact limit. */
  private readonly sketches: (Uint8Array | null)[];

  constructor(private readonly exactLimit = EXACT_DISTINCT_LIMIT) {
    this.sets = Array.from({ length: NUM_CATEGORICAL }, () => new Uint32Array(64));
    this.setSizes = new Array<number>(NUM_CATEGORICAL).fill(0);
    this.hasZero = new Array<boolean>(NUM_CATEGORICAL).fill(false);
    this.sketches = new Array<Uint8Array | null>(NUM_CATEGORICAL).fill(null);
  }

  /** Counts a block of rows' raw values ([n, F] row-major; negative = missing). */
  addBlock(raw: Float64Array, n: number): void {
    for (let f = 0; f < NUM_CATEGORICAL; f++) {
      // a feature at a time (its set stays in cache), probing inline; a value equal to the previous one is skipped
      let previous = -1;
      let set = this.sets[f];
      let mask = set ? set.length - 1 : 0;
      let shift = set ? 32 - Math.log2(set.length) : 0;
      for (let i = 0; i < n; i++) {
        const value = raw[i * NUM_CATEGORICAL + f];
        if (value < 0 || value === previous) continue;
        previous = value;
        if (set === null || value === 0) {
          this.addValue(f, value);
        } else {
          let slot = Math.imul(value, 0x9e3779b1) >>> shift;
          let key = set[slot];
          while (key !== 0 && key !== value) {
            slot = (slot + 1) & mask;
            key = set[slot];
          }
          if (key !== 0) continue;
          set[slot] = value;
          this.setSizes[f]++;
          this.afterInsert(f);
        }
        // a new value may have grown the set or moved it into the sketch
        set = this.sets[f];
        mask = set ? set.length - 1 : 0;
        shift = set ? 32 - Math.log2(set.length) : 0;
      }
    }
  }

  /** Counts one non-missing raw value (0..2^32 - 1) of feature f. */
  addValue(f: number, value: number): void {
    const set = this.sets[f];
    if (set === null) {
      addToSketch(this.sketches[f]!, value);
      return;
    }
    if (value === 0) {
      if (this.hasZero[f]) return;
      this.hasZero[f] = true;
    } else {
      const mask = set.length - 1;
      let slot = Math.imul(value, 0x9e3779b1) >>> (32 - Math.log2(set.length));
      while (set[slot] !== 0) {
        if (set[slot] === value) return;
        slot = (slot + 1) & mask;
      }
      set[slot] = value;
      this.setSizes[f]++;
    }
    this.afterInsert(f);
  }

  /** Distinct values of feature f in its exact set (0 included). */
  private exactSize(f: number): number {
    return this.setSizes[f] + (this.hasZero[f] ? 1 : 0);
  }

  /** After a new value: past the exact limit, the set moves into a sketch; past half full, it doubles. */
  private afterInsert(f: number): void {
    const set = this.sets[f]!;
    if (this.exactSize(f) > this.exactLimit) {
      const sketch = new Uint8Array(REGISTERS);
      for (let i = 0; i < set.length; i++) if (set[i] !== 0) addToSketch(sketch, set[i]);
      if (this.hasZero[f]) addToSketch(sketch, 0);
      this.sketches[f] = sketch;
      this.sets[f] = null;
    } else if (this.setSizes[f] * 2 > set.length) {
      const grown = new Uint32Array(set.length * 2);
      const mask = grown.length - 1;
      const shift = 32 - Math.log2(grown.length);
      for (let i = 0; i < set.length; i++) {
        const value = set[i];
        if (value === 0) continue;
        let slot = Math.imul(value, 0x9e3779b1) >>> shift;
        while (grown[slot] !== 0) slot = (slot + 1) & mask;
        grown[slot] = value;
      }
      this.sets[f] = grown;
    }
  }

  counts(): DistinctCounts {
    const values: number[] = [];
    const exact: boolean[] = [];
    for (let f = 0; f < NUM_CATEGORICAL; f++) {
      const set = this.sets[f];
      exact.push(set !== null);
      values.push(set !== null ? this.exactSize(f) : Math.max(this.exactLimit + 1, Math.round(sketchEstimate(this.sketches[f]!))));
    }
    return { values, exact };
  }
}

function addToSketch(sketch: Uint8Array, value: number): void {
  const hash = mix32(value);
  const register = hash >>> (32 - REGISTER_BITS);
  // rank: position of the first 1 bit in the remaining 18 bits (19 when they are all 0)
  const rank = Math.clz32((hash << REGISTER_BITS) | (1 << (REGISTER_BITS - 1))) + 1;
  if (rank > sketch[register]) sketch[register] = rank;
}

/** HyperLogLog's estimate, with linear counting for small counts. */
export function sketchEstimate(sketch: Uint8Array): number {
  let sum = 0;
  let zeros = 0;
  for (let j = 0; j < sketch.length; j++) {
    sum += 2 ** -sketch[j];
    if (sketch[j] === 0) zeros++;
  }
  const raw = (ALPHA * sketch.length * sketch.length) / sum;
  if (zeros > 0) {
    const linear = sketch.length * Math.log(sketch.length / zeros);
    if (linear <= LINEAR_COUNTING_LIMIT) return linear;
  }
  return raw;
}
