import { describe, expect, it } from 'vitest';
import { gatherRows, sampleRowsByFrequency } from './sample';

describe('sampleRowsByFrequency', () => {
  const counts = [5, 0, 9, 9, 1, 7, 0, 2];

  it('keeps the most frequent seen rows, ties by id, most frequent first', () => {
    expect(Array.from(sampleRowsByFrequency(counts, 4))).toEqual([2, 3, 5, 0]);
    // Limit above the seen rows: all seen rows (1 and 6 never occurred).
    expect(Array.from(sampleRowsByFrequency(counts, 100))).toEqual([2, 3, 5, 0, 7, 4]);
    expect(Array.from(sampleRowsByFrequency(counts, 100, { includeUnseen: true }))).toHaveLength(8);
  });

  it('weighted mode: seeded, distinct rows, and favours frequent rows', () => {
    const many = Array.from({ length: 2000 }, (_, i) => (i < 100 ? 1000 : 1));
    const a = sampleRowsByFrequency(many, 100, { mode: 'weighted', seed: 4 });
    const b = sampleRowsByFrequency(many, 100, { mode: 'weighted', seed: 4 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(new Set(a).size).toBe(100);
    // Rows 0..99 hold 1e5 of the 101,900 occurrences: nearly all draws come from them.
    expect(Array.from(a).filter((id) => id < 100).length).toBeGreaterThan(80);
    expect(Array.from(sampleRowsByFrequency(many, 100, { mode: 'weighted', seed: 5 }))).not.toEqual(Array.from(a));
  });
});

describe('gatherRows', () => {
  it('copies the chosen rows in order and rejects rows outside the table', () => {
    const table = Float32Array.from([0, 1, 10, 11, 20, 21]);
    expect(Array.from(gatherRows(table, 2, [2, 0]))).toEqual([20, 21, 0, 1]);
    expect(() => gatherRows(table, 2, [3])).toThrow(/outside/);
  });
});
