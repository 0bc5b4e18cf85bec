/**
 * The ALS / two-field-DLRM tie on a planted rank-2 log: 80 users x 60 items, each pair shown once
 * with probability 0.6 (about 2,900 impressions), clicked with probability sigmoid(2 u.v - 1) for
 * planted u, v ~ N(0, I_2); the pairs not shown are shown once more as the held-out log.
 *
 * Why 0.75: both models estimate a monotone transform of the same planted rank-2 logit (ALS the click
 * probability by least squares, the DLRM the logit itself), so their score matrices differ by that
 * transform's curvature and by the estimation noise of ~36 impressions per user, and each fit lands
 * in its own optimum from its own start: with D = 4, 9 fits (4 planted seeds x 2 inits, and the
 * renumbered field-pair case) measured 0.79-0.93 when written. A DLRM that failed to learn the shared
 * structure (one on shuffled clicks, checked below) lands below 0.5. (With D = 2, the exact rank, fits
 * got stuck as low as 0.47: the tests use D = 4.)
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../random/rng';
import { fitTwoFieldDlrm, trainTwoFieldDlrm, twoFieldBatch } from '../train/two-field-dlrm';
import { compareAlsWithTwoFieldDlrm, mfTieOnFieldPair, mfTieOnSimulation, pearson, twoFieldLogit, type TwoFieldLog } from './mf-tie';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function plantedLog(seed: number, shuffleClicks = false): { train: TwoFieldLog; heldOut: Set<number>[] } {
  const U = 80;
  const N = 60;
  const rng = new Rng(seed);
  const user = Array.from({ length: U * 2 }, () => rng.normal());
  const item = Array.from({ length: N * 2 }, () => rng.normal());
  const users: number[] = [];
  const items: number[] = [];
  const clicked: number[] = [];
  const heldOut = Array.from({ length: U }, () => new Set<number>());
  for (let u = 0; u < U; u++) {
    for (let i = 0; i < N; i++) {
      const z = 2 * (user[2 * u]! * item[2 * i]! + user[2 * u + 1]! * item[2 * i + 1]!) - 1;
      const click = rng.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
      if (rng.uniform() < 0.6) {
        users.push(u);
        items.push(i);
        clicked.push(click);
      } else if (click === 1) heldOut[u]!.add(i);
    }
  }
  if (shuffleClicks) {
    for (let j = clicked.length - 1; j > 0; j--) {
      const k = rng.int(j + 1);
      [clicked[j], clicked[k]] = [clicked[k]!, clicked[j]!];
    }
  }
  return { train: { users: Int32Array.from(users), items: Int32Array.from(items), clicked: Uint8Array.from(clicked), userCount: U, itemCount: N }, heldOut };
}

describe('ALS against the two-field DLRM', () => {
  it('pearson: 1 for an affine map, -1 reversed, 0 for a constant', () => {
    expect(pearson([1, 2, 3], [3, 5, 7])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 2, 3], [4, 4, 4])).toBe(0);
  });

  it('the host logit from the tables equals the model logit, and the trainer frees its tensors', () => {
    const { train } = plantedLog(3);
    const before = tf.memory().numTensors;
    const { trainer, embeddings } = trainTwoFieldDlrm(train, { dlrmEpochs: 1 });
    const users = [0, 5, 79];
    const items = [0, 17, 59];
    const logits = trainer.model.batchLogits(twoFieldBatch(users, items));
    users.forEach((u, b) => expect(twoFieldLogit(embeddings, u, items[b]!)).toBeCloseTo(logits[b]!, 4));
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([1, 2])('on a planted rank-2 log (seed %i) the score matrices correlate above 0.75 and both rank held-out clicks above random', (seed) => {
    const { train, heldOut } = plantedLog(seed);
    const result = compareAlsWithTwoFieldDlrm(train, heldOut, fitTwoFieldDlrm, { factors: 4, seed });
    expect(result.correlationLogit).toBeGreaterThan(0.75);
    expect(result.ndcg.als).toBeGreaterThan(result.ndcg.random + 0.1);
    expect(result.ndcg.dlrm).toBeGreaterThan(result.ndcg.random + 0.1);
    expect(result.scatter).toHaveLength(1500);
    // the control: a DLRM fitted to shuffled clicks has nothing in common with the real ALS
    const shuffled = compareAlsWithTwoFieldDlrm(plantedLog(seed, true).train, heldOut, fitTwoFieldDlrm, { factors: 4, seed });
    expect(shuffled.correlationLogit).toBeLessThan(0.5);
  });

  it('on a field pair of a file: sparse table rows are renumbered, test clicks held out, the same agreement', () => {
    const { train, heldOut } = plantedLog(1);
    // table rows as hashing gives them (sparse), test rows: the held-out clicks plus a row of an unseen user
    const testUsers: number[] = [9999];
    const testItems: number[] = [50];
    heldOut.forEach((items, u) => items.forEach((i) => {
      testUsers.push(1000 + 7 * u);
      testItems.push(50 + 3 * i);
    }));
    const result = mfTieOnFieldPair(
      { users: Int32Array.from(train.users, (u) => 1000 + 7 * u), items: Int32Array.from(train.items, (i) => 50 + 3 * i), clicked: train.clicked },
      { users: Int32Array.from(testUsers), items: Int32Array.from(testItems), clicked: new Uint8Array(testUsers.length).fill(1) },
      0, 1, fitTwoFieldDlrm, { factors: 4, seed: 1 },
    );
    expect(result.source).toBe('C1 x C2');
    expect([result.users, result.items]).toEqual([80, 60]);
    expect(result.heldOutUsers).toBe(heldOut.filter((items) => items.size > 0).length);
    expect(result.correlationLogit).toBeGreaterThan(0.75);
    expect(result.ndcg.dlrm).toBeGreaterThan(result.ndcg.random + 0.1);
  });

  it('refuses a field pair whose dense score matrices would be too large, naming the fields', () => {
    const many = Int32Array.from({ length: 2100 }, (_, k) => k);
    const rows = { users: many, items: many, clicked: new Uint8Array(2100) };
    expect(() => mfTieOnFieldPair(rows, rows, 2, 4, fitTwoFieldDlrm)).toThrow(/C3 x C5: 2100 users x 2100 items/);
  });

  it('on the simulator log both models fit and report finite numbers', () => {
    const result = mfTieOnSimulation(fitTwoFieldDlrm, { users: 60, items: 40, rounds: 8, seed: 5 }, { dlrmEpochs: 2 });
    expect(result.users).toBe(60);
    expect(result.source).toBe('simulation');
    expect(result.impressions).toBe(60 * 10 * 6);
    expect(Number.isFinite(result.correlationLogit)).toBe(true);
    expect(result.heldOutUsers).toBeGreaterThan(0);
  });
});
