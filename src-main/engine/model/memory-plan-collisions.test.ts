import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../domain';
import { Rng } from '../random/rng';
import { planMemory } from './memory-plan';

const machine = { totalBytes: 64 * 2 ** 30, freeBytes: 32 * 2 ** 30 };
const spec: ModelSpec = { kind: 'dlrm', embeddingDim: 8, bottomMlp: '13-16-8', topMlp: '16-1', interaction: 'dot', hashSize: 4096 };

/** Hashes `distinct` different random 32-bit values mod `rows` and counts values whose row holds another. */
function measuredCollidingShare(rng: Rng, distinct: number, rows: number): number {
  const seen = new Set<number>();
  const perRow = new Uint32Array(rows);
  const values: number[] = [];
  while (values.length < distinct) {
    const v = Math.floor(rng.uniform() * 2 ** 32);
    if (seen.has(v)) continue;
    seen.add(v);
    values.push(v);
    perRow[v % rows]++;
  }
  return values.filter((v) => perRow[v % rows] > 1).length / distinct;
}

describe('planMemory: hashing collisions from the features\' distinct values', () => {
  it('is absent without distinct values', () => {
    expect(planMemory({ spec, batchSize: 32, datasetRows: null, residentRows: null, machine }).hashCollisions).toBeUndefined();
  });

  it('per table, the expected colliding share matches values actually hashed into the table', () => {
    const distinct = Array.from({ length: 26 }, (_, f) => [0, 1, 100, 1000, 4096, 20_000][f % 6]);
    const plan = planMemory({ spec, batchSize: 32, datasetRows: null, residentRows: null, machine, featureDistinctValues: distinct });
    const collisions = plan.hashCollisions;
    expect(collisions).toBeDefined();
    if (!collisions) return;
    expect(collisions.tables.map((t) => t.distinct)).toEqual(distinct);
    expect(collisions.tables.every((t) => t.rows === 4096)).toBe(true);
    const rng = new Rng(7);
    for (const table of collisions.tables.slice(0, 6)) {
      expect(table.occupiedRows).toBeLessThanOrEqual(Math.min(table.distinct, table.rows) + 1e-9);
      if (table.distinct <= 1) {
        expect(table.collidingShare).toBe(0);
        continue;
      }
      expect(Math.abs(measuredCollidingShare(rng, table.distinct, table.rows) - table.collidingShare)).toBeLessThan(0.03);
    }
    // overall: colliding values over all distinct values
    const total = distinct.reduce((a, b) => a + b, 0);
    const colliding = collisions.tables.reduce((s, t) => s + t.collidingShare * t.distinct, 0);
    expect(collisions.collidingShare).toBeCloseTo(colliding / total, 12);
    expect(collisions.collidingShare).toBeGreaterThan(0.3);
  });

  it('refuses distinct values of the wrong length or kind, naming them', () => {
    const plan = (featureDistinctValues: number[]) => planMemory({ spec, batchSize: 32, datasetRows: null, residentRows: null, machine, featureDistinctValues });
    expect(() => plan([1, 2, 3])).toThrow(/featureDistinctValues needs 26 counts/);
    expect(() => plan(Array.from({ length: 26 }, (_, f) => (f === 4 ? -1 : 10)))).toThrow(/featureDistinctValues\[4\] \(C5\)/);
  });
});
