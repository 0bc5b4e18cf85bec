/**
 * Seeded pseudo-random numbers for the simulation: deterministic for a seed, independent streams
 * per purpose (world, choices, policy exploration, model initialisation, metric sampling), so two
 * policies run on the same seed see the same users, items and choice draws (paired comparisons).
 *
 * Generator: xoshiro128** (Blackman and Vigna) seeded through splitmix32, written here from the
 * published recurrences. 32-bit state words, period 2^128 - 1.
 */

/** One 32-bit mixing step of splitmix32; used to spread a seed and a stream id over the state. */
function splitmix32(state: number): [next: number, output: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [next, z >>> 0];
}

/** Named streams; each gets its own generator from the same seed. */
export const STREAM = {
  users: 1,
  items: 2,
  choices: 3,
  policy: 4,
  model: 5,
  metrics: 6,
} as const;

export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  /** @param seed any finite number (hashed); @param stream stream id, e.g. STREAM.choices. */
  constructor(seed: number, stream = 0) {
    // Fold a possibly large or fractional seed into 32 bits twice (low and high part).
    const low = Math.floor(seed) >>> 0;
    const high = Math.floor(seed / 4294967296) >>> 0;
    let state = (low ^ Math.imul(high, 0x27d4eb2d) ^ Math.imul(stream + 1, 0x165667b1)) | 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, output] = splitmix32(state);
      state = next;
      words.push(output);
    }
    this.s0 = words[0]!;
    this.s1 = words[1]!;
    this.s2 = words[2]!;
    this.s3 = words[3]!;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n) (n >= 1); the tiny modulo bias of 32-bit multiply-shift is irrelevant here. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal draw (Box-Muller, caching the second value). */
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

  /** Gamma(shape, 1) draw (Marsaglia and Tsang; shape < 1 through the u^(1/shape) boost). */
  gamma(shape: number): number {
    if (shape < 1) {
      let u = 0;
      while (u === 0) u = this.next();
      return this.gamma(shape + 1) * Math.pow(u, 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Fills out[offset .. offset + length) with a Dirichlet(concentration, ..., concentration) draw. */
  dirichlet(concentration: number, out: Float32Array, offset: number, length: number): void {
    let sum = 0;
    for (let k = 0; k < length; k++) {
      const g = this.gamma(concentration);
      out[offset + k] = g;
      sum += g;
    }
    if (sum <= 0) {
      // Every gamma draw underflowed (tiny concentration): put all mass on one random component.
      for (let k = 0; k < length; k++) out[offset + k] = 0;
      out[offset + this.int(length)] = 1;
      return;
    }
    for (let k = 0; k < length; k++) out[offset + k] = out[offset + k]! / sum;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
