import { describe, expect, it } from 'vitest';
import { collidingShare, distinctFromOccupiedRows, expectedOccupiedRows } from './hash-collisions';

/** Hashes n distinct values into m rows with a seeded LCG and counts occupied rows and colliding values. */
function simulate(distinct: number, rows: number, seed: number): { occupied: number; colliding: number } {
  const perRow = new Int32Array(rows);
  const rowOf = new Int32Array(distinct);
  let state = seed >>> 0;
  for (let v = 0; v < distinct; v++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    rowOf[v] = Math.floor((state / 4294967296) * rows);
    perRow[rowOf[v]]++;
  }
  let occupied = 0;
  for (const c of perRow) if (c > 0) occupied++;
  let colliding = 0;
  for (const r of rowOf) if (perRow[r] > 1) colliding++;
  return { occupied, colliding };
}

describe('hashing collisions from statistics', () => {
  it('matches hand computations', () => {
    // 2 values, 2 rows: occupied 2 (1 - 1/4) = 1.5; the second value meets the first with probability 1/2
    expect(expectedOccupiedRows(2, 2)).toBeCloseTo(1.5, 12);
    expect(collidingShare(2, 2)).toBeCloseTo(0.5, 12);
    expect(collidingShare(1, 10)).toBe(0);
    expect(collidingShare(5, 1)).toBe(1);
    // 3 values, 4 rows: 1 - (3/4)^2 = 0.4375; occupied 4 (1 - 27/64) = 2.3125
    expect(collidingShare(3, 4)).toBeCloseTo(0.4375, 12);
    expect(expectedOccupiedRows(3, 4)).toBeCloseTo(2.3125, 12);
    expect(distinctFromOccupiedRows(expectedOccupiedRows(3, 4), 4)).toBeCloseTo(3, 10);
    expect(distinctFromOccupiedRows(10, 10)).toBe(Infinity);
  });

  it('agrees with simulated hashing (Criteo-like: 300,000 values into 100,000 rows)', () => {
    const n = 300_000;
    const m = 100_000;
    const measured = simulate(n, m, 7);
    expect(measured.occupied / expectedOccupiedRows(n, m)).toBeCloseTo(1, 2);
    expect(measured.colliding / n).toBeCloseTo(collidingShare(n, m), 2);
    expect(distinctFromOccupiedRows(measured.occupied, m) / n).toBeCloseTo(1, 1);
  });

  it('stays accurate at Kaggle sizes (10,131,227 values into 2^31 - 1 rows: almost no collisions)', () => {
    const share = collidingShare(10_131_227, 2 ** 31 - 1);
    expect(share).toBeGreaterThan(0.0047);
    expect(share).toBeLessThan(0.0048); // ~ n / m = 0.00472
  });
});
