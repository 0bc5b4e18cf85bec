import { describe, expect, it } from 'vitest';
import { SeededRandom } from './random';
import { defaultPerplexity, inputAffinities, tsne, tsneGradient } from './tsne';

/** `clusters` Gaussian blobs in `dim` dims, centres 10 apart per axis, points interleaved. */
function blobs(perCluster: number, clusters: number, dim: number, seed: number) {
  const random = new SeededRandom(seed);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => random.gaussian() * 10));
  const n = perCluster * clusters;
  const points = new Float32Array(n * dim);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    labels.push(c);
    for (let j = 0; j < dim; j++) points[i * dim + j] = centres[c][j] + random.gaussian();
  }
  return { points, labels, n };
}

/** Share of each point's 5 nearest neighbours in the embedding that carry its label. */
function neighbourPurity(coords: Float32Array, dims: number, labels: number[]): number {
  const n = labels.length;
  let same = 0;
  for (let i = 0; i < n; i++) {
    const order = Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== i)
      .map((j) => {
        let d = 0;
        for (let k = 0; k < dims; k++) d += (coords[i * dims + k] - coords[j * dims + k]) ** 2;
        return { j, d };
      })
      .sort((a, b) => a.d - b.d)
      .slice(0, 5);
    same += order.filter((o) => labels[o.j] === labels[i]).length;
  }
  return same / (5 * n);
}

describe('defaultPerplexity', () => {
  it('is max(5, ceil(sqrt(N)/4)) capped at 30', () => {
    expect(defaultPerplexity(100)).toBe(5); // ceil(10/4) = 3 -> 5
    expect(defaultPerplexity(10_000)).toBe(25); // ceil(100/4)
    expect(defaultPerplexity(50_000)).toBe(30); // ceil(223.6/4) = 56 -> 30
  });
});

describe('inputAffinities', () => {
  it('is symmetric, sums to 1, and each conditional row has the requested perplexity', () => {
    const { points, n } = blobs(20, 3, 4, 1);
    const p = inputAffinities(points, n, 4, 10);
    let total = 0;
    const entry = (i: number, j: number): number => {
      for (let t = p.rowStart[i]; t < p.rowStart[i + 1]; t++) if (p.columns[t] === j) return p.values[t];
      return 0;
    };
    for (let i = 0; i < n; i++) {
      for (let t = p.rowStart[i]; t < p.rowStart[i + 1]; t++) {
        total += p.values[t];
        expect(entry(p.columns[t], i)).toBeCloseTo(p.values[t], 15);
      }
    }
    expect(total).toBeCloseTo(1, 10);
  });
});

describe('tsneGradient', () => {
  it('with theta = 0 equals the exact gradient; with theta = 0.5 stays close', () => {
    const { points, n } = blobs(25, 2, 3, 2);
    const p = inputAffinities(points, n, 3, 8);
    const random = new SeededRandom(7);
    for (const dims of [2, 3]) {
      const y = Float64Array.from({ length: n * dims }, () => random.gaussian());
      // Exact: 4 sum_j (p_ij - q_ij) q_ij Z (y_i - y_j), with q_ij Z = 1 / (1 + d_ij^2).
      let z = 0;
      const kernel = (i: number, j: number): number => {
        let d = 0;
        for (let k = 0; k < dims; k++) d += (y[i * dims + k] - y[j * dims + k]) ** 2;
        return 1 / (1 + d);
      };
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) z += kernel(i, j);
      const dense = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let t = p.rowStart[i]; t < p.rowStart[i + 1]; t++) dense[i * n + p.columns[t]] = p.values[t];
      const exact = new Float64Array(n * dims);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (i === j) continue;
          const w = kernel(i, j);
          for (let k = 0; k < dims; k++) exact[i * dims + k] += 4 * (dense[i * n + j] - w / z) * w * (y[i * dims + k] - y[j * dims + k]);
        }
      }
      const barnesHutExact = new Float64Array(n * dims);
      expect(tsneGradient(y, n, dims, p, 1, 0, barnesHutExact)).toBeCloseTo(z, 8);
      barnesHutExact.forEach((g, t) => expect(g).toBeCloseTo(exact[t], 10));
      const approximate = new Float64Array(n * dims);
      tsneGradient(y, n, dims, p, 1, 0.5, approximate);
      let errorNorm = 0;
      let norm = 0;
      approximate.forEach((g, t) => {
        errorNorm += (g - exact[t]) ** 2;
        norm += exact[t] ** 2;
      });
      expect(Math.sqrt(errorNorm / norm)).toBeLessThan(0.1);
    }
  });
});

describe('tsne', () => {
  const { points, labels, n } = blobs(40, 3, 10, 3);

  it('separates well-separated clusters in 2-D and 3-D', async () => {
    for (const dims of [2, 3] as const) {
      const result = await tsne(points, n, 10, { dims, iterations: 400, perplexity: 10 });
      expect(result.coords).toHaveLength(n * dims);
      expect(result.coords.every(Number.isFinite)).toBe(true);
      expect(neighbourPurity(result.coords, dims, labels)).toBeGreaterThan(0.95);
    }
  });

  it('reports live coordinates every k iterations, is deterministic, and can be cancelled', async () => {
    const seen: number[] = [];
    const a = await tsne(points, n, 10, { iterations: 50, reportEvery: 20, init: 'random', seed: 4, onIteration: (i, c) => {
      seen.push(i);
      expect(c).toHaveLength(n * 2);
    } });
    expect(seen).toEqual([20, 40, 50]);
    const b = await tsne(points, n, 10, { iterations: 50, init: 'random', seed: 4 });
    expect(Array.from(b.coords)).toEqual(Array.from(a.coords));
    const c = await tsne(points, n, 10, { iterations: 50, init: 'random', seed: 5 });
    expect(Array.from(c.coords)).not.toEqual(Array.from(a.coords));

    const controller = new AbortController();
    const run = tsne(points, n, 10, { iterations: 1000, reportEvery: 5, onIteration: (i) => {
      if (i === 10) controller.abort(new Error('stopped by user'));
    }, signal: controller.signal });
    await expect(run).rejects.toThrow('stopped by user');
  });
});
