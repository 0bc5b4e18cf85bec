/**
 * Seeded pseudo-random numbers for everything in data/ that must be deterministic:
 * shuffles, splits and the synthetic generator. sfc32 generator, 32-bit state words, seeded
 * through a murmur3-style mixer so that nearby seeds give unrelated streams. Uniforms, integers
 * and normals come from ../random's UniformSource.
 */
import { UniformSource } from '../random';

/** Murmur3 finaliser: spreads the bits of a 32-bit integer. */
export function mix32(value: number): number {
  let x = value | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Combines any numbers (seeds, epochs, indices, up to 2^53) into one 32-bit seed. */
export function combineSeeds(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const low = part >>> 0;
    const high = Math.floor(part / 4294967296) >>> 0;
    h = mix32((h ^ low) + 0x7f4a7c15);
    h = mix32((h ^ high) + 0x165667b1);
  }
  return h >>> 0;
}

/** sfc32: small, fast, good enough for shuffles and simulation; not cryptographic. */
export class Random extends UniformSource {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    super();
    const s = combineSeeds(seed);
    this.a = mix32(s ^ 0x243f6a88);
    this.b = mix32(s ^ 0x85a308d3);
    this.c = mix32(s ^ 0x13198a2e);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Uniform integer in [0, 2^32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates), [n]. */
export function permutation(n: number, random: Random): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
