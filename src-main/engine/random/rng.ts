/**
 * A small seeded pseudo-random generator (xoshiro128**), deterministic across platforms, with a
 * state that can be saved in a checkpoint and restored. Used for weight initialisation, data
 * shuffling and synthetic test batches; never Math.random. The recurrences live in ../random.
 */
import { splitmix32, xoshiro128StarStar } from './index';

/** Four 32-bit words; a copy of the generator's whole state. */
export type RngState = [number, number, number, number];

/** A stream of splitmix32 outputs from a seed. */
function splitmixStream(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    const [next, output] = splitmix32(state);
    state = next;
    return output;
  };
}

export class Rng {
  private readonly s = new Uint32Array(4);

  /** @param seed any integer (only its low 32 bits matter), or a saved state. */
  constructor(seed: number | RngState) {
    if (Array.isArray(seed)) {
      seed.forEach((word, i) => (this.s[i] = word >>> 0));
    } else {
      const next = splitmixStream(Math.trunc(seed));
      for (let i = 0; i < 4; i++) this.s[i] = next();
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1; // the all-zero state is a fixed point
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    return xoshiro128StarStar(this.s);
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
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }
}

/** A seed derived from a base seed and a few integers (e.g. seed, epoch), for independent streams. */
export function deriveSeed(base: number, ...parts: number[]): number {
  let h = splitmixStream(base)();
  for (const p of parts) h = splitmixStream((h ^ Math.imul(p >>> 0, 0x27d4eb2d)) >>> 0)();
  return h;
}
