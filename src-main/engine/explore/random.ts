/**
 * A small seeded generator for explore/ (mulberry32): sampling, random projections, t-SNE and UMAP
 * initialisation. Deterministic for a given seed; never Math.random.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    // Spread small seeds so that seeds 0, 1, 2 start far apart.
    this.state = (Math.imul(Math.trunc(seed) ^ 0x5bd1e995, 0x9e3779b1) + 0x6d2b79f5) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  gaussian(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}
