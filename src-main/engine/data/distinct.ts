/**
 * Distinct raw values per categorical feature, counted while a file is parsed into the cache (the
 * memory plan's hashing-collision estimate needs them; engine/model/hash-collisions.ts).
 *
 * Per feature: exact (a typed-array set) up to EXACT_LIMIT distinct values; past that the set is
 * replayed into a HyperLogLog sketch (2^14 one-byte registers, standard error about 0.8%) and dropped,
 * so memory stays below 26 x (2 MiB + 16 KiB) whatever the file. Raw values are 32-bit and the hash
 * (murmur3's finaliser) is a bijection of 32-bit integers, so distinct values never share a hash.
 */
import { mix32 } from './random';
import { U32Map } from './preprocess';
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
  /** [F] exact sets (value -> 1), null once a feature moved to its sketch. */
  private readonly sets: (U32Map | null)[];
  /** [F] sketches, made when a feature passes the exact limit. */
  private readonly sketches: (Uint8Array | null)[];

  constructor(private readonly exactLimit = EXACT_DISTINCT_LIMIT) {
    this.sets = Array.from({ length: NUM_CATEGORICAL }, () => new U32Map(64));
    this.sketches = new Array<Uint8Array | null>(NUM_CATEGORICAL).fill(null);
  }

  /** Counts a block of rows' raw values ([n, F] row-major; negative = missing). */
  addBlock(raw: ArrayLike<number>, n: number): void {
    for (let f = 0; f < NUM_CATEGORICAL; f++) {
      for (let i = 0; i < n; i++) {
        const value = raw[i * NUM_CATEGORICAL + f];
        if (value >= 0) this.addValue(f, value);
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
    if (set.get(value) !== 0) return;
    set.set(value, 1);
    if (set.size > this.exactLimit) {
      const sketch = new Uint8Array(REGISTERS);
      set.forEach((key) => addToSketch(sketch, key));
      this.sketches[f] = sketch;
      this.sets[f] = null;
    }
  }

  counts(): DistinctCounts {
    const values: number[] = [];
    const exact: boolean[] = [];
    for (let f = 0; f < NUM_CATEGORICAL; f++) {
      const set = this.sets[f];
      exact.push(set !== null);
      values.push(set !== null ? set.size : Math.max(this.exactLimit + 1, Math.round(sketchEstimate(this.sketches[f]!))));
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
