import { describe, expect, it } from 'vitest';
import { pca, symmetricEigen } from './pca';
import { SeededRandom } from './random';

/** A random rotation of R^D: Gram-Schmidt of a seeded Gaussian matrix; rows are orthonormal. */
function randomRotation(dim: number, seed: number): Float64Array {
  const random = new SeededRandom(seed);
  const q = new Float64Array(dim * dim);
  for (let r = 0; r < dim; r++) {
    const v = Array.from({ length: dim }, () => random.gaussian());
    for (let p = 0; p < r; p++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += v[j] * q[p * dim + j];
      for (let j = 0; j < dim; j++) v[j] -= dot * q[p * dim + j];
    }
    const norm = Math.hypot(...v);
    for (let j = 0; j < dim; j++) q[r * dim + j] = v[j] / norm;
  }
  return q;
}

describe('symmetricEigen', () => {
  it('diagonalises a random symmetric matrix: A v = lambda v, V orthonormal, values descending', () => {
    const K = 12;
    const random = new SeededRandom(3);
    const a = new Float64Array(K * K);
    for (let i = 0; i < K; i++) for (let j = 0; j <= i; j++) a[i * K + j] = a[j * K + i] = random.gaussian();
    const { values, vectors } = symmetricEigen(a, K);
    for (let k = 0; k < K; k++) {
      if (k > 0) expect(values[k]).toBeLessThanOrEqual(values[k - 1]);
      for (let i = 0; i < K; i++) {
        let av = 0;
        for (let j = 0; j < K; j++) av += a[i * K + j] * vectors[k * K + j];
        expect(av).toBeCloseTo(values[k] * vectors[k * K + i], 10);
      }
      for (let m = 0; m < K; m++) {
        let dot = 0;
        for (let j = 0; j < K; j++) dot += vectors[k * K + j] * vectors[m * K + j];
        expect(dot).toBeCloseTo(k === m ? 1 : 0, 10);
      }
    }
  });
});

describe('pca', () => {
  // Data with a known decomposition: for each axis k of a known rotation R (rows r_k), the two points
  // c + a_k r_k and c - a_k r_k. The mean is c and the covariance is sum_k (2 a_k^2 / N) r_k r_k^T, so
  // the principal directions are exactly r_k with variances 2 a_k^2 / N, N = 2D.
  const D = 6;
  const amplitudes = [6, 5, 4, 3, 2, 1];
  const rotation = randomRotation(D, 11);
  const centre = [1, -2, 3, 0.5, 0, 7];
  const N = 2 * D;
  const data = new Float32Array(N * D);
  for (let k = 0; k < D; k++) {
    for (let j = 0; j < D; j++) {
      data[(2 * k) * D + j] = centre[j] + amplitudes[k] * rotation[k * D + j];
      data[(2 * k + 1) * D + j] = centre[j] - amplitudes[k] * rotation[k * D + j];
    }
  }

  it('recovers the known components, their variances and the explained-variance shares', () => {
    const result = pca(data, N, D, { dims: 3 });
    // Shares a_k^2 / sum a^2 = [36, 25, 16, 9, 4, 1] / 91.
    const total = amplitudes.reduce((s, a) => s + a * a, 0);
    expect(result.explainedVarianceRatio).toHaveLength(D); // min(10, D)
    result.explainedVarianceRatio.forEach((share, k) => expect(share).toBeCloseTo((amplitudes[k] ** 2) / total, 5));
    for (let k = 0; k < D; k++) {
      expect(result.variances[k]).toBeCloseTo((2 * amplitudes[k] ** 2) / N, 4);
      // Same direction up to sign: |<component_k, r_k>| = 1.
      let dot = 0;
      for (let j = 0; j < D; j++) dot += result.components[k * D + j] * rotation[k * D + j];
      expect(Math.abs(dot)).toBeCloseTo(1, 5);
    }
  });

  it('projects each point onto the components: +/- a_k on axis k, 0 elsewhere', () => {
    const result = pca(data, N, D, { dims: 3 });
    for (let k = 0; k < 3; k++) {
      for (let axis = 0; axis < 3; axis++) {
        const expected = axis === k ? amplitudes[k] : 0;
        expect(Math.abs(result.coords[(2 * k) * 3 + axis])).toBeCloseTo(expected, 4);
        expect(result.coords[(2 * k) * 3 + axis]).toBeCloseTo(-result.coords[(2 * k + 1) * 3 + axis], 4);
      }
    }
  });

  it('random-projects inputs wider than 200 dims and still finds a dominant direction', () => {
    // 400 points along one direction of R^300 plus small noise: the first component explains ~all.
    const random = new SeededRandom(5);
    const width = 300;
    const direction = Array.from({ length: width }, () => random.gaussian());
    const n = 400;
    const wide = new Float32Array(n * width);
    for (let i = 0; i < n; i++) {
      const t = random.gaussian() * 10;
      for (let j = 0; j < width; j++) wide[i * width + j] = t * direction[j] + random.gaussian() * 0.01;
    }
    const result = pca(wide, n, width, { dims: 2, seed: 1 });
    expect(result.decomposedDims).toBe(200);
    expect(result.explainedVarianceRatio).toHaveLength(10);
    expect(result.explainedVarianceRatio[0]).toBeGreaterThan(0.99);
    expect(result.coords).toHaveLength(n * 2);
  });
});
