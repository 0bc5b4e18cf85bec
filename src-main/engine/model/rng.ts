/**
 * A small seeded pseudo-random generator (xoshiro128**), deterministic across platforms, with a
 * state that can be saved in a checkpoint and restored. Used for weight initialisation, data
 * shuffling and synthetic test batches; never Math.random.
 */

/** Four 32-bit words; a copy of the generator's whole state. */
export type RngState = [number, number, number, number];

/** splitmix32 step, used to spread a small integer seed over the 128-bit state. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** @param seed any integer (only its low 32 bits matter), or a saved state. */
  constructor(seed: number | RngState) {
    if (Array.isArray(seed)) {
      [this.s0, this.s1, this.s2, this.s3] = seed.map((v) => v >>> 0) as RngState;
    } else {
      const next = splitmix32(Math.trunc(seed));
      this.s0 = next();
      this.s1 = next();
      this.s2 = next();
      this.s3 = next();
    }
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3 >>> 0, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [low, high). */
  uniformIn(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal by Box-Muller (one draw of two uniforms per value; no cached spare, so the state says everything). */
  normal(mean = 0, std = 1): number {
    const u = 1 - this.uniform(); // (0, 1]: log is finite
    const v = this.uniform();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: number }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
    return array;
  }

  state(): RngState {
    return [this.s0, this.s1, this.s2, this.s3];
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A seed derived from a base seed and a few integers (e.g. seed, epoch), for independent streams. */
export function deriveSeed(base: number, ...parts: number[]): number {
  let h = splitmix32(base)();
  for (const p of parts) h = splitmix32((h ^ Math.imul(p >>> 0, 0x27d4eb2d)) >>> 0)();
  return h;
}
