/**
 * Seeded randomness shared by the engine's generators (a leaf: imports nothing). Each part of the
 * engine keeps its own seeding, so every seeded number (synthetic data, initial weights, simulated
 * worlds) stays as it was; what they share lives here once:
 * - UniformSource: uniforms, integers and Box-Muller normals (second value cached) over any
 *   32-bit generator (data/random.ts: sfc32; sim/random.ts: xoshiro128**);
 * - xoshiro128StarStar and splitmix32: the recurrences behind sim/random.ts and model/rng.ts,
 *   written from Blackman and Vigna's published definitions.
 */

/** Uniform, integer and normal draws over a source of uniform 32-bit integers. */
export abstract class UniformSource {
  private spareNormal: number | null = null;

  /** The next uniform integer in [0, 2^32). */
  abstract nextUint32(): number;

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n) (n >= 1, n < 2^32). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller: two uniforms give two values, the second is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const value = this.spareNormal;
      this.spareNormal = null;
      return value;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }
}

/** One splitmix32 step: the next state and its 32-bit output (spreads a seed over a wider state). */
export function splitmix32(state: number): [next: number, output: number] {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/**
 * One xoshiro128** step on a four-word state (never all zero), in place.
 * @returns the next uniform integer in [0, 2^32)
 */
export function xoshiro128StarStar(s: Uint32Array): number {
  const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
  const t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
