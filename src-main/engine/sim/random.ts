/**
 * Seeded pseudo-random numbers for the simulation: deterministic for a seed, independent streams
 * per purpose (world, choices, policy exploration, model initialisation, metric sampling), so two
 * policies run on the same seed see the same users, items and choice draws (paired comparisons).
 *
 * Generator: xoshiro128** (Blackman and Vigna) seeded through splitmix32 (both in ../random).
 * 32-bit state words, period 2^128 - 1.
 */
import { splitmix32, UniformSource, xoshiro128StarStar } from '../random';

/** Named streams; each gets its own generator from the same seed. */
export const STREAM = {
  users: 1,
  items: 2,
  choices: 3,
  policy: 4,
  model: 5,
  metrics: 6,
} as const;

export class Random extends UniformSource {
  private readonly state = new Uint32Array(4);

  /** @param seed any finite number (hashed); @param stream stream id, e.g. STREAM.choices. */
  constructor(seed: number, stream = 0) {
    super();
    // Fold a possibly large or fractional seed into 32 bits twice (low and high part).
    const low = Math.floor(seed) >>> 0;
    const high = Math.floor(seed / 4294967296) >>> 0;
    let state = (low ^ Math.imul(high, 0x27d4eb2d) ^ Math.imul(stream + 1, 0x165667b1)) | 0;
    for (let i = 0; i < 4; i++) {
      const [next, output] = splitmix32(state);
      state = next;
      this.state[i] = output;
    }
    if ((this.state[0] | this.state[1] | this.state[2] | this.state[3]) === 0) this.state[0] = 1; // the all-zero state is a fixed point
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    return xoshiro128StarStar(this.state);
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
