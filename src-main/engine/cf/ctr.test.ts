/**
 * CF as CTR models on a field pair. The planted set: 120 "users" x 80 "items" (two categorical
 * fields), click probability sigmoid(2 u.v - 2) for planted rank-2 u, v ~ N(0, I); each row draws a
 * random pair, 12,000 training rows and 4,000 test rows. The Bayes-optimal test AUC (ranking by the
 * planted probability) is computed in the test; every model must get most of the way from 0.5 to it,
 * and the same models on shuffled training clicks must not.
 */
import { describe, expect, it } from 'vitest';
import type { Batch } from '../data/types';
import type { BatchSourceLike } from '../data/batch-source';
import { fieldPairTriples } from '../data/field-pair';
import { rocAuc } from '../metrics/classification';
import { Rng } from '../random/rng';
import { compareCollaborativeCtr, type FieldPairTriples } from './ctr';

function planted(seed: number, rows: number, rng: Rng, user: number[], item: number[]): FieldPairTriples & { probability: Float64Array } {
  const users = new Int32Array(rows);
  const items = new Int32Array(rows);
  const clicked = new Uint8Array(rows);
  const probability = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const u = rng.int(120);
    const i = rng.int(80);
    const z = 2 * (user[2 * u]! * item[2 * i]! + user[2 * u + 1]! * item[2 * i + 1]!) - 2;
    probability[r] = 1 / (1 + Math.exp(-z));
    users[r] = 1000 + 7 * u; // table rows as a hashed field would give them: sparse ids
    items[r] = 50 + 3 * i;
    clicked[r] = rng.uniform() < probability[r]! ? 1 : 0;
  }
  void seed;
  return { users, items, clicked, probability };
}

function plantedSplit(seed: number) {
  const rng = new Rng(seed);
  const user = Array.from({ length: 240 }, () => rng.normal());
  const item = Array.from({ length: 160 }, () => rng.normal());
  return { train: planted(seed, 12_000, rng, user, item), test: planted(seed, 4_000, rng, user, item) };
}

describe('collaborative filtering as CTR models on a field pair', () => {
  it('fieldPairTriples reads the first value of two fields of every row and skips empty bags', () => {
    // F = 3, B = 3 (feature-major bags): f0 [5] [6] [7]; f1 [1] [] [2]; f2 [9, 8] [4] [3]
    const batch: Batch = {
      size: 3,
      dense: new Float32Array(3),
      sparse: { numFeatures: 3, batchSize: 3, values: Int32Array.of(5, 6, 7, 1, 2, 9, 8, 4, 3), offsets: Int32Array.of(0, 1, 2, 3, 4, 4, 5, 7, 8, 9) },
      labels: Float32Array.of(1, 0, 0),
    };
    const source: BatchSourceLike = { numRows: 3, batches: () => [batch] };
    const triples = fieldPairTriples(source, 2, 1);
    expect(Array.from(triples.users)).toEqual([9, 3]);
    expect(Array.from(triples.items)).toEqual([1, 2]);
    expect(Array.from(triples.clicked)).toEqual([1, 0]);
    expect(() => fieldPairTriples(source, 0, 3)).toThrow(/itemField: feature 3 does not exist/);
  });

  it.each([1, 2])('on a planted rank-2 pair (seed %i) every model recovers most of the Bayes AUC; shuffled clicks do not', (seed) => {
    const { train, test } = plantedSplit(seed);
    const bayes = rocAuc(test.probability, Float32Array.from(test.clicked));
    const result = compareCollaborativeCtr(train, test, 3, 4, { seed });
    expect(result.users).toBe(120);
    expect(result.items).toBe(80);
    expect(result.testCoverage).toBe(1);
    const constantLogLoss = -(result.trainClickRate * Math.log(result.trainClickRate) + (1 - result.trainClickRate) * Math.log(1 - result.trainClickRate));
    for (const row of result.rows) {
      // at least 60% of the way from a coin flip to the planted probabilities
      expect(row.test.auc!, row.name).toBeGreaterThan(0.5 + 0.6 * (bayes - 0.5));
      if (row.probability) expect(row.test.logLoss!, row.name).toBeLessThan(constantLogLoss);
      else expect(row.test.logLoss, row.name).toBeUndefined();
    }
    const shuffledClicks = Uint8Array.from(train.clicked);
    const rng = new Rng(seed + 100);
    for (let j = shuffledClicks.length - 1; j > 0; j--) {
      const k = rng.int(j + 1);
      [shuffledClicks[j], shuffledClicks[k]] = [shuffledClicks[k]!, shuffledClicks[j]!];
    }
    const control = compareCollaborativeCtr({ ...train, clicked: shuffledClicks }, test, 3, 4, { seed });
    for (const row of control.rows) expect(Math.abs(row.test.auc! - 0.5), row.name).toBeLessThan(0.06);
  });

  it('test rows with an unseen user or item get the training click rate', () => {
    const train: FieldPairTriples = { users: Int32Array.of(1, 1, 2, 2), items: Int32Array.of(10, 11, 10, 11), clicked: Uint8Array.of(1, 0, 0, 1) };
    const test: FieldPairTriples = { users: Int32Array.of(1, 3, 2), items: Int32Array.of(10, 10, 12), clicked: Uint8Array.of(1, 0, 1) };
    const result = compareCollaborativeCtr(train, test, 0, 1, { kinds: ['item-knn'] });
    expect(result.testCoverage).toBeCloseTo(1 / 3, 12);
    expect(result.trainClickRate).toBe(0.5);
    expect(result.rows[0]!.test.meanPrediction).toBeGreaterThan(0);
  });
});
