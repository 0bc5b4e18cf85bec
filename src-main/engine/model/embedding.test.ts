import { describe, expect, it } from 'vitest';
import type { JaggedIndices } from '../data/types';
import { EmbeddingBagCollection } from './embedding';
import { Rng } from '../random/rng';
import { maxRelativeError, numericGradients } from './gradcheck.testutil';

describe('EmbeddingBagCollection', () => {
  // F = 2 tables of 3 rows, D = 2, B = 2.
  // feature 0: row 0 bag [2], row 1 bag [1, 1, 0] (a duplicate inside one bag)
  // feature 1: row 0 bag [],  row 1 bag [2]  (an empty bag pools to zeros)
  const sparse: JaggedIndices = {
    numFeatures: 2,
    batchSize: 2,
    values: Int32Array.of(2, 1, 1, 0, 2),
    offsets: Int32Array.of(0, 1, 4, 4, 5),
  };
  const tables = () => [Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(-1, -2, -3, -4, -5, -6)];

  it('sum-pools bags, duplicates counted twice, empty bags zero', () => {
    const ebc = new EmbeddingBagCollection([3, 3], 2, tables());
    // [b0f0 = t0[2] = (5,6), b0f1 = 0, b1f0 = 2 t0[1] + t0[0] = (6+1, 8+2), b1f1 = t1[2] = (-5,-6)]
    expect(Array.from(ebc.pool(sparse))).toEqual([5, 6, 0, 0, 7, 10, -5, -6]);
  });

  it('row gradients sum every use of a row (matches finite differences)', () => {
    const ebc = new EmbeddingBagCollection([3, 3], 2, tables());
    const rng = new Rng(1);
    const upstream = Float32Array.from({ length: 8 }, () => rng.normal());
    const grads = ebc.rowGradients(sparse, upstream);
    // feature 0: row 2 gets upstream[b0f0], row 1 gets 2 * upstream[b1f0], row 0 gets upstream[b1f0]
    expect(Array.from(grads[0].rows)).toEqual([2, 1, 0]);
    expect(Array.from(grads[1].rows)).toEqual([2]);
    const dense = (f: number): Float64Array => {
      const out = new Float64Array(6);
      grads[f].rows.forEach((row, u) => {
        out[row * 2] = grads[f].values[u * 2];
        out[row * 2 + 1] = grads[f].values[u * 2 + 1];
      });
      return out;
    };
    const t = tables();
    const loss = (inputs: Float32Array[]) => {
      const pooled = new EmbeddingBagCollection([3, 3], 2, inputs).pool(sparse);
      let s = 0;
      for (let i = 0; i < pooled.length; i++) s += pooled[i] * upstream[i];
      return s;
    };
    const numeric = numericGradients(loss, t);
    expect(maxRelativeError(dense(0), numeric[0])).toBeLessThan(1e-4);
    expect(maxRelativeError(dense(1), numeric[1])).toBeLessThan(1e-4);
    // the scratch slots were reset: a second call gives the same answer
    const again = ebc.rowGradients(sparse, upstream);
    expect(Array.from(again[0].values)).toEqual(Array.from(grads[0].values));
  });

  it('reference init stays within +-sqrt(1/rows) and is deterministic', () => {
    const a = EmbeddingBagCollection.initialized([100, 4], 3, new Rng(5));
    const b = EmbeddingBagCollection.initialized([100, 4], 3, new Rng(5));
    expect(Array.from(a.tables[0])).toEqual(Array.from(b.tables[0]));
    expect(Math.max(...a.tables[0].map(Math.abs))).toBeLessThanOrEqual(0.1);
    expect(Math.max(...a.tables[1].map(Math.abs))).toBeLessThanOrEqual(0.5);
    expect(Math.max(...a.tables[0].map(Math.abs))).toBeGreaterThan(0.08);
  });

  it('rejects an index outside its table, naming feature and row', () => {
    const ebc = new EmbeddingBagCollection([3, 3], 2, tables());
    const bad = { ...sparse, values: Int32Array.of(2, 1, 1, 0, 3) };
    expect(() => ebc.pool(bad)).toThrow(/feature 1, batch row 1: index 3 is outside its table of 3 rows/);
  });
});
