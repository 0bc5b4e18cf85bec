import { describe, expect, it } from 'vitest';
import { SeededRandom } from './random';
import { fastPow, fitCurve, fuzzyGraph, umap } from './umap';

function blobs(perCluster: number, clusters: number, dim: number, seed: number) {
  const random = new SeededRandom(seed);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => random.gaussian() * 10));
  const n = perCluster * clusters;
  const points = new Float32Array(n * dim);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    labels.push(i % clusters);
    for (let j = 0; j < dim; j++) points[i * dim + j] = centres[i % clusters][j] + random.gaussian();
  }
  return { points, labels, n };
}

/** Mean distance to points of the same cluster over mean distance to the others (small is good). */
function withinOverBetween(coords: Float32Array, dims: number, labels: number[]): number {
  let within = 0;
  let withinCount = 0;
  let between = 0;
  let betweenCount = 0;
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) {
      let d = 0;
      for (let k = 0; k < dims; k++) d += (coords[i * dims + k] - coords[j * dims + k]) ** 2;
      if (labels[i] === labels[j]) {
        within += Math.sqrt(d);
        withinCount++;
      } else {
        between += Math.sqrt(d);
        betweenCount++;
      }
    }
  }
  return within / withinCount / (between / betweenCount);
}

describe('umap', () => {
  const { points, labels, n } = blobs(40, 3, 8, 6);

  it('separates clusters in 2-D and 3-D', async () => {
    for (const dims of [2, 3] as const) {
      const result = await umap(points, n, 8, { dims, epochs: 200, seed: 1 });
      expect(result.coords).toHaveLength(n * dims);
      expect(result.coords.every(Number.isFinite)).toBe(true);
      expect(withinOverBetween(result.coords, dims, labels)).toBeLessThan(0.3);
    }
  });

  it('is seeded, reports epochs, and can be cancelled', async () => {
    const epochs: number[] = [];
    const a = await umap(points, n, 8, { epochs: 30, reportEvery: 10, seed: 2, onEpoch: (e, _c, total) => {
      epochs.push(e);
      expect(total).toBe(30);
    } });
    expect(epochs).toEqual([10, 20, 30]);
    const b = await umap(points, n, 8, { epochs: 30, seed: 2 });
    expect(Array.from(b.coords)).toEqual(Array.from(a.coords));
    const controller = new AbortController();
    const run = umap(points, n, 8, { epochs: 500, reportEvery: 5, signal: controller.signal, onEpoch: (e) => {
      if (e === 10) controller.abort(new Error('cancelled'));
    } });
    await expect(run).rejects.toThrow('cancelled');
  });
});

describe('fitCurve', () => {
  it('matches umap-learn for min_dist 0.1, spread 1 (a = 1.577, b = 0.8951)', () => {
    // umap.umap_.find_ab_params(1.0, 0.1) -> (1.5769..., 0.8950...)
    const { a, b } = fitCurve(0.1, 1);
    expect(a).toBeCloseTo(1.577, 2);
    expect(b).toBeCloseTo(0.8951, 3);
  });
});

describe('fuzzyGraph', () => {
  it('is symmetric with memberships in (0, 1], each point linked to its nearest neighbour with weight 1', () => {
    const { points, n } = blobs(15, 2, 3, 9);
    const graph = fuzzyGraph(points, n, 3, 5);
    const weight = new Map<string, number>();
    for (let e = 0; e < graph.weights.length; e++) {
      expect(graph.weights[e]).toBeGreaterThan(0);
      expect(graph.weights[e]).toBeLessThanOrEqual(1);
      weight.set(`${graph.heads[e]},${graph.tails[e]}`, graph.weights[e]);
    }
    for (const [key, w] of weight) {
      const [i, j] = key.split(',');
      expect(weight.get(`${j},${i}`)).toBe(w);
    }
    // rho is the nearest distance, so the nearest neighbour's directed membership is exp(0) = 1, and
    // the fuzzy union with anything keeps it at 1.
    for (let i = 0; i < n; i++) {
      const best = Math.max(...Array.from(graph.weights).filter((_, e) => graph.heads[e] === i));
      expect(best).toBeCloseTo(1, 12);
    }
  });
});

describe('fastPow', () => {
  it('agrees with Math.pow to 1e-6 relative over the distances the layout sees', () => {
    const random = new SeededRandom(3);
    for (let t = 0; t < 20_000; t++) {
      const x = Math.exp((random.next() - 0.5) * 60); // 1e-13 .. 1e13
      const exponent = 0.5 + random.next(); // b lies in (0.5, 1.5) for usual min_dist/spread
      expect(Math.abs(fastPow(x, exponent) / Math.pow(x, exponent) - 1)).toBeLessThan(1e-6);
    }
    expect(fastPow(1, 0.9)).toBeCloseTo(1, 5);
    expect(fastPow(4, 0.5)).toBeCloseTo(2, 5);
  });
});
