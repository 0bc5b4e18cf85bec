import { describe, expect, it } from 'vitest';
import type { Batch, PreparedSplit } from '../data/types';
import { batchFromSplitRows, interactionLabels, repeatWithFeature, sliceBatch, withCategoricalReplaced, withDenseZeroed } from './batch';

const split: PreparedSplit = {
  numRows: 3,
  dense: Float32Array.from([0.1, 0.2, 1.1, 1.2, 2.1, 2.2]), // I = 2
  categorical: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), // F = 3
  labels: Uint8Array.from([0, 1, 1]),
};

/** Table row of feature f, example b (one-hot). */
const rowOf = (batch: Batch, f: number, b: number): number => batch.sparse.values[batch.sparse.offsets[f * batch.size + b]];

describe('batch helpers', () => {
  it('builds a one-hot batch from split rows in the keyed-jagged layout', () => {
    const batch = batchFromSplitRows(split, [2, 0]);
    expect(batch.size).toBe(2);
    expect(Array.from(batch.dense)).toEqual([2.1, 2.2, 0.1, 0.2].map(Math.fround));
    expect(Array.from(batch.sparse.values)).toEqual([7, 1, 8, 2, 9, 3]); // feature-major
    expect(Array.from(batch.sparse.offsets)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(batch.labels)).toEqual([1, 0]);
  });

  it('replaces a feature, zeroes the dense block, slices and repeats', () => {
    const batch = batchFromSplitRows(split, [0, 1, 2]);
    const replaced = withCategoricalReplaced(batch, 1, 0);
    expect([0, 1, 2].map((b) => rowOf(replaced, 1, b))).toEqual([0, 0, 0]);
    expect([0, 1, 2].map((b) => rowOf(replaced, 2, b))).toEqual([3, 6, 9]);
    expect(Array.from(withDenseZeroed(batch).dense).every((x) => x === 0)).toBe(true);
    const slice = sliceBatch(batch, 1, 3);
    expect([0, 1].map((b) => rowOf(slice, 0, b))).toEqual([4, 7]);
    const repeated = repeatWithFeature(batch, 1, 2, [10, 11]);
    expect([0, 1].map((b) => [rowOf(repeated, 0, b), rowOf(repeated, 1, b), rowOf(repeated, 2, b)])).toEqual([[4, 5, 10], [4, 5, 11]]);
    expect(Array.from(repeated.dense)).toEqual([1.1, 1.2, 1.1, 1.2].map(Math.fround));
    expect(interactionLabels(2)).toEqual(['dense', 'C1', 'C2']);
  });
});
