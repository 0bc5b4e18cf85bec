/**
 * The ALS / two-field-DLRM tie on a planted rank-2 log: 80 users x 60 items, each pair shown once
 * with probability 0.6 (about 2,900 impressions), clicked with probability sigmoid(2 u.v - 1) for
 * planted u, v ~ N(0, I_2); the pairs not shown are shown once more as the held-out log.
 *
 * Why 0.8: both models estimate a monotone transform of the same planted rank-2 logit (ALS the click
 * probability by least squares, the DLRM the logit itself), so their score matrices differ by that
 * transform's curvature (Pearson correlation of sigmoid(z) with z is about 0.96 over z = 2 u.v - 1)
 * and by the estimation noise of ~50 impressions per user. 0.8 leaves room for the noise while any
 * failure to learn the shared structure (a DLRM on shuffled clicks, checked below) lands far lower.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../random/rng';
import { fitTwoFieldDlrm, trainTwoFieldDlrm, twoFieldBatch } from '../train/two-field-dlrm';
import { compareAlsWithTwoFieldDlrm, mfTieOnSimulation, pearson, twoFieldLogit, type TwoFieldLog } from './mf-tie';

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

  it.each([1, 2])('on a planted rank-2 log (seed %i) the score matrices correlate above 0.8 and both rank held-out clicks above random', (seed) => {
    const { train, heldOut } = plantedLog(seed);
    const result = compareAlsWithTwoFieldDlrm(train, heldOut, fitTwoFieldDlrm, { factors: 4, seed });
    expect(result.correlationLogit).toBeGreaterThan(0.8);
    expect(result.ndcg.als).toBeGreaterThan(result.ndcg.random + 0.1);
    expect(result.ndcg.dlrm).toBeGreaterThan(result.ndcg.random + 0.1);
    expect(result.scatter).toHaveLength(1500);
    // the control: a DLRM fitted to shuffled clicks has nothing in common with the real ALS
    const shuffled = compareAlsWithTwoFieldDlrm(plantedLog(seed, true).train, heldOut, fitTwoFieldDlrm, { factors: 4, seed });
    expect(shuffled.correlationLogit).toBeLessThan(0.5);
  });

  it('on the simulator log both models fit and report finite numbers', () => {
    const result = mfTieOnSimulation(fitTwoFieldDlrm, { users: 60, items: 40, rounds: 8, seed: 5 }, { dlrmEpochs: 2 });
    expect(result.users).toBe(60);
    expect(result.impressions).toBe(60 * 10 * 6);
    expect(Number.isFinite(result.correlationLogit)).toBe(true);
    expect(result.heldOutUsers).toBeGreaterThan(0);
  });
});
