import { describe, expect, it } from 'vitest';
import { Random, STREAM } from './random';

describe('Random', () => {
  it('is deterministic for a seed and stream, and streams differ', () => {
    const a = new Random(42, STREAM.choices);
    const b = new Random(42, STREAM.choices);
    const c = new Random(42, STREAM.items);
    const d = new Random(43, STREAM.choices);
    const draws = (r: Random) => Array.from({ length: 8 }, () => r.nextUint32());
    const first = draws(a);
    expect(draws(b)).toEqual(first);
    expect(draws(c)).not.toEqual(first);
    expect(draws(d)).not.toEqual(first);
  });

  it('gives uniforms in [0, 1) with mean 1/2 and variance 1/12', () => {
    const random = new Random(1);
    const n = 100_000;
    let sum = 0;
    let sumSquares = 0;
    for (let k = 0; k < n; k++) {
      const x = random.next();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
      sumSquares += x * x;
    }
    const mean = sum / n;
    // Standard error of the mean: sqrt(1/12 / n) = 0.0009; allow 5 of them.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.0046);
    expect(Math.abs(sumSquares / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  it('int(n) covers 0 .. n-1 evenly', () => {
    const random = new Random(2);
    const counts = new Array<number>(5).fill(0);
    for (let k = 0; k < 50_000; k++) counts[random.int(5)]! += 1;
    // Expected 10,000 each, standard deviation sqrt(50,000 * 0.2 * 0.8) = 89.
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(450);
  });

  it('normal draws have mean 0 and variance 1; gamma draws have mean = shape', () => {
    const random = new Random(3);
    const n = 50_000;
    let sum = 0;
    let sumSquares = 0;
    for (let k = 0; k < n; k++) {
      const z = random.normal();
      sum += z;
      sumSquares += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.025);
    expect(Math.abs(sumSquares / n - 1)).toBeLessThan(0.03);
    for (const shape of [0.2, 0.5, 2, 7]) {
      let total = 0;
      for (let k = 0; k < 20_000; k++) total += random.gamma(shape);
      // Gamma(shape) has variance = shape; standard error sqrt(shape / 20,000).
      expect(Math.abs(total / 20_000 - shape)).toBeLessThan(5 * Math.sqrt(shape / 20_000));
    }
  });

  it('dirichlet draws lie on the simplex, with mean 1/T per component', () => {
    const random = new Random(4);
    const T = 4;
    const out = new Float32Array(T);
    const mean = new Float64Array(T);
    for (let k = 0; k < 5000; k++) {
      random.dirichlet(0.3, out, 0, T);
      let total = 0;
      for (let t = 0; t < T; t++) {
        expect(out[t]!).toBeGreaterThanOrEqual(0);
        total += out[t]!;
        mean[t]! += out[t]! / 5000;
      }
      expect(total).toBeCloseTo(1, 5);
    }
    for (let t = 0; t < T; t++) expect(Math.abs(mean[t]! - 0.25)).toBeLessThan(0.02);
  });
});
