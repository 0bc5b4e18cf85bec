import { describe, expect, it } from 'vitest';
import { knnGraph, nearestNeighbors, type DistanceMetric } from './neighbors';
import { SeededRandom } from './random';

/** The reference: every distance computed, full sort by (distance, id). */
function naiveNeighbors(table: Float32Array, dim: number, query: number, k: number, metric: DistanceMetric) {
  const rows = table.length / dim;
  const q = table.subarray(query * dim, (query + 1) * dim);
  const hits: { id: number; distance: number }[] = [];
  for (let r = 0; r < rows; r++) {
    if (r === query) continue;
    const x = table.subarray(r * dim, (r + 1) * dim);
    let distance: number;
    if (metric === 'euclidean') distance = Math.sqrt(x.reduce((s, v, j) => s + (v - q[j]) ** 2, 0));
    else {
      const dot = x.reduce((s, v, j) => s + v * q[j], 0);
      const norms = Math.sqrt(x.reduce((s, v) => s + v * v, 0)) * Math.sqrt(q.reduce((s, v) => s + v * v, 0));
      distance = norms > 0 ? 1 - dot / norms : 1;
    }
    hits.push({ id: r, distance });
  }
  return hits.sort((a, b) => a.distance - b.distance || a.id - b.id).slice(0, k);
}

describe('nearestNeighbors', () => {
  const dim = 8;
  const rows = 400;
  const random = new SeededRandom(9);
  const table = Float32Array.from({ length: rows * dim }, () => random.gaussian());
  // Ties and edge cases: rows 10..14 duplicate row 3, row 20 is a scaled copy of row 3 (cosine 0),
  // row 21 is zero.
  for (let r = 10; r < 15; r++) table.copyWithin(r * dim, 3 * dim, 4 * dim);
  for (let j = 0; j < dim; j++) table[20 * dim + j] = 2 * table[3 * dim + j];
  table.fill(0, 21 * dim, 22 * dim);

  for (const metric of ['cosine', 'euclidean'] as const) {
    it(`matches a full sort (${metric}), ties by id, excluding the query`, () => {
      for (const query of [0, 3, 12, 21, 399]) {
        for (const k of [1, 7, 50]) {
          const got = nearestNeighbors(table, dim, query, k, metric);
          const expected = naiveNeighbors(table, dim, query, k, metric);
          expect(got.map((h) => h.id)).toEqual(expected.map((h) => h.id));
          got.forEach((h, i) => expect(h.distance).toBeCloseTo(expected[i].distance, 6));
          expect(got.some((h) => h.id === query)).toBe(false);
        }
      }
    });
  }

  it('returns everything else when k exceeds the table, and respects a candidate list', () => {
    expect(nearestNeighbors(table, dim, 5, 10_000, 'euclidean')).toHaveLength(rows - 1);
    const candidates = [1, 2, 3, 5, 8, 13];
    const got = nearestNeighbors(table, dim, 5, 3, 'cosine', candidates);
    const expected = naiveNeighbors(table, dim, 5, rows, 'cosine').filter((h) => candidates.includes(h.id)).slice(0, 3);
    expect(got.map((h) => h.id)).toEqual(expected.map((h) => h.id));
  });

  it('puts the duplicates of a row at distance 0 and its scaled copy at cosine distance 0', () => {
    const cosine = nearestNeighbors(table, dim, 3, 6, 'cosine');
    expect(cosine.map((h) => h.id).sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14, 20]);
    cosine.forEach((h) => expect(h.distance).toBeCloseTo(0, 6));
  });
});

describe('knnGraph', () => {
  it('equals the brute-force euclidean neighbours of every point', () => {
    const dim = 5;
    const n = 120;
    const random = new SeededRandom(2);
    const points = Float32Array.from({ length: n * dim }, () => random.gaussian());
    const graph = knnGraph(points, n, dim, 6);
    for (let i = 0; i < n; i++) {
      const expected = naiveNeighbors(points, dim, i, 6, 'euclidean');
      expect(Array.from(graph.indices.subarray(i * 6, i * 6 + 6))).toEqual(expected.map((h) => h.id));
      expected.forEach((h, s) => expect(graph.distances[i * 6 + s]).toBeCloseTo(h.distance, 5));
    }
  });
});
